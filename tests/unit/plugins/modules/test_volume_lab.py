"""born2beroot.virt.volume against the lab libvirtd: what the test driver cannot do (upload, resize, qemu-img)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _storage as storage
from ansible_collections.born2beroot.virt.plugins.modules import volume

pytestmark = pytest.mark.lab
GIB = 1024**3


def task(pool, **options):
    return dict(uri="qemu:///system", pool=pool.name(), **options)


def qemu_img_info(path):
    out = subprocess.run(["qemu-img", "info", "--output=json", "-U", path], check=True, capture_output=True).stdout
    return json.loads(out)


@pytest.fixture
def base_image(tmp_path):
    path = str(tmp_path / "base.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, "3G"], check=True)
    return path


def test_import_then_linked_clone_is_fast_small_and_records_backing_format(run, lab_pool, base_image):
    imported = run(volume, task(lab_pool, name="base.qcow2", import_file=base_image))
    assert imported["actions"] == ["import %s into volume base.qcow2" % base_image]
    assert imported["volume"]["format"] == "qcow2"
    assert run(volume, task(lab_pool, name="base.qcow2", import_file=base_image))["changed"] is False

    started = time.monotonic()
    clone = run(volume, task(lab_pool, name="web.qcow2", clone_from="base.qcow2", capacity="4GiB"))
    elapsed = time.monotonic() - started
    info = qemu_img_info(clone["volume"]["path"])
    assert info["backing-filename"] == imported["volume"]["path"]
    assert info["backing-filename-format"] == "qcow2"
    assert info["virtual-size"] == 4 * GIB
    assert elapsed < 1.0 and info["actual-size"] < 5 * 1024 * 1024, (elapsed, info["actual-size"])
    assert run(volume, task(lab_pool, name="web.qcow2", clone_from="base.qcow2", capacity="4GiB"))["changed"] is False


def test_import_of_different_content_needs_force(run, lab_pool, base_image, tmp_path):
    run(volume, task(lab_pool, name="base.qcow2", import_file=base_image))
    other = str(tmp_path / "other.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", other, "2G"], check=True)
    refused = run(volume, task(lab_pool, name="base.qcow2", import_file=other))
    assert refused["msg"].startswith("import_file: volume base.qcow2 does not hold the bytes of %s" % other)
    forced = run(volume, task(lab_pool, name="base.qcow2", import_file=other, force=True))
    assert forced["actions"] == ["import %s into volume base.qcow2" % other]
    assert forced["volume"]["capacity"] == 2 * GIB
    assert lab_pool.listVolumes() == ["base.qcow2"]


def test_grow_and_shrink(run, lab_pool):
    run(volume, task(lab_pool, name="d.qcow2", capacity="1GiB"))
    grown = run(volume, task(lab_pool, name="d.qcow2", capacity="2GiB"))
    assert grown["actions"] == ["grow volume d.qcow2 from 1GiB to 2GiB"]
    assert qemu_img_info(grown["volume"]["path"])["virtual-size"] == 2 * GIB
    assert run(volume, task(lab_pool, name="d.qcow2", capacity="1GiB"))["failed"]
    shrunk = run(volume, task(lab_pool, name="d.qcow2", capacity="1GiB", allow_shrink=True))
    assert shrunk["volume"]["capacity"] == GIB
    assert run(volume, task(lab_pool, name="d.qcow2", capacity="1GiB"))["changed"] is False


def test_copy_clone_of_raw(run, lab_pool):
    run(volume, task(lab_pool, name="r.img", capacity="16MiB", format="raw"))
    copy = run(volume, task(lab_pool, name="c.img", clone_from="r.img", clone_mode="copy"))
    assert copy["volume"]["format"] == "raw" and copy["volume"]["backing"] is None
    assert os.path.getsize(copy["volume"]["path"]) == 16 * 1024 * 1024


def test_permissions_of_existing_volume_are_fixed_locally(run, lab_pool):
    run(volume, task(lab_pool, name="d.qcow2", capacity="1MiB"))
    fixed = run(volume, task(lab_pool, name="d.qcow2", mode="0644", owner=64055))
    assert fixed["actions"] == ["set mode 0644, owner 64055 of volume d.qcow2"]
    st = os.stat(fixed["volume"]["path"])
    assert stat.S_IMODE(st.st_mode) == 0o644 and st.st_uid == 64055
    assert run(volume, task(lab_pool, name="d.qcow2", mode="0644", owner=64055))["changed"] is False


def test_remote_import_writes_in_place(run, lab_pool, base_image, monkeypatch):
    monkeypatch.setattr(storage, "visible_path", lambda _conn, _vol: None)
    run(volume, task(lab_pool, name="base.qcow2", import_file=base_image))
    assert run(volume, task(lab_pool, name="base.qcow2", import_file=base_image))["changed"] is False
    assert lab_pool.listVolumes() == ["base.qcow2"]
