# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection handling shared by every module of the collection (private API)."""

from __future__ import annotations

import contextlib
import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import libvirt
except ImportError:
    libvirt = None
    LIBVIRT_IMPORT_ERROR = traceback.format_exc()
else:
    LIBVIRT_IMPORT_ERROR = None

DEFAULT_URI = "qemu:///system"

URI_ARGUMENT_SPEC = dict(uri=dict(type="str", default=DEFAULT_URI))


class LibvirtError(Exception):
    """An error a module reports with fail_json; the message is meant for the user."""


def require_libvirt(module):
    """Fail the module cleanly when libvirt-python cannot be imported."""
    if libvirt is None:
        module.fail_json(msg=missing_required_lib("libvirt-python"), exception=LIBVIRT_IMPORT_ERROR)


def _quiet_error_handler(_ctx, _err):
    # libvirt prints every error to stderr by default; we report them ourselves.
    pass


def connect(uri, readonly=False):
    """Open one connection to ``uri``; raise LibvirtError naming the URI when that fails."""
    libvirt.registerErrorHandler(_quiet_error_handler, None)
    try:
        return libvirt.openReadOnly(uri) if readonly else libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise LibvirtError("cannot connect to libvirt at %s: %s" % (uri, exc.get_error_message())) from exc


def error_message(exc):
    """libvirt's own message for a libvirtError, else str(exc)."""
    getter = getattr(exc, "get_error_message", None)
    return (getter() if getter else None) or str(exc)


def is_no_such(exc, *codes):
    """True when a libvirtError says the looked-up object does not exist."""
    return libvirt is not None and isinstance(exc, libvirt.libvirtError) and exc.get_error_code() in codes


def _connection_lost(conn):
    """True when ``conn`` was opened and is no longer alive (libvirtd stopped or restarted)."""
    if conn is None:
        return False
    try:
        return not conn.isAlive()
    except libvirt.libvirtError:
        return True


def run_module(module, work, readonly=False, user_errors=()):
    """Connect to the module's ``uri``, exit_json with ``work(conn)`` (a result dict), or fail_json:
    with the message (and any ``facts`` attribute) of LibvirtError and ``user_errors``, with
    libvirt's own message for libvirt errors, in both cases naming the URI when the connection
    was lost on the way. The connection is closed either way."""
    require_libvirt(module)
    conn = None
    failure = None
    try:
        conn = connect(module.params["uri"], readonly=readonly)
        result = work(conn)
    except (LibvirtError,) + tuple(user_errors) as exc:
        failure = dict(msg=str(exc), **getattr(exc, "facts", {}))
    except libvirt.libvirtError as exc:
        failure = dict(msg=error_message(exc))
    if failure is not None and _connection_lost(conn):
        failure["msg"] = "lost the connection to libvirt at %s (libvirtd stopped?): %s; rerun when it is back" % (
            module.params["uri"],
            failure["msg"],
        )
    if conn is not None:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()
    if failure is not None:
        module.fail_json(**failure)
    module.exit_json(**result)
