# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network settings as facts: read from libvirt's <network> XML, checked from task options,
and written back into the XML (private API). Pure Python, no libvirt."""

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET

from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import LibvirtError

MODES = ("nat", "isolated", "bridge")
_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_BRIDGE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")


def _fail(field, message):
    raise LibvirtError("%s: %s" % (field, message))


def read_facts(root):
    """Managed settings of a parsed <network> element."""
    forward = root.find("forward")
    bridge = root.find("bridge")
    domain = root.find("domain")
    facts = dict(
        mode="isolated" if forward is None else forward.get("mode", "nat"),
        bridge=None if bridge is None else bridge.get("name"),
        domain=None if domain is None else domain.get("name"),
        address=None,
        prefix=None,
        dhcp_range=None,
        hosts=[],
    )
    ip = _ipv4_element(root)
    if ip is None:
        return facts
    facts["address"] = ip.get("address")
    if ip.get("prefix"):
        facts["prefix"] = int(ip.get("prefix"))
    elif ip.get("netmask"):
        facts["prefix"] = ipaddress.IPv4Network("0.0.0.0/%s" % ip.get("netmask")).prefixlen
    dhcp = ip.find("dhcp")
    if dhcp is not None:
        first = dhcp.find("range")
        if first is not None:
            facts["dhcp_range"] = dict(start=first.get("start"), end=first.get("end"))
        facts["hosts"] = sort_hosts(
            [
                dict(mac=(h.get("mac") or "").lower() or None, ip=h.get("ip"), name=h.get("name"))
                for h in dhcp.findall("host")
            ]
        )
    return facts


def _ipv4_element(root):
    for ip in root.findall("ip"):
        if ip.get("family", "ipv4") == "ipv4":
            return ip
    return None


def sort_hosts(hosts):
    return sorted(hosts, key=lambda h: (h["ip"] or "", h["mac"] or "", h["name"] or ""))


def interface_from(params):
    """The host side address and prefix from ``cidr`` or ``address``/``netmask``; None if neither is given."""
    if params.get("cidr"):
        field, text = "cidr", params["cidr"]
    elif params.get("address"):
        field, text = "address", "%s/%s" % (params["address"], params["netmask"])
    else:
        return None
    try:
        iface = ipaddress.IPv4Interface(text)
    except ValueError:
        _fail(field, "%r is not an IPv4 address with prefix such as 192.168.100.1/24" % text)
    net = iface.network
    if net.prefixlen > 30:
        _fail(field, "%r leaves no room for guests; use a prefix of /30 or shorter" % text)
    if iface.ip in (net.network_address, net.broadcast_address):
        iface = ipaddress.IPv4Interface("%s/%d" % (net.network_address + 1, net.prefixlen))
    return iface


def _in_net(value, net, field):
    try:
        addr = ipaddress.IPv4Address(value)
    except ValueError:
        _fail(field, "%r is not an IPv4 address" % value)
    if addr not in net or addr in (net.network_address, net.broadcast_address):
        _fail(field, "%s is not a host address of %s" % (value, net))
    return addr


def check_dhcp_range(value, iface):
    """None stays None, {} (no start, no end) means no range; else {start, end} checked against the network."""
    if value is None:
        return None
    if not value.get("start") and not value.get("end"):
        return {}
    if not (value.get("start") and value.get("end")):
        _fail("dhcp_range", "give both start and end (or neither, to remove the range)")
    start = _in_net(value["start"], iface.network, "dhcp_range")
    end = _in_net(value["end"], iface.network, "dhcp_range")
    if start > end:
        _fail("dhcp_range", "start %s is after end %s" % (start, end))
    if start <= iface.ip <= end:
        _fail("dhcp_range", "%s-%s includes the network's own address %s" % (start, end, iface.ip))
    return dict(start=str(start), end=str(end))


def check_hosts(hosts, iface):
    """Static DHCP entries, normalised (lower-case MACs) and checked; None stays None."""
    if hosts is None:
        return None
    seen = {}
    result = []
    for index, host in enumerate(hosts):
        field = "hosts[%d]" % index
        mac = (host.get("mac") or "").lower() or None
        if not (mac or host.get("name")):
            _fail(field, "give a mac or a name (or both) for %s" % host.get("ip"))
        if mac and not _MAC_RE.match(mac):
            _fail(field, "%r is not a MAC address such as 52:54:00:12:34:56" % host.get("mac"))
        ip = str(_in_net(host.get("ip"), iface.network, field))
        for key, value in (("ip", ip), ("mac", mac), ("name", host.get("name"))):
            if value and (key, value) in seen:
                _fail(field, "%s %s is already used by hosts[%d]" % (key, value, seen[(key, value)]))
            seen[(key, value)] = index
        result.append(dict(mac=mac, ip=ip, name=host.get("name")))
    return sort_hosts(result)


def check_bridge(value):
    if value is not None and not _BRIDGE_RE.match(value):
        _fail("bridge", "%r is not a bridge device name (1-15 letters, digits, '_.:-')" % value)
    return value


def host_xml(host):
    element = ET.Element("host")
    for key in ("mac", "name", "ip"):
        if host.get(key):
            element.set(key, host[key])
    return ET.tostring(element, encoding="unicode")


def write_facts(root, facts):
    """Change ``root`` (a <network> element) in place so that read_facts(root) == ``facts``."""
    forward = root.find("forward")
    current_mode = "isolated" if forward is None else forward.get("mode", "nat")
    if current_mode != facts["mode"]:
        if forward is not None:
            root.remove(forward)
        if facts["mode"] != "isolated":
            root.insert(1, ET.Element("forward", mode=facts["mode"]))
    _set_named(root, "bridge", facts["bridge"])
    _set_named(root, "domain", facts["domain"])
    ip = _ipv4_element(root)
    if ip is not None:
        root.remove(ip)
    if facts["address"]:
        root.append(_ip_element(facts))


def _set_named(root, tag, name):
    element = root.find(tag)
    if name is None:
        if element is not None and tag == "domain":
            root.remove(element)
        return
    if element is None:
        element = ET.SubElement(root, tag)
    element.set("name", name)


def _ip_element(facts):
    ip = ET.Element("ip", address=facts["address"], prefix=str(facts["prefix"]))
    if facts["dhcp_range"] or facts["hosts"]:
        dhcp = ET.SubElement(ip, "dhcp")
        if facts["dhcp_range"]:
            ET.SubElement(dhcp, "range", start=facts["dhcp_range"]["start"], end=facts["dhcp_range"]["end"])
        for host in facts["hosts"]:
            dhcp.append(ET.fromstring(host_xml(host)))
    return ip
