# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Directory storage pools: the manager behind born2beroot.virt.pool (private API)."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import (
    URI_ARGUMENT_SPEC,
    LibvirtError,
    libvirt,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._resource import (
    Manager,
    autostart_of,
    check_name,
    inactive_xml,
    lookup_or_none,
)

SUPPORTED_TYPES = ("dir",)

ARGUMENT_SPEC = dict(
    URI_ARGUMENT_SPEC,
    name=dict(type="str", required=True),
    type=dict(type="str", default="dir"),
    path=dict(type="path"),
    state=dict(type="str", default="present", choices=["present", "stopped", "absent"]),
    autostart=dict(type="bool"),
    refresh=dict(type="bool", default=False),
    remove_storage=dict(type="bool", default=False),
    mode=dict(type="str"),
    owner=dict(type="int"),
    group=dict(type="int"),
)


def parse_mode(value, field="mode"):
    """'755', '0755' or 0o755 -> '0755'; LibvirtError naming ``field`` otherwise."""
    try:
        number = int(str(value), 8)
    except ValueError:
        number = -1
    if not 0 <= number <= 0o7777:
        raise LibvirtError("%s: %r is not an octal file mode such as '0711'" % (field, value))
    return "%04o" % number


def pool_config(root):
    """The facts this module manages, read from a <pool> element."""
    perms = root.find("target/permissions")
    mode, owner, group = (None if perms is None else perms.findtext(tag) for tag in ("mode", "owner", "group"))
    return dict(
        type=root.get("type"),
        path=root.findtext("target/path"),
        mode=None if mode is None else parse_mode(mode),
        owner=None if owner is None else int(owner),
        group=None if group is None else int(group),
    )


def pool_xml(name, config, base=None):
    """``base`` (a <pool> element, else a new dir pool) with ``config``'s path and permissions."""
    root = base if base is not None else ET.Element("pool", type="dir")
    if root.find("name") is None:
        ET.SubElement(root, "name").text = name
    target = root.find("target")
    if target is None:
        target = ET.SubElement(root, "target")
    path = target.find("path")
    if path is None:
        path = ET.SubElement(target, "path")
    path.text = config["path"]
    perms = target.find("permissions")
    for field in ("mode", "owner", "group"):
        if config.get(field) is None:
            continue
        if perms is None:
            perms = ET.SubElement(target, "permissions")
        node = perms.find(field)
        if node is None:
            node = ET.SubElement(perms, field)
        node.text = str(config[field])
    return ET.tostring(root, encoding="unicode")


def unreachable_parents(path):
    """Existing parent directories of ``path`` that other users (QEMU) cannot traverse."""
    blocked = []
    parent = os.path.dirname(path)
    while parent and parent != os.path.dirname(parent):
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                blocked.append(parent)
        except OSError:
            pass
        parent = os.path.dirname(parent)
    return sorted(blocked)


