"""Render the bootstrap role's templates and private variables for a given OS family, offline.

Ansible's own Templar does the rendering, with the role's defaults, vars/main.yml and
vars/<family>.yml layered the way the role loads them, so what the tests see is what a host of
that family gets (see role_renderer).
"""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.template import trust_as_template
from role_renderer import COLLECTIONS_ROOT, ROLES, RoleRenderer, load_role_yaml

__all__ = ["COLLECTIONS_ROOT", "Renderer", "load_yaml", "role_file"]

ROLE = os.path.join(ROLES, "bootstrap")


def role_file(*parts):
    return os.path.join(ROLE, *parts)


def load_yaml(*parts):
    return load_role_yaml("bootstrap", *parts)


class Renderer(RoleRenderer):
    """The bootstrap role for one OS family, for the login ``marvin``, plus per-test overrides."""

    def __init__(self, family, **overrides):
        super().__init__("bootstrap", family, **{"bootstrap_login": "marvin", **overrides})

    def template(self, name, **local_vars):
        """Render roles/bootstrap/templates/<name>; return its lines."""
        return self.template_text(name, **local_vars).splitlines()

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
