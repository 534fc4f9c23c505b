"""Render a role's templates and private variables offline, for one OS family.

Ansible's own Templar does the rendering, with the role's defaults, vars/main.yml and
vars/<family>.yml layered the way the roles load them, so what a test sees is what a host of
that family gets (Rocky cannot boot in our lab).
"""

from __future__ import annotations

import os

from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template

ROLES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "roles"))
COLLECTIONS_ROOT = os.path.abspath(os.path.join(ROLES, "..", ".collections"))
# Lookups such as ansible.builtin.varnames load through the collection loader.
init_plugin_loader([COLLECTIONS_ROOT])

FACTS = {
    "Debian": {"os_family": "Debian", "distribution": "Debian", "distribution_major_version": "12", "env": {}},
    "RedHat": {"os_family": "RedHat", "distribution": "Rocky", "distribution_major_version": "9", "env": {}},
}


def load_role_yaml(role, *parts):
    return DataLoader().load_from_file(os.path.join(ROLES, role, *parts), trusted_as_template=True) or {}


class RoleRenderer:
    """Templar over one role's variables for one OS family, plus per-test overrides."""

    def __init__(self, role, family, **overrides):
        self.role = role
        variables = {}
        for parts in (("defaults", "main.yml"), ("vars", "main.yml"), ("vars", family + ".yml")):
            variables.update(load_role_yaml(role, *parts))
        variables.update(
            {
                "inventory_hostname": "guest1",
                "ansible_host": "192.168.150.20",
                "ansible_facts": dict(FACTS[family]),
                "ansible_check_mode": False,
                "ansible_managed": "Ansible managed",
                "role_path": os.path.join(ROLES, role),
            }
        )
        variables.update(overrides)
        self.templar = Templar(loader=DataLoader(), variables=variables)

    def expr(self, text):
        """Template a string (such as '{{ __bootstrap_firewall_ports }}') and return the native value."""
        return self.templar.template(trust_as_template(text))

    def var(self, name):
        return self.expr("{{ %s }}" % name)

    def template_text(self, name, **local_vars):
        """Render roles/<role>/templates/<name>; return its text."""
        with open(os.path.join(ROLES, self.role, "templates", name)) as f:
            source = f.read()
        templar = self.templar.copy_with_new_env(available_variables={**self.templar.available_variables, **local_vars})
        return templar.template(trust_as_template(source))
