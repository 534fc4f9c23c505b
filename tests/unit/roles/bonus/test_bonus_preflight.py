"""The wordpress and fail2ban roles stop before changing anything on bad input, naming the setting
(real ansible-playbook runs of their always-tagged steps, in check mode, against this machine)."""

from __future__ import annotations

import os
import subprocess
import sys

from bonus_renderer import ROLES

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: born2beroot.virt.%s
"""


def run_role(tmp_path, role, *extra):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY % role)
    collections = os.path.abspath(os.path.join(ROLES, "..", ".collections"))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1")
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    cmd = [ansible_playbook, "-i", "localhost,", "--check", "--tags", "only_always_tagged_steps"]
    cmd += ["-e", "ansible_python_interpreter=" + sys.executable, *extra, str(playbook)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)


SECRETS = ["-e", "wordpress_db_password=Db4nLq8Vs2", "-e", "wordpress_admin_password=Wp7rQx2mZk9t"]


def test_wordpress_without_its_secrets_is_refused_by_the_argument_spec(tmp_path):
    done = run_role(tmp_path, "wordpress")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "wordpress_admin_password" in done.stdout and "wordpress_db_password" in done.stdout


def test_wordpress_names_each_bad_setting_and_never_a_secret(tmp_path):
    done = run_role(
        tmp_path, "wordpress", *SECRETS, "-e", "wordpress_db_name=wp-site", "-e", "wordpress_http_port=70000"
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "wordpress_db_name=wp-site may hold only letters, digits and '_', up to 64" in done.stdout
    assert "wordpress_http_port=70000 is not a port from 1 to 65535" in done.stdout
    assert "Db4nLq8Vs2" not in done.stdout + done.stderr and "Wp7rQx2mZk9t" not in done.stdout + done.stderr


def test_wordpress_with_good_settings_passes_the_preflight(tmp_path):
    done = run_role(tmp_path, "wordpress", *SECRETS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Check the names, the port and that the secrets are given" in done.stdout


def test_fail2ban_names_each_bad_setting(tmp_path):
    done = run_role(tmp_path, "fail2ban", "-e", "fail2ban_bantime=ten", "-e", '{"fail2ban_ignore_addresses": ["a b"]}')
    assert done.returncode == 2, done.stdout + done.stderr
    assert "fail2ban_bantime=ten is not a fail2ban time (600, 10m, 1h30m, -1)" in done.stdout
    assert "fail2ban_ignore_addresses: a b is not an IP address or network" in done.stdout


def test_fail2ban_with_the_defaults_passes(tmp_path):
    done = run_role(tmp_path, "fail2ban")
    assert done.returncode == 0, done.stdout + done.stderr
