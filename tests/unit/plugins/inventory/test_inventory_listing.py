"""module_utils._inventory: what the inventory plugin asks libvirt, on the test driver."""

from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils._inventory import (
    NetworkLeases,
    describe_all,
    first_addresses,
    leases_by_mac,
)

libvirt = pytest.importorskip("libvirt")


def lease(mac, ipaddr, family, prefix):
    """One entry of virNetworkGetDHCPLeases() as libvirt-python returns it."""
    return dict(
        iface="b2bbr0",
        expirytime=1795834123,
        type=family,
        mac=mac,
        ipaddr=ipaddr,
        prefix=prefix,
        hostname="web",
        clientid=None,
        iaid=None,
    )


LEASES = [
    lease("52:54:00:3E:37:AF", "192.168.150.201", libvirt.VIR_IP_ADDR_TYPE_IPV4, 24),
    lease("52:54:00:3e:37:af", "fd00::c9", libvirt.VIR_IP_ADDR_TYPE_IPV6, 64),
]


def test_leases_are_indexed_by_lowercase_mac():
    by_mac = leases_by_mac(LEASES)
    assert list(by_mac) == ["52:54:00:3e:37:af"]
    assert [(a["address"], a["family"], a["source"]) for a in by_mac["52:54:00:3e:37:af"]] == [
        ("192.168.150.201", "ipv4", "lease"),
        ("fd00::c9", "ipv6", "lease"),
    ]


def test_driver_without_network_leases_falls_back_to_asking_the_guest(test_conn):
    dom = test_conn.lookupByName("test")
    nics = [dict(type="network", source="default", mac="aa:bb:cc:dd:ee:ff")]
    found = NetworkLeases(test_conn).addresses(dom, nics)
    assert [(a["mac"], a["source"]) for a in found] == [("aa:bb:cc:dd:ee:ff", "lease")]


def test_guest_without_network_nics_needs_no_lease_lookup(test_conn):
    dom = test_conn.lookupByName("test")
    assert NetworkLeases(test_conn).addresses(dom, [dict(type="bridge", source="br0", mac="aa:bb:cc:dd:ee:ff")]) == []


def address(ip, family, source):
    return dict(interface="eth0", mac="52:54:00:00:00:01", address=ip, prefix=24, family=family, source=source)


@pytest.mark.parametrize(
    "replies, expected",
    [
        (dict(lease=[], agent=["10.0.0.2"], arp=["10.0.0.3"]), ["10.0.0.2"]),
        (dict(lease=["fd00::2"], agent=[], arp=["10.0.0.3"]), ["10.0.0.3"]),
        (dict(lease=["fd00::2"], agent=["fd00::3"], arp=[]), ["fd00::2"]),
        (dict(lease=[], agent=[], arp=[]), []),
    ],
)
def test_first_source_with_an_ipv4_address_wins_else_the_first_with_any(replies, expected):
    def lookup(source):
        return [address(ip, "ipv6" if ":" in ip else "ipv4", source) for ip in replies[source]]

    assert [a["address"] for a in first_addresses(lookup, ["lease", "agent", "arp"])] == expected


def test_lease_source_answers_for_running_guests_on_the_test_driver(test_conn):
    guests = describe_all(test_conn, test_conn.listAllDomains(0), ["lease"])
    assert guests[0]["ip"] == test_conn.lookupByName("test").interfaceAddresses(0, 0)["testnet0"]["addrs"][0]["addr"]
    assert guests[0]["interfaces"][0]["addresses"] == [guests[0]["ip"]]


def test_domain_undefined_while_listing_is_left_out(test_conn):
    gone = test_conn.defineXML(
        "<domain type='test'><name>gone</name><memory>65536</memory><os><type>hvm</type></os></domain>"
    )
    domains = test_conn.listAllDomains(0)
    gone.undefine()
    assert [g["name"] for g in describe_all(test_conn, domains, ["lease"])] == ["test"]
