# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guests of one hypervisor as the libvirt_guests inventory plugin lists them (private API).

``list_uri`` makes a fixed number of libvirt calls per guest, whatever the number of guests:
one ``listAllDomains`` for the connection, then ``state()`` and ``XMLDesc()`` per guest, plus
the address lookups of running guests. DHCP leases are read once per libvirt network
(``DHCPLeases``) and looked up by MAC; where they cannot be listed (the test driver has no such
call) each running guest is asked instead. The result is plain JSON-serialisable data: what the plugin caches.
"""

from __future__ import annotations

from ansible_collections.born2beroot.virt.plugins.module_utils._guest_facts import ACTIVE_STATES, state_name
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_wait import guest_addresses, pick_ip
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_xml import parse_domain
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import (
    LibvirtError,
    connect,
    error_message,
    is_no_such,
    libvirt,
)

ADDRESS_SOURCES = ("lease", "agent", "arp")


def _lease_address(lease):
    family = "ipv4" if lease["type"] == libvirt.VIR_IP_ADDR_TYPE_IPV4 else "ipv6"
    return dict(
        interface=lease.get("iface"),
        mac=lease["mac"].lower(),
        address=lease["ipaddr"],
        prefix=lease.get("prefix"),
        family=family,
        source="lease",
    )


def leases_by_mac(leases):
    """libvirt's DHCPLeases() reply -> {mac: [address dict]} (the shape of _guest_wait.addresses_from)."""
    by_mac = {}
    for lease in leases:
        by_mac.setdefault(lease["mac"].lower(), []).append(_lease_address(lease))
    return by_mac


class NetworkLeases:
    """The DHCP leases of one connection's networks, read at most once per network."""

    def __init__(self, conn):
        self._conn = conn
        self._tables = {}

    def _table(self, network):
        """{mac: [address]} of ``network``; None when its leases cannot be listed (a driver without
        the call, such as the test driver, or a network gone meanwhile): then each guest is asked."""
        if network not in self._tables:
            try:
                self._tables[network] = leases_by_mac(self._conn.networkLookupByName(network).DHCPLeases())
            except libvirt.libvirtError:
                self._tables[network] = None
        return self._tables[network]

    def addresses(self, dom, nics):
        """Lease addresses of a running guest's NICs on libvirt networks."""
        tables = [(nic["mac"], self._table(nic["source"])) for nic in nics if nic["type"] == "network"]
        if any(table is None for _mac, table in tables):
            return guest_addresses(dom, ("lease",))
        return [address for mac, table in tables for address in table.get(mac, [])]


def first_addresses(lookup, sources):
    """``lookup(source)`` of the first source reporting an IPv4 address, else of the first reporting any."""
    fallback = []
    for source in sources:
        found = lookup(source)
        if any(address["family"] == "ipv4" for address in found):
            return found
        fallback = fallback or found
    return fallback


def _address_lookup(dom, nics, leases):
    return lambda source: leases.addresses(dom, nics) if source == "lease" else guest_addresses(dom, (source,))


def _interface(nic, addresses):
    return dict(
        mac=nic["mac"],
        network=nic["source"] if nic["type"] == "network" else None,
        bridge=nic["source"] if nic["type"] == "bridge" else None,
        addresses=[a["address"] for a in addresses if a["mac"] == nic["mac"]],
    )


def describe(dom, sources, leases):
    """One guest as plain data: its live definition, state and, when it runs, its addresses."""
    state = state_name(dom)
    parsed = parse_domain(dom.XMLDesc(0))
    nics = parsed["interfaces"]
    addresses = first_addresses(_address_lookup(dom, nics, leases), sources) if state in ACTIVE_STATES else []
    return dict(
        name=parsed["name"],
        uuid=parsed["uuid"],
        state=state,
        memory_mib=(parsed["memory"] or 0) // 1024,
        vcpus=parsed["vcpus"],
        tags=parsed["tags"],
        vars=parsed["metadata"],
        interfaces=[_interface(nic, addresses) for nic in nics],
        ip=pick_ip(addresses, [nic["mac"] for nic in nics]),
    )


def describe_all(conn, domains, sources):
    """``describe`` each domain, sorted by name; a domain undefined meanwhile is left out."""
    leases = NetworkLeases(conn)
    guests = []
    for dom in domains:
        try:
            guests.append(describe(dom, sources, leases))
        except libvirt.libvirtError as exc:
            if not is_no_such(exc, libvirt.VIR_ERR_NO_DOMAIN):
                raise
    return sorted(guests, key=lambda guest: guest["name"])


def list_uri(uri, sources=ADDRESS_SOURCES, inactive=True):
    """The guests of ``uri`` (``inactive``: also those not running), over one connection.

    The connection is read-only unless ``sources`` holds ``agent``, which libvirt only allows
    read-write. Raise LibvirtError naming the URI when it cannot be reached or listed.
    """
    conn = connect(uri, readonly="agent" not in sources)
    try:
        flags = 0 if inactive else libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
        return describe_all(conn, conn.listAllDomains(flags), sources)
    except libvirt.libvirtError as exc:
        raise LibvirtError("cannot list the guests of %s: %s" % (uri, error_message(exc))) from exc
    finally:
        conn.close()
