"""_storage: lookups on the test driver; stream upload/download on the lab libvirtd (the test driver has neither)."""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import subprocess

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _storage as storage
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import LibvirtError


def test_unknown_pool_names_it_and_lists_existing(test_conn):
    with pytest.raises(LibvirtError, match=r"^pool: no storage pool named 'nope'; existing pools: default-pool$"):
        storage.upload_to_volume(test_conn, "nope", "seed.iso", b"data")


def test_find_volume_absent_is_none(test_conn):
    assert storage.find_volume(test_conn.storagePoolLookupByName("default-pool"), "missing") is None
    assert storage.volume_sha256(test_conn, "default-pool", "missing") is None


def test_volume_xml_escapes_and_records_backing_format(test_conn):
    pool = test_conn.storagePoolLookupByName("default-pool")
    base = pool.createXML(storage.volume_xml("a&b.img", 4096, "raw", "0640", owner=0, group=0), 0)
    assert storage.permissions_of(base) == ("0640", 0, 0)
    overlay = pool.createXML(storage.volume_xml("c.qcow2", 4096, "qcow2", backing=(base.path(), "raw")), 0)
    xml = overlay.XMLDesc(0)
    assert "<path>/default-pool/a&amp;b.img</path>\n    <format type='raw'/>" in xml


def test_qcow2_data_without_header_is_refused(test_conn):
    with pytest.raises(LibvirtError, match="^format: the data is not a qcow2 image"):
        storage.upload_to_volume(test_conn, "default-pool", "x.qcow2", b"plain bytes", fmt="qcow2")
    with pytest.raises(LibvirtError, match="^format: 'vmdk' is not supported"):
        storage.upload_to_volume(test_conn, "default-pool", "x.vmdk", b"plain bytes", fmt="vmdk")


def test_driver_without_upload_gives_a_message_naming_the_volume(test_conn):
    with pytest.raises(LibvirtError, match="^cannot upload to volume .*not supported"):
        storage.upload_to_volume(test_conn, "default-pool", "seed.iso", b"data")
    names = test_conn.storagePoolLookupByName("default-pool").listVolumes()
    assert not [name for name in names if name.startswith(storage.TEMP_PREFIX) or name == "seed.iso"], names


def test_sniff_format(tmp_path):
    (tmp_path / "q").write_bytes(storage.QCOW2_MAGIC + b"\0" * 100)
    (tmp_path / "r").write_bytes(b"\0" * 100)
    assert storage.sniff_format(str(tmp_path / "q")) == "qcow2"
    assert storage.sniff_format(str(tmp_path / "r")) == "raw"


@pytest.mark.lab
def test_lab_upload_is_idempotent_and_private(lab_conn, lab_pool):
    data = os.urandom(300_000)
    assert storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", data) is True
    assert storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", data) is False
    assert storage.volume_sha256(lab_conn, lab_pool.name(), "seed.iso") == hashlib.sha256(data).hexdigest()
    path = lab_pool.storageVolLookupByName("seed.iso").path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert lab_pool.listVolumes() == ["seed.iso"]  # no temporary volume left behind


@pytest.mark.lab
def test_lab_hash_in_place_equals_hash_through_libvirtd(lab_conn, lab_pool, monkeypatch):
    data = os.urandom(200_000)
    storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", data)
    vol = lab_pool.storageVolLookupByName("seed.iso")
    assert storage.visible_path(lab_conn, vol) == vol.path()
    in_place = storage.download_sha256(lab_conn, vol)
    monkeypatch.setattr(storage, "visible_path", lambda conn, vol: None)
    assert storage.download_sha256(lab_conn, vol) == in_place == hashlib.sha256(data).hexdigest()


@pytest.mark.lab
def test_lab_changed_content_replaces_the_volume(lab_conn, lab_pool):
    storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", b"first")
    assert storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", b"second, longer") is True
    assert storage.volume_sha256(lab_conn, lab_pool.name(), "seed.iso") == hashlib.sha256(b"second, longer").hexdigest()


@pytest.mark.lab
def test_lab_wrong_mode_is_fixed_by_replacing(lab_conn, lab_pool):
    storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", b"data", mode="0644")
    assert storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", b"data") is True
    assert storage.permissions_of(lab_pool.storageVolLookupByName("seed.iso"))[0] == "0600"


@pytest.mark.lab
def test_lab_remote_path_writes_in_place(lab_conn, lab_pool, monkeypatch):
    monkeypatch.setattr(storage, "visible_path", lambda _conn, _vol: None)
    data = os.urandom(70_000)
    assert storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", data) is True
    assert storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", data) is False
    assert lab_pool.listVolumes() == ["seed.iso"]


@pytest.mark.lab
def test_lab_qcow2_file_keeps_its_bytes_and_format(lab_conn, lab_pool, tmp_path):
    image = str(tmp_path / "base.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", image, "1G"], check=True)
    assert storage.upload_file_to_volume(lab_conn, lab_pool.name(), "base.qcow2", image, fmt="qcow2") is True
    assert storage.upload_file_to_volume(lab_conn, lab_pool.name(), "base.qcow2", image, fmt="qcow2") is False
    vol = lab_pool.storageVolLookupByName("base.qcow2")
    assert "<format type='qcow2'/>" in vol.XMLDesc(0)
    assert vol.info()[1] == 1024**3


def _dead_pid():
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_only_uploads_whose_writer_died_are_removed(test_conn):
    pool = test_conn.storagePoolLookupByName("default-pool")
    host = socket.gethostname()
    names = {
        "dead": "%s%s-%d-aaaa" % (storage.TEMP_PREFIX, host, _dead_pid()),
        "alive": "%s%s-%d-bbbb" % (storage.TEMP_PREFIX, host, os.getpid()),
        "other host": "%sanother-host.example-%d-cccc" % (storage.TEMP_PREFIX, _dead_pid()),
        "no pid": storage.TEMP_PREFIX + "0123abcd",
        "a user's": "dead-%d-dddd.img" % _dead_pid(),
    }
    for name in names.values():
        pool.createXML(storage.volume_xml(name, 4096), 0)
    assert storage.remove_abandoned_uploads(pool) == [names["dead"]]
    assert sorted(pool.listVolumes()) == sorted(n for k, n in names.items() if k != "dead")
