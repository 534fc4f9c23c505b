"""The rendered reference (docs/reference, roles/*/README.md) matches the plugins' and roles' own docs."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import COLLECTIONS_ROOT

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_reference_docs_are_up_to_date():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT)
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "render-reference"), "--check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
