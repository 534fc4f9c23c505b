# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual networks: the manager behind born2beroot.virt.network (private API)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.born2beroot.virt.plugins.module_utils import _netspec as spec
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

ARGUMENT_SPEC = dict(
    URI_ARGUMENT_SPEC,
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "stopped", "absent"]),
    mode=dict(type="str", default="nat", choices=list(spec.MODES)),
    cidr=dict(type="str"),
    address=dict(type="str"),
    netmask=dict(type="str"),
    dhcp_range=dict(type="dict", options=dict(start=dict(type="str"), end=dict(type="str"))),
    hosts=dict(
        type="list",
        elements="dict",
        options=dict(mac=dict(type="str"), ip=dict(type="str", required=True), name=dict(type="str")),
    ),
    domain=dict(type="str"),
    bridge=dict(type="str"),
    autostart=dict(type="bool"),
)
MUTUALLY_EXCLUSIVE = [("cidr", "address")]
REQUIRED_TOGETHER = [("address", "netmask")]
IP_OPTIONS = ("cidr", "address", "dhcp_range", "hosts", "domain")


class NetworkManager(Manager):
    def __init__(self, module, conn):
        super().__init__(module, conn)
        self.name = check_name(self.params["name"], "name")
        self.net = self._lookup()
        spec.check_bridge(self.params["bridge"])

    def _lookup(self):
        return lookup_or_none(self.conn.networkLookupByName, libvirt.VIR_ERR_NO_NETWORK, self.name)

    def _root(self):
        if self.net is None:
            return ET.fromstring("<network><name>%s</name></network>" % self.name)
        return ET.fromstring(inactive_xml(self.net, libvirt.VIR_NETWORK_XML_INACTIVE))

    def _state(self):
        if self.net is None:
            return dict(state="absent")
        facts = spec.read_facts(self._root())
        facts.update(state="active" if self.net.isActive() else "inactive", autostart=autostart_of(self.net))
        return facts

    def run(self):
        current = self._state()
        self.before = dict(current)
        if self.params["state"] == "absent":
            self._absent(current)
            self.after = dict(state="absent")
        else:
            self.after = self._present(current, active=self.params["state"] == "present")
        return self.result(network=dict(self.after, name=self.name))

    def wanted(self, current):
        """The settings after the task: current ones overridden by every option given."""
        params = self.params
        mode = params["mode"]
        if mode == "bridge":
            given = [option for option in IP_OPTIONS if params[option] is not None]
            if given:
                raise LibvirtError(
                    "%s: not possible with mode bridge (the host's bridge %s provides addresses)"
                    % (given[0], params["bridge"] or "device")
                )
            if not params["bridge"]:
                raise LibvirtError("bridge: required with mode bridge (name of an existing host bridge)")
            return dict(
                mode=mode, bridge=params["bridge"], domain=None, address=None, prefix=None, dhcp_range=None, hosts=[]
            )
        facts = {key: current.get(key) for key in ("bridge", "domain", "address", "prefix", "dhcp_range")}
        facts.update(mode=mode, hosts=current.get("hosts", []))
        iface = spec.interface_from(params)
        if iface is not None:
            facts.update(address=str(iface.ip), prefix=iface.network.prefixlen)
        elif not facts["address"]:
            raise LibvirtError(
                "cidr: required to create network %s in mode %s (or address and netmask)" % (self.name, mode)
            )
        else:
            iface = spec.interface_from(dict(cidr="%s/%d" % (facts["address"], facts["prefix"])))
        if params["dhcp_range"] is not None:
            facts["dhcp_range"] = spec.check_dhcp_range(params["dhcp_range"], iface) or None
        if params["hosts"] is not None:
            facts["hosts"] = spec.check_hosts(params["hosts"], iface)
        if params["domain"] is not None:
            facts["domain"] = params["domain"] or None
        if params["bridge"] is not None:
            facts["bridge"] = params["bridge"]
        return facts

    def _present(self, current, active):
        wanted = self.wanted(current)
        config_keys = [key for key in wanted if current.get(key) != wanted[key]]
        is_active = current["state"] == "active"
        if config_keys == ["hosts"] and is_active and (current.get("dhcp_range") or current.get("hosts")):
            self._update_hosts_live(current["hosts"], wanted["hosts"])
        elif config_keys:
            if is_active:
                if active:
                    self.warn(
                        "network %s restarts to apply %s; running guests on it lose their link until "
                        "their interfaces are re-attached" % (self.name, ", ".join(config_keys))
                    )
                self.act("stop network %s to apply the change" % self.name, self._call, "destroy")
                is_active = False
            root = self._root()
            spec.write_facts(root, wanted)
            what = (
                "define network %s" % self.name
                if self.net is None
                else "redefine network %s (%s)" % (self.name, ", ".join(config_keys))
            )
            defined = self.act(what, self.conn.networkDefineXML, ET.tostring(root, encoding="unicode"))
            self.net = defined or self.net
        if active and not is_active:
            self.act("start network %s" % self.name, self._call, "create")
        elif not active and is_active:
            self.act("stop network %s" % self.name, self._call, "destroy")
        autostart = current.get("autostart", False)
        if self.params["autostart"] is not None and self.params["autostart"] != autostart:
            autostart = self.params["autostart"]
            self.act(
                "%s autostart of network %s" % ("enable" if autostart else "disable", self.name),
                self._call,
                "setAutostart",
                int(autostart),
            )
        return dict(wanted, state="active" if active else "inactive", autostart=autostart)

    def _update_hosts_live(self, have, want):
        """Change DHCP host entries of the running network without restarting it."""
        flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
        if self.net.isPersistent():
            flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
        for host in [h for h in have if h not in want]:
            self.act(
                "remove DHCP host %s from network %s (live)" % (_describe(host), self.name),
                self._call,
                "update",
                libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                -1,
                spec.host_xml(host),
                flags,
            )
        for host in [h for h in want if h not in have]:
            self.act(
                "add DHCP host %s to network %s (live)" % (_describe(host), self.name),
                self._call,
                "update",
                libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                -1,
                spec.host_xml(host),
                flags,
            )

    def _absent(self, current):
        if current["state"] == "active":
            self.act("stop network %s" % self.name, self._call, "destroy")
        if current["state"] != "absent" and self.net.isPersistent():
            self.act("undefine network %s" % self.name, self._call, "undefine")

    def _call(self, method, *args):
        return getattr(self.net, method)(*args)


def _describe(host):
    return " ".join(value for value in (host["mac"], host["ip"], host["name"]) if value)
