"""`scripts/lab image encrypted` builds the root file system the image role looks up for encrypted layouts.

The lab builds it offline from a local mirror of its packages; the role then finds it in the cache
only when both pass the same packages and outputs to build-debian-image.
"""

from __future__ import annotations

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_lab_builds_what_the_image_role_asks_for():
    with open(os.path.join(ROOT, "scripts", "lab"), encoding="utf-8") as handle:
        lab = handle.read()
    with open(os.path.join(ROOT, "roles", "image", "vars", "main.yml"), encoding="utf-8") as handle:
        role_vars = yaml.safe_load(handle)
    args = re.search(r"^ENCRYPTED_IMAGE_ARGS=\(([^)]*)\)", lab, re.MULTILINE).group(1).split()
    assert args == ["--extra-packages", ",".join(role_vars["__image_encrypted_packages"]), "--rootfs-tar"]
    # The role adds exactly these for an encrypted layout.
    role_args = "['--extra-packages', __image_encrypted_packages | join(','), '--rootfs-tar']"
    assert role_args in role_vars["__image_build_args"]
