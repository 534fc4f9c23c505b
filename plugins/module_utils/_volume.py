# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage volumes: the manager behind born2beroot.virt.volume (private API)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

from ansible_collections.born2beroot.virt.plugins.module_utils import _storage as storage
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import (
    URI_ARGUMENT_SPEC,
    LibvirtError,
    libvirt,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._pool import parse_mode
from ansible_collections.born2beroot.virt.plugins.module_utils._resource import Manager, check_name
from ansible_collections.born2beroot.virt.plugins.module_utils._units import format_size, parse_size

ARGUMENT_SPEC = dict(
    URI_ARGUMENT_SPEC,
    pool=dict(type="str", required=True),
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    capacity=dict(type="str"),
    format=dict(type="str", choices=["qcow2", "raw"]),
    clone_from=dict(type="str", aliases=["backing_volume"]),
    clone_mode=dict(type="str", default="linked", choices=["linked", "copy"]),
    import_file=dict(type="path"),
    allow_shrink=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    mode=dict(type="str"),
    owner=dict(type="int"),
    group=dict(type="int"),
)
MUTUALLY_EXCLUSIVE = [("clone_from", "import_file"), ("capacity", "import_file")]
QCOW2_ALIGN = 512  # qemu-img rounds qcow2 sizes up to whole sectors


def volume_facts(vol):
    """The facts this module manages, read from libvirt's XML of ``vol``."""
    root = ET.fromstring(vol.XMLDesc(0))
    fmt = root.find("target/format")
    backing = root.findtext("backingStore/path")
    mode, owner, group = storage.permissions_of(vol)
    return dict(
        state="present",
        path=root.findtext("target/path"),
        capacity=int(root.findtext("capacity")),
        format=None if fmt is None else fmt.get("type"),
        backing=backing or None,
        mode=mode,
        owner=owner,
        group=group,
    )


def aligned(capacity, fmt):
    """``capacity`` as the image will really have it (qcow2 rounds up to 512-byte sectors)."""
    if capacity is None or fmt != "qcow2" or capacity % QCOW2_ALIGN == 0:
        return capacity
    return capacity + QCOW2_ALIGN - capacity % QCOW2_ALIGN


def split_volume_ref(ref, default_pool):
    """'name' or 'pool/name' -> (pool, name)."""
    pool, _sep, name = ref.rpartition("/")
    return check_name(pool or default_pool, "clone_from"), check_name(name, "clone_from")


class VolumeManager(Manager):
    def __init__(self, module, conn):
        super().__init__(module, conn)
        self.name = check_name(self.params["name"], "name")
        check_name(self.params["pool"], "pool")
        self.perms = dict(
            mode=None if self.params["mode"] is None else parse_mode(self.params["mode"]),
            owner=self.params["owner"],
            group=self.params["group"],
        )
        self.pool = self.vol = self.missing_pool = None
        try:
            self.pool = storage.find_pool(conn, self.params["pool"])
        except LibvirtError as exc:
            if not (self.check_mode or self.params["state"] == "absent"):
                raise
            self.missing_pool = str(exc)
            return
        if not self.pool.isActive():
            raise LibvirtError("pool: storage pool %r is not active; start it first" % self.params["pool"])
        self.vol = storage.find_volume(self.pool, self.name)

    def run(self):
        if self.missing_pool:
            return self._without_pool()
        current = volume_facts(self.vol) if self.vol else dict(state="absent")
        self.before = dict(current)
        if self.params["state"] == "absent":
            self._absent(current)
            self.after = dict(state="absent")
            return self.result(volume=dict(self.after, name=self.name, pool=self.params["pool"]))
        source = self._source()
        desired = self._desired(source)
        if current["state"] == "present":
            conflict = self._conflict(current, source, desired)
            if conflict and not self.params["force"]:
                raise LibvirtError("%s; set force: true to replace the volume (its data is lost)" % conflict)
            if conflict and source[0] != "import":  # an import replaces the old volume only once it is whole
                self.act("delete volume %s (%s)" % (self.name, conflict.split(": ", 1)[1]), self.vol.delete, 0)
            if conflict:
                current = dict(state="absent")
        if current["state"] == "absent":
            self._create(source, desired)
            self.after = dict(desired, state="present", **{k: v for k, v in self.perms.items() if v is not None})
        else:
            self.after = self._update(current, desired)
        return self.result(volume=self._facts())

    def _without_pool(self):
        """No such pool: nothing to delete, and in check mode a creation to predict (an earlier task may make it)."""
        self.before = dict(state="absent")
        self.after = dict(state=self.params["state"])
        if self.params["state"] == "present":
            self.warn("check mode: %s; assuming an earlier task creates it" % self.missing_pool)
            self.act("create volume %s" % self.name, None)
        return self.result(volume=dict(self.after, name=self.name, pool=self.params["pool"]))

    def _source(self):
        """Where the content comes from: ('blank'|'linked'|'copy'|'import', detail)."""
        if self.params["import_file"]:
            path = self.params["import_file"]
            if not os.path.isfile(path):
                raise LibvirtError("import_file: %s is not a readable file" % path)
            return "import", path
        if self.params["clone_from"]:
            pool_name, vol_name = split_volume_ref(self.params["clone_from"], self.params["pool"])
            base = storage.find_volume(storage.find_pool(self.conn, pool_name), vol_name)
            if base is None:
                raise LibvirtError("clone_from: no volume %r in pool %r" % (vol_name, pool_name))
            return self.params["clone_mode"], base
        return "blank", None

    def _desired(self, source):
        kind, detail = source
        fmt = self.params["format"]
        capacity = None
        if self.params["capacity"] is not None:
            capacity = parse_size(self.params["capacity"], "capacity")
        if kind == "import":
            sniffed = storage.sniff_format(detail)
            if fmt and fmt != sniffed:
                raise LibvirtError("format: %s is a %s image, not %s" % (detail, sniffed, fmt))
            return dict(format=sniffed, capacity=None, backing=None)
        if kind in ("linked", "copy"):
            base = volume_facts(detail)
            if kind == "linked" and fmt == "raw":
                raise LibvirtError("format: a linked clone is always qcow2; use clone_mode: copy for a raw copy")
            fmt = "qcow2" if kind == "linked" else (fmt or base["format"])
            if capacity is not None and capacity < base["capacity"]:
                raise LibvirtError(
                    "capacity: %s is smaller than %s, the size of clone_from %s"
                    % (format_size(capacity), format_size(base["capacity"]), detail.name())
                )
            capacity = max(capacity or 0, base["capacity"])
            return dict(format=fmt, capacity=aligned(capacity, fmt), backing=base["path"] if kind == "linked" else None)
        if capacity is None and self.vol is None:
            raise LibvirtError("capacity: required to create volume %r (or use clone_from or import_file)" % self.name)
        fmt = fmt or "qcow2"
        return dict(format=fmt, capacity=aligned(capacity, fmt), backing=None)

    def _conflict(self, current, source, desired):
        """Why the existing volume cannot be kept (a message naming the option), or None."""
        kind, detail = source
        explicit_format = kind in ("linked", "copy") or (kind == "blank" and self.params["format"])
        if explicit_format and current["format"] != desired["format"]:
            return "format: volume %s is %s, not %s" % (self.name, current["format"], desired["format"])
        if kind in ("linked", "copy") and current["backing"] != desired["backing"]:
            return "clone_from: volume %s is backed by %s, not %s" % (
                self.name,
                current["backing"] or "nothing",
                desired["backing"] or "nothing (a copy)",
            )
        if kind == "import":
            size, sha256 = storage.file_digest(detail)
            if not storage.same_bytes(self.conn, self.vol, size, sha256):
                return "import_file: volume %s does not hold the bytes of %s" % (self.name, detail)
        return None

    def _create(self, source, desired):
        kind, detail = source
        perms = {key: value for key, value in self.perms.items() if key != "mode"}
        mode = self.perms["mode"] or storage.DEFAULT_MODE
        if kind == "import":
            self.act("import %s into volume %s" % (detail, self.name), self._import, detail, mode)
            return
        xml = storage.volume_xml(
            self.name,
            desired["capacity"],
            desired["format"],
            mode,
            backing=self._backing(detail) if kind == "linked" else None,
            **perms,
        )
        if kind == "copy":
            self.act("copy volume %s to %s" % (detail.name(), self.name), self.pool.createXMLFrom, xml, detail, 0)
        else:
            what = "linked clone of %s" % detail.name() if kind == "linked" else format_size(desired["capacity"])
            self.act("create volume %s (%s %s)" % (self.name, desired["format"], what), self.pool.createXML, xml, 0)

    @staticmethod
    def _backing(base):
        facts = volume_facts(base)
        return facts["path"], facts["format"] or "raw"

    def _import(self, path, mode):
        with open(path, "rb") as reader:
            storage.write_volume(self.conn, self.pool, self.name, reader, os.path.getsize(path), mode)
        vol = storage.find_volume(self.pool, self.name)
        if self.perms["owner"] is not None or self.perms["group"] is not None:
            self._chown(vol)

    def _update(self, current, desired):
        after = dict(current)
        wanted = desired["capacity"]
        if self.params["capacity"] is not None:  # unless asked, an existing volume keeps its size
            if wanted < current["capacity"] and not self.params["allow_shrink"]:
                raise LibvirtError(
                    "capacity: %s is smaller than the current %s of volume %s; set allow_shrink: "
                    "true to shrink it (data past the new end is lost)"
                    % (format_size(wanted), format_size(current["capacity"]), self.name)
                )
            if wanted != current["capacity"]:
                verb = "grow" if wanted > current["capacity"] else "shrink"
                flags = 0 if verb == "grow" else libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK
                self.act(
                    "%s volume %s from %s to %s"
                    % (verb, self.name, format_size(current["capacity"]), format_size(wanted)),
                    self.vol.resize,
                    wanted,
                    flags,
                )
                after["capacity"] = wanted
        self._fix_permissions(current, after)
        return after

    def _fix_permissions(self, current, after):
        differs = {key: value for key, value in self.perms.items() if value is not None and current[key] != value}
        if not differs:
            return
        path = storage.visible_path(self.conn, self.vol)
        if path is None:
            have = ", ".join("%s %s" % (key, current[key]) for key in sorted(differs))
            self.warn(
                "volume %s has %s; libvirt cannot change the permissions of an existing volume and its "
                "file is not visible from here" % (self.name, have)
            )
            return
        change = ", ".join("%s %s" % item for item in sorted(differs.items()))
        self.act("set %s of volume %s" % (change, self.name), self._chmod_chown, path, differs)
        after.update(differs)

    def _chown(self, vol):
        path = storage.visible_path(self.conn, vol)
        if path is not None:
            self._chmod_chown(path, self.perms)

    @staticmethod
    def _chmod_chown(path, perms):
        if perms.get("mode") is not None:
            os.chmod(path, int(perms["mode"], 8))
        if perms.get("owner") is not None or perms.get("group") is not None:
            os.chown(
                path,
                -1 if perms.get("owner") is None else perms["owner"],
                -1 if perms.get("group") is None else perms["group"],
            )

    def _absent(self, current):
        if current["state"] == "absent":
            return
        users = self._dependents(current["path"])
        if users and not self.params["force"]:
            raise LibvirtError(
                "name: volume %s is the backing file of %s; deleting it breaks them (force: true "
                "deletes it anyway)" % (self.name, ", ".join(users))
            )
        self.act("delete volume %s" % self.name, self.vol.delete, 0)

    def _dependents(self, path):
        users = []
        for pool in self.conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE):
            for vol in pool.listAllVolumes(0):
                if volume_facts(vol)["backing"] == path:
                    users.append("%s/%s" % (pool.name(), vol.name()))
        return sorted(users)

    def _facts(self):
        base = dict(name=self.name, pool=self.params["pool"])
        if self.check_mode:
            return dict(self.after, **base)
        vol = storage.find_volume(self.pool, self.name)
        return dict(volume_facts(vol), **base) if vol is not None else dict(state="absent", **base)
