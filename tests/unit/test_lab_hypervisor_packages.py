"""`scripts/lab deps` installs the hypervisor role's Debian packages, so that the integration target
hypervisor_role can run the role with its defaults and expect apt to change nothing."""

from __future__ import annotations

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_lab_installs_the_hypervisor_roles_debian_packages():
    with open(os.path.join(ROOT, "scripts", "lab"), encoding="utf-8") as handle:
        lab = handle.read()
    with open(os.path.join(ROOT, "roles", "hypervisor", "vars", "Debian.yml"), encoding="utf-8") as handle:
        role_packages = yaml.safe_load(handle)["__hypervisor_packages"]
    listed = re.search(r"^APT_PACKAGES=\(([^)]*)\)", lab, re.MULTILINE).group(1)
    lab_packages = re.sub(r"#[^\n]*", "", listed).split()
    assert role_packages and set(role_packages) <= set(lab_packages)
