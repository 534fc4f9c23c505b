"""The role stops before changing anything when a password breaks the policy (real ansible-playbook run).

Only the role's always-tagged steps run (connection probe, variables, preflight), in check mode,
against the local machine: nothing is changed here.
"""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import COLLECTIONS_ROOT

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: born2beroot.virt.bootstrap
"""


def run_role(tmp_path, *extra):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.abspath(COLLECTIONS_ROOT), ANSIBLE_NOCOLOR="1")
    bindir = os.path.dirname(sys.executable)
    cmd = [
        os.path.join(bindir, "ansible-playbook"),
        "-i",
        "localhost,",
        "--check",
        "--tags",
        "only_always_tagged_steps",
    ]
    cmd += ["-e", "ansible_python_interpreter=" + sys.executable, "-e", "bootstrap_login=marvin", *extra, str(playbook)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_a_password_breaking_the_policy_stops_the_role_with_the_rules_named(tmp_path):
    done = run_role(tmp_path, "-e", "bootstrap_user_password=marvinAAAA1")
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        "Password refused by the policy in bootstrap_pwquality: marvin: more than 3 identical characters in a row; "
        in done.stdout
    )
    assert "marvin: contains the user name" in done.stdout
    assert "marvinAAAA1" not in done.stdout + done.stderr


def test_a_good_password_passes_the_preflight(tmp_path):
    done = run_role(tmp_path, "-e", "bootstrap_user_password=Ucq7Lpz2Wm")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Refuse passwords that break the password policy" in done.stdout
