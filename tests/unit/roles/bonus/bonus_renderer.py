"""The wordpress and fail2ban roles rendered offline (see role_renderer)."""

from __future__ import annotations

import base64

from role_renderer import ROLES, RoleRenderer, load_role_yaml

__all__ = ["ROLES", "Renderer", "load_yaml", "slurped"]
load_yaml = load_role_yaml


class Renderer(RoleRenderer):
    def template(self, name, **local_vars):
        return self.template_text(name, **local_vars)


def slurped(text):
    """What ansible.builtin.slurp registers for a file holding ``text``."""
    return {"content": base64.b64encode(text.encode()).decode()}
