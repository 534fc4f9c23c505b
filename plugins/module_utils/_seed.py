# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NoCloud seed ISO for cloud-init, built in Python with pycdlib (private API).

``build_seed`` is pure and deterministic: the same data gives the same bytes, so the
guest module can tell from a hash whether the seed volume must be uploaded again.
The ISO has volume id ``cidata`` and the files user-data, meta-data and (optionally)
network-config, with Joliet and Rock Ridge names as cloud-localds writes them.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import time
import traceback

try:
    import pycdlib
except ImportError:
    pycdlib = None
    PYCDLIB_IMPORT_ERROR = traceback.format_exc()
else:
    PYCDLIB_IMPORT_ERROR = None

VOLUME_ID = "cidata"
# All timestamps inside the ISO: 2024-01-01T00:00:00Z, so that the bytes depend on the data only.
FIXED_EPOCH = 1704067200.0
_PYCDLIB_MODULES = ("pycdlib.pycdlib", "pycdlib.headervd", "pycdlib.dates", "pycdlib.utils", "pycdlib.udf")


def _document(value, header):
    """A str is used as written; a dict becomes JSON, which is valid YAML for cloud-init."""
    if value is None:
        return None
    text = value if isinstance(value, str) else header + json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
    return text if text.endswith("\n") else text + "\n"


def seed_files(name, cloud_init):
    """{iso file name: bytes} for a guest ``name`` and the module's ``cloud_init`` option."""
    meta = dict({"instance-id": "iid-" + name, "local-hostname": name}, **(cloud_init.get("meta_data") or {}))
    files = {
        "user-data": _document(cloud_init.get("user_data") or {}, "#cloud-config\n"),
        "meta-data": _document(meta, ""),
        "network-config": _document(cloud_init.get("network_config"), ""),
    }
    return {k: v.encode("utf-8") for k, v in files.items() if v is not None}


class _FrozenClock:
    """Stands in for the ``time`` module inside pycdlib while an ISO is written."""

    def __getattr__(self, name):
        return getattr(time, name)

    @staticmethod
    def time():
        return FIXED_EPOCH

    @staticmethod
    def localtime(seconds=None):
        return time.gmtime(FIXED_EPOCH if seconds is None else seconds)


def _freeze_clock():
    """Point pycdlib's modules at _FrozenClock; return what to restore."""
    previous = {}
    for name in _PYCDLIB_MODULES:
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "time"):
            previous[name] = module.time
            module.time = _FrozenClock()
    return previous


def build_seed(files):
    """ISO 9660 image bytes holding ``files`` ({name: bytes}) with volume id cidata."""
    iso = pycdlib.PyCdlib()
    saved = _freeze_clock()
    try:
        iso.new(interchange_level=3, vol_ident=VOLUME_ID, joliet=3, rock_ridge="1.09")
        for index, (name, data) in enumerate(sorted(files.items())):
            iso.add_fp(io.BytesIO(data), len(data), "/FILE%d.;1" % index, rr_name=name, joliet_path="/" + name)
        out = io.BytesIO()
        iso.write_fp(out)
        iso.close()
    finally:
        for module_name, original in saved.items():
            sys.modules[module_name].time = original
    return out.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()
