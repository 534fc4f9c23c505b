# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the pool, volume, network and snapshot managers share (private API).

A manager reads the current state of one libvirt object, compares it with what the task
asks for and records each needed action with ``act()``; actions run only outside check
mode, so check mode reports exactly the actions (and ``changed``) a real run would.
"""

from __future__ import annotations

from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import (
    LibvirtError,
    error_message,
    is_no_such,
    libvirt,
    run_module,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._units import SizeError


class Manager:
    """Base of the object managers: ``run()`` returns the module result (a dict)."""

    def __init__(self, module, conn):
        self.module = module
        self.params = module.params
        self.conn = conn
        self.check_mode = module.check_mode
        self.actions = []
        self.before = {}
        self.after = {}

    def act(self, description, func, *args):
        """Record ``description`` as done and, outside check mode, call ``func(*args)``."""
        self.actions.append(description)
        if self.check_mode:
            return None
        try:
            return func(*args)
        except libvirt.libvirtError as exc:
            raise LibvirtError("cannot %s: %s" % (description, error_message(exc))) from exc

    def warn(self, message):
        self.module.warn(message)

    def result(self, **facts):
        """The module result: changed, actions, the given facts and diff (in diff mode only)."""
        result = dict(changed=bool(self.actions), actions=list(self.actions), **facts)
        if self.module._diff:
            result["diff"] = dict(before=self.before, after=self.after)
        return result

    def run(self):
        raise NotImplementedError


def run_manager(module, manager_class):
    """Connect to ``uri``, run the manager, exit_json with its result or fail_json with the error."""
    run_module(module, lambda conn: manager_class(module, conn).run(), user_errors=(SizeError,))


def check_name(value, field):
    """Raise LibvirtError unless ``value`` can name a libvirt object (and a file)."""
    if not value or value in (".", "..") or "/" in value or "\0" in value or "\n" in value:
        raise LibvirtError(
            "%s: %r is not a valid name; it must be non-empty and contain no '/' or newline" % (field, value)
        )
    return value


def inactive_xml(obj, flag):
    """``obj``'s persistent XML; drivers without that flag (the test driver) give the live one."""
    try:
        return obj.XMLDesc(flag)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() not in (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_NO_SUPPORT):
            raise
        return obj.XMLDesc(0)


def lookup_or_none(getter, code, *args):
    """``getter(*args)``, or None when libvirt answers that no such object exists (error ``code``)."""
    try:
        return getter(*args)
    except libvirt.libvirtError as exc:
        if is_no_such(exc, code):
            return None
        raise


def autostart_of(obj):
    return bool(obj.autostart()) if obj.isPersistent() else False
