"""born2beroot.virt.pool against the lab libvirtd: real directories, permissions, idempotence across runs."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import uuid

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import pool

pytestmark = pytest.mark.lab


@pytest.fixture
def spot(lab_conn):
    """A pool name and a path under a fresh /tmp/ut-b-* directory; whatever the test left is removed."""
    name = "ut-b-%s" % uuid.uuid4().hex[:8]
    top = tempfile.mkdtemp(prefix="ut-b-", dir="/tmp")
    os.chmod(top, 0o755)
    yield name, os.path.join(top, "images")
    try:
        found = lab_conn.storagePoolLookupByName(name)
    except Exception:  # noqa: BLE001 - already gone
        found = None
    if found is not None:
        if found.isActive():
            found.destroy()
        found.undefine()
    shutil.rmtree(top, ignore_errors=True)


def task(name, path, **options):
    return dict(uri="qemu:///system", name=name, path=path, **options)


def test_pool_lifecycle(run, lab_conn, spot):
    name, path = spot
    created = run(pool, task(name, path, mode="0750", autostart=True))
    assert created["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o750
    assert created["pool"]["state"] == "active" and created["pool"]["volumes"] == []
    assert run(pool, task(name, path, mode="0750", autostart=True))["changed"] is False

    with open(os.path.join(path, "dropped.img"), "wb") as handle:
        handle.write(b"\0" * 4096)
    refreshed = run(pool, task(name, path, refresh=True))
    assert refreshed["changed"] is False and refreshed["pool"]["volumes"] == ["dropped.img"]

    chmodded = run(pool, task(name, path, mode="0711"))
    assert "redefine pool %s" % name in chmodded["actions"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o711

    kept = run(pool, task(name, path, state="absent"))
    assert kept["actions"] == ["stop pool %s" % name, "undefine pool %s (its files stay)" % name]
    assert os.path.exists(os.path.join(path, "dropped.img"))


def test_remove_storage_deletes_directory(run, lab_conn, spot):
    name, path = spot
    run(pool, task(name, path, state="stopped"))
    assert os.path.isdir(path) and not lab_conn.storagePoolLookupByName(name).isActive()
    with open(os.path.join(path, "disk.img"), "wb") as handle:
        handle.write(b"x")
    result = run(pool, task(name, path, state="absent", remove_storage=True))
    assert result["changed"] is True
    assert not os.path.exists(path)
    assert name not in lab_conn.listStoragePools() + lab_conn.listDefinedStoragePools()


def test_private_parent_directory_warns(run, spot):
    name, path = spot
    os.chmod(os.path.dirname(path), 0o700)
    result = run(pool, task(name, path))
    assert "not searchable by other users" in str(result["warnings"])
