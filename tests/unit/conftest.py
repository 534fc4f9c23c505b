"""Shared pytest helpers: run a module's main() in-process and get its JSON result."""

from __future__ import annotations

import gc
import json
import os
import sys

import pytest

COLLECTIONS_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".collections"))
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)

from ansible.module_utils import _internal as ansible_internal  # noqa: E402
from ansible.module_utils.testing import patch_module_args  # noqa: E402


class ModuleResult(dict):
    """The module's exit_json/fail_json payload; ``failed`` tells which one."""

    @property
    def failed(self):
        return bool(self.get("failed"))


def run_module(module, args, check_mode=False, diff=False, capsys=None):
    """Run ``module.main()`` with ``args``; return its result dict whatever the exit path."""
    params = dict(args)
    params["_ansible_check_mode"] = check_mode
    params["_ansible_diff"] = diff
    # Importing controller code (the inventory tests do) flips ansible's process-wide
    # is_controller flag, after which module warnings bypass the result: a module runs as a module.
    controller = ansible_internal.is_controller
    ansible_internal.is_controller = False
    try:
        with patch_module_args(params), pytest.raises(SystemExit):
            module.main()
    finally:
        ansible_internal.is_controller = controller
    out = capsys.readouterr().out
    return ModuleResult(json.loads(out.strip().splitlines()[-1]))


@pytest.fixture
def run(capsys):
    """``run(module, args, check_mode=False, diff=False)`` -> ModuleResult."""

    def _run(module, args, check_mode=False, diff=False):
        return run_module(module, args, check_mode=check_mode, diff=diff, capsys=capsys)

    return _run


TEST_URI = "test:///default"


@pytest.fixture
def test_conn():
    """A connection to libvirt's test driver, open for the whole test.

    The test driver keeps its objects only while a connection to it is open, so this one keeps
    what a module run created visible to the assertions, and closing it gives the next test a
    fresh driver. Skips when libvirt-python is missing.
    """
    libvirt = pytest.importorskip("libvirt")
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    gc.collect()  # objects of earlier tests may still hold a connection (tracebacks keep them alive)
    conn = libvirt.open(TEST_URI)
    yield conn
    conn.close()
    gc.collect()


LAB_URI = "qemu:///system"


def pytest_addoption(parser):
    parser.addoption(
        "--update-docs",
        action="store_true",
        help="rewrite generated documentation (docs/reliability.md's table) instead of failing when it is stale",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "lab: needs the lab's libvirtd at qemu:///system (skipped loudly without it)")


@pytest.fixture
def lab_conn():
    """A read-write connection to the lab libvirtd; the test skips, saying why, when it is unreachable."""
    libvirt = pytest.importorskip("libvirt")
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        conn = libvirt.open(LAB_URI)
    except libvirt.libvirtError as exc:
        pytest.skip(
            "LAB TEST SKIPPED: cannot connect to %s (%s); start the lab (scripts/lab start) to run it"
            % (LAB_URI, exc.get_error_message())
        )
    yield conn
    conn.close()


@pytest.fixture
def lab_pool(lab_conn):
    """An active dir pool ``ut-b-<n>`` in a fresh /tmp/ut-b-* directory on the lab; removed afterwards."""
    import shutil
    import tempfile
    import uuid

    name = "ut-b-%s" % uuid.uuid4().hex[:8]
    path = tempfile.mkdtemp(prefix="ut-b-", dir="/tmp")
    os.chmod(path, 0o711)
    pool = lab_conn.storagePoolDefineXML(
        "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" % (name, path), 0
    )
    pool.create(0)
    yield pool
    for vol in pool.listAllVolumes(0) if pool.isActive() else []:
        vol.delete(0)
    if pool.isActive():
        pool.destroy()
    pool.undefine()
    shutil.rmtree(path, ignore_errors=True)