class PoolManager(Manager):
    def __init__(self, module, conn):
        super().__init__(module, conn)
        self.name = check_name(self.params["name"], "name")
        if self.params["type"] not in SUPPORTED_TYPES:
            raise LibvirtError(
                "type: %r pools are not supported; this module manages %s pools"
                % (self.params["type"], " and ".join(SUPPORTED_TYPES))
            )
        path = self.params["path"]
        if path is not None and not os.path.isabs(path):
            raise LibvirtError("path: %r must be an absolute path" % path)
        self.wanted = dict(
            path=None if path is None else os.path.normpath(path),
            mode=None if self.params["mode"] is None else parse_mode(self.params["mode"]),
            owner=self.params["owner"],
            group=self.params["group"],
        )
        self.pool = self._lookup()

    def _lookup(self):
        return lookup_or_none(self.conn.storagePoolLookupByName, libvirt.VIR_ERR_NO_STORAGE_POOL, self.name)

    def _state(self):
        if self.pool is None:
            return dict(state="absent")
        config = pool_config(ET.fromstring(self._inactive_xml()))
        config.update(state="active" if self.pool.isActive() else "inactive", autostart=autostart_of(self.pool))
        return config

    def run(self):
        current = self._state()
        self.before = dict(current)
        state = self.params["state"]
        if state == "absent":
            self._absent(current)
            self.after = dict(state="absent")
        else:
            self.after = self._present(current, active=(state == "present"))
        refresh = self.params["refresh"] and not self.check_mode
        if refresh and self.after["state"] == "active" and current["state"] == "active":
            self.pool.refresh(0)
        return self.result(pool=self._facts())

    def _present(self, current, active):
        if current["state"] != "absent" and current["type"] not in SUPPORTED_TYPES:
            raise LibvirtError(
                "name: pool %r exists with type %r; this module manages only %s pools"
                % (self.name, current["type"], ", ".join(SUPPORTED_TYPES))
            )
        wanted = {key: value for key, value in self.wanted.items() if value is not None}
        if current["state"] == "absent" and "path" not in wanted:
            raise LibvirtError("path: required to create pool %r" % self.name)
        after = dict(current, **wanted)
        after["type"] = "dir"
        reconfigure = any(current.get(key) != value for key, value in wanted.items())
        if reconfigure:
            base = None if self.pool is None else ET.fromstring(self._inactive_xml())
            if current["state"] == "active":
                self.act("stop pool %s to apply the new path/permissions" % self.name, self._call, "destroy")
                current = dict(current, state="inactive")
            verb = "define" if self.pool is None else "redefine"
            defined = self.act(
                "%s pool %s" % (verb, self.name), self.conn.storagePoolDefineXML, pool_xml(self.name, after, base), 0
            )
            self.pool = defined or self.pool
            self.act("build pool %s (create its directory)" % self.name, self._call, "build", 0)
        if active and current["state"] != "active":
            if not reconfigure:
                self.act("build pool %s (create its directory)" % self.name, self._call, "build", 0)
            self.act("start pool %s" % self.name, self._call, "create", 0)
        elif not active and current["state"] == "active":
            self.act("stop pool %s" % self.name, self._call, "destroy")
        after["state"] = "active" if active else "inactive"
        autostart = self.params["autostart"]
        if autostart is not None and autostart != current.get("autostart", False):
            self.act(
                "%s autostart of pool %s" % ("enable" if autostart else "disable", self.name),
                self._call,
                "setAutostart",
                int(autostart),
            )
        after["autostart"] = current.get("autostart", False) if autostart is None else autostart
        self._warn_unreachable(after["path"])
        return after

    def _absent(self, current):
        if current["state"] == "absent":
            return
        if self.params["remove_storage"]:
            self.act("delete the volumes and directory of pool %s" % self.name, self._remove_storage)
        elif current["state"] == "active":
            self.act("stop pool %s" % self.name, self._call, "destroy")
        if self.pool.isPersistent():
            self.act(
                "undefine pool %s (its files stay)" % self.name
                if not self.params["remove_storage"]
                else "undefine pool %s" % self.name,
                self._call,
                "undefine",
            )

    def _inactive_xml(self):
        return inactive_xml(self.pool, libvirt.VIR_STORAGE_XML_INACTIVE)

    def _call(self, method, *args):
        return getattr(self.pool, method)(*args)

    def _remove_storage(self):
        if not self.pool.isActive():
            self.pool.create(0)
        for vol in self.pool.listAllVolumes(0):
            vol.delete(0)
        self.pool.destroy()
        self.pool.delete(0)

    def _warn_unreachable(self, path):
        if urlparse(self.conn.getURI()).hostname or not path:
            return
        blocked = unreachable_parents(path)
        if blocked:
            self.warn(
                "QEMU may get 'Permission denied' on images in %s: %s not searchable by other "
                "users (add o+x)" % (path, ", ".join(blocked))
            )

    def _facts(self):
        if self.check_mode or self.params["state"] == "absent":
            return dict(self.after, name=self.name)
        self.pool = pool = self._lookup()
        facts = dict(self._state(), name=self.name)
        if pool is not None and pool.isActive():
            _state, capacity, allocation, available = pool.info()
            facts.update(
                capacity=capacity, allocation=allocation, available=available, volumes=sorted(pool.listVolumes())
            )
        return facts
