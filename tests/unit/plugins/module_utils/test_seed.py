"""The NoCloud seed ISO: content cloud-init reads, and reproducible bytes."""

from __future__ import annotations

import io
import json
import sys
import time

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _seed

pycdlib = pytest.importorskip("pycdlib")


def read_iso(data):
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    files = {}
    for name in ("user-data", "meta-data", "network-config"):
        out = io.BytesIO()
        try:
            iso.get_file_from_iso_fp(out, rr_path="/" + name)
        except pycdlib.pycdlibexception.PyCdlibInvalidInput:
            continue
        files[name] = out.getvalue().decode("utf-8")
    volume_id = iso.pvd.volume_identifier.decode().strip()
    created = iso.pvd.volume_creation_date.date_str
    iso.close()
    return volume_id, files, created


def test_seed_has_volume_id_cidata_and_the_three_files():
    files = _seed.seed_files("web42", dict(user_data={"users": [{"name": "marvin"}]}, network_config={"version": 2}))
    volume_id, content, _created = read_iso(_seed.build_seed(files))
    assert volume_id == "cidata"
    assert content["user-data"].startswith("#cloud-config\n")
    assert json.loads(content["user-data"].split("\n", 1)[1]) == {"users": [{"name": "marvin"}]}
    assert json.loads(content["meta-data"]) == {"instance-id": "iid-web42", "local-hostname": "web42"}
    assert json.loads(content["network-config"]) == {"version": 2}


def test_string_user_data_is_used_as_written_and_meta_data_overrides_defaults():
    files = _seed.seed_files("g", dict(user_data="#!/bin/sh\necho hi", meta_data={"instance-id": "x"}))
    assert files["user-data"] == b"#!/bin/sh\necho hi\n"
    assert json.loads(files["meta-data"]) == {"instance-id": "x", "local-hostname": "g"}
    assert "network-config" not in files


def test_seed_bytes_depend_on_the_data_only(monkeypatch):
    files = _seed.seed_files("g", dict(user_data={"a": "ü"}))
    first = _seed.build_seed(files)
    monkeypatch.setattr(time, "time", lambda: 2e9)  # another day: pycdlib would stamp it everywhere
    assert _seed.build_seed(files) == first
    assert read_iso(first)[2] == b"2024010100000000\x00"  # 2024-01-01 00:00:00.00 UTC
    assert _seed.build_seed(_seed.seed_files("g", dict(user_data={"a": "b"}))) != first


def test_pycdlib_gets_its_clock_back():
    _seed.build_seed({"meta-data": b"{}\n"})
    assert sys.modules["pycdlib.pycdlib"].time is time
    assert sys.modules["pycdlib.dates"].time is time
