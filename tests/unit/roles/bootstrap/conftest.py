"""Render the bootstrap role's templates and private variables for a given OS family, offline.

Ansible's own Templar does the rendering, with the role's defaults, vars/main.yml and
vars/<family>.yml layered the way the role loads them, so what the tests see is what a host of
that family gets.
"""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template

ROLE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "bootstrap"))

COLLECTIONS_ROOT = os.path.join(ROLE, "..", "..", ".collections")
# Lookups such as ansible.builtin.varnames load through the collection loader.
init_plugin_loader([os.path.abspath(COLLECTIONS_ROOT)])

FACTS = {
    "Debian": {"os_family": "Debian", "distribution": "Debian", "distribution_major_version": "12", "env": {}},
    "RedHat": {"os_family": "RedHat", "distribution": "Rocky", "distribution_major_version": "9", "env": {}},
}


def role_file(*parts):
    return os.path.join(ROLE, *parts)


def load_yaml(*parts):
    return DataLoader().load_from_file(role_file(*parts), trusted_as_template=True)


class Renderer:
    """Templar over the role's variables for one OS family, plus per-test overrides."""

    def __init__(self, family, **overrides):
        variables = {}
        variables.update(load_yaml("defaults", "main.yml"))
        variables.update(load_yaml("vars", "main.yml"))
        variables.update(load_yaml("vars", family + ".yml"))
        variables.update(
            {
                "bootstrap_login": "marvin",
                "inventory_hostname": "guest1",
                "ansible_facts": dict(FACTS[family]),
                "ansible_check_mode": False,
                "ansible_managed": "Ansible managed",
                "role_path": ROLE,
            }
        )
        variables.update(overrides)
        self.templar = Templar(loader=DataLoader(), variables=variables)

    def expr(self, text):
        """Template a string (such as '{{ __bootstrap_firewall_ports }}') and return the native value."""
        return self.templar.template(trust_as_template(text))

    def var(self, name):
        return self.expr("{{ %s }}" % name)

    def template(self, name, **local_vars):
        """Render roles/bootstrap/templates/<name>; return its lines."""
        with open(role_file("templates", name)) as f:
            source = f.read()
        templar = self.templar.copy_with_new_env(available_variables={**self.templar.available_variables, **local_vars})
        return templar.template(trust_as_template(source)).splitlines()

    def task(self, task_file, name):
        """The task called ``name`` in tasks/<task_file> (plain YAML, not templated)."""
        with open(role_file("tasks", task_file)) as f:
            tasks = yaml.safe_load(f)
        matches = [t for t in tasks if t.get("name") == name]
        assert len(matches) == 1, "no single task %r in %s" % (name, task_file)
        return matches[0]

    def task_command(self, task_file, name, **local_vars):
        """Render the command line of a command task with the task's own vars and ``local_vars``."""
        task = self.task(task_file, name)
        args = task["ansible.builtin.command"]
        cmd = args if isinstance(args, str) else " ".join(args["argv"]) if "argv" in args else args["cmd"]
        templar = self.templar.copy_with_new_env(
            available_variables={**self.templar.available_variables, **task.get("vars", {}), **local_vars}
        )
        return " ".join(str(templar.template(trust_as_template(cmd))).split())


@pytest.fixture
def debian():
    return Renderer("Debian")


@pytest.fixture
def redhat():
    return Renderer("RedHat")


@pytest.fixture
def renderer():
    return Renderer
