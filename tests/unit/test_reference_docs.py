"""The generated docs (docs/reference, roles/*/README.md, the Debian vs Rocky table, the diagrams)
match their sources."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import COLLECTIONS_ROOT

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "render-reference")


def load_renderer():
    loader = importlib.machinery.SourceFileLoader("render_reference", SCRIPT)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_reference_docs_are_up_to_date():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT)
    result = subprocess.run([sys.executable, SCRIPT, "--check"], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_os_table_has_a_row_for_every_per_family_variable():
    table = load_renderer().render_os_families()
    for role in ("bootstrap", "evaluate", "hypervisor"):
        for family in ("Debian", "RedHat"):
            with open(os.path.join(ROOT, "roles", role, "vars", family + ".yml")) as handle:
                for key in yaml.safe_load(handle):
                    assert key == "__bootstrap_os_vars_file" or "`%s" % key in table, (role, family, key)


def test_os_table_shows_a_new_variable_and_fills_in_defaults(tmp_path, monkeypatch):
    shutil.copytree(os.path.join(ROOT, "roles"), tmp_path / "roles")
    with open(tmp_path / "roles" / "bootstrap" / "vars" / "RedHat.yml", "a") as handle:
        handle.write("__bootstrap_new_thing: '{{ bootstrap_ssh_port }}/tcp'  # why it differs\n")
    renderer = load_renderer()
    monkeypatch.setattr(renderer, "ROOT", str(tmp_path))
    table = renderer.render_os_families()
    assert "| `__bootstrap_new_thing` | — | `4242/tcp` | bootstrap `__bootstrap_new_thing` |" in table
    assert "- RedHat, bootstrap `__bootstrap_new_thing`: why it differs" in table


def test_os_table_refuses_roles_that_disagree(tmp_path, monkeypatch):
    shutil.copytree(os.path.join(ROOT, "roles"), tmp_path / "roles")
    path = tmp_path / "roles" / "evaluate" / "vars" / "RedHat.yml"
    path.write_text(path.read_text().replace("firewall: firewalld", "firewall: iptables"))
    renderer = load_renderer()
    monkeypatch.setattr(renderer, "ROOT", str(tmp_path))
    with pytest.raises(SystemExit, match="RedHat: the roles disagree on Firewall"):
        renderer.render_os_families()
