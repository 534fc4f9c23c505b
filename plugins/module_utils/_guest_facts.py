# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What guest_info, the guest module and the inventory plugin report about a guest (private API).

``to_options`` turns a parsed domain (``_guest_xml.parse_domain``) into the guest module's
option shape, so a guest_info entry can be fed back to the guest module. ``describe_guest``
adds the runtime facts of a libvirt domain: state, autostart and addresses.
"""

from __future__ import annotations

from ansible_collections.born2beroot.virt.plugins.module_utils._guest_wait import guest_addresses, pick_ip
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_xml import parse_domain
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import is_no_such, libvirt
from ansible_collections.born2beroot.virt.plugins.module_utils._units import format_size

STATE_NAMES = {
    0: "nostate",
    1: "running",
    2: "blocked",
    3: "paused",
    4: "shutdown",
    5: "shutoff",
    6: "crashed",
    7: "pmsuspended",
}
ACTIVE_STATES = ("running", "blocked", "paused", "shutdown", "pmsuspended")


def _size(kib):
    return format_size(kib * 1024) if kib else None


def _disk_option(disk):
    src = disk["source"]
    where = dict(pool=src["pool"], volume=src["volume"]) if src["type"] == "volume" else dict(path=src["path"])
    return dict(
        where,
        device=disk["device"],
        bus=disk["bus"],
        target=disk["target"],
        readonly=disk["readonly"],
        format=disk["format"],
    )


def to_options(parsed):
    """A parsed domain in the guest module's option shape (sizes as '512MiB')."""
    return dict(
        name=parsed["name"],
        uuid=parsed.get("uuid"),
        virt_type=parsed["virt_type"],
        arch=parsed["arch"],
        machine=parsed["machine"],
        memory=_size(parsed["memory"]),
        max_memory=_size(parsed["max_memory"]),
        vcpus=parsed["vcpus"],
        max_vcpus=parsed["max_vcpus"],
        cpu_mode=parsed["cpu_mode"],
        cpu_model=parsed["cpu_model"],
        firmware=parsed["firmware"],
        boot=parsed["boot"],
        tb_cache=_size(parsed["tb_cache"]) or "0",
        disks=[_disk_option(d) for d in parsed["disks"]],
        interfaces=[{n["type"]: n["source"], "model": n["model"], "mac": n["mac"]} for n in parsed["interfaces"]],
        serial_log=parsed["serial_log"],
        guest_agent=parsed["guest_agent"],
        description=parsed["description"],
        tags=parsed["tags"],
        metadata=parsed["metadata"],
    )


def state_name(dom):
    return STATE_NAMES.get(dom.state()[0], "nostate")


def describe_guest(dom, address_sources=("lease",)):
    """Facts of one libvirt domain: its persistent configuration in option shape, plus
    ``state``, ``autostart``, ``persistent`` and, for a running guest, ``addresses`` and ``ip``
    from ``address_sources`` (tried in order; an empty list skips the lookup)."""
    info = to_options(parse_domain(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)))
    persistent = bool(dom.isPersistent())
    info.update(state=state_name(dom), persistent=persistent, autostart=bool(persistent and dom.autostart()))
    addresses = guest_addresses(dom, address_sources) if dom.isActive() and address_sources else []
    macs = [nic["mac"] for nic in info["interfaces"]]
    for nic in info["interfaces"]:
        nic["addresses"] = [a["address"] for a in addresses if a["mac"] == nic["mac"]]
    info.update(addresses=addresses, ip=pick_ip(addresses, macs))
    return info


def _named(conn, name):
    """[the domain called ``name``] or []: one lookup, whatever the number of guests."""
    try:
        return [conn.lookupByName(name)]
    except libvirt.libvirtError as exc:
        if is_no_such(exc, libvirt.VIR_ERR_NO_DOMAIN):
            return []
        raise


def list_guests(conn, name=None, tags=None, address_sources=("lease",)):
    """Descriptions (see describe_guest) of the guests of ``conn``, only ``name`` if given, only
    those carrying all ``tags`` if given, sorted by name."""
    domains = conn.listAllDomains(0) if name is None else _named(conn, name)
    guests = [describe_guest(d, address_sources) for d in domains]
    return sorted((g for g in guests if set(tags or []) <= set(g["tags"])), key=lambda g: g["name"])
