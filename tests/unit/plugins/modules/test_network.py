"""born2beroot.virt.network on libvirt's test driver."""

from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import network

URI = "test:///default"
BASE = dict(
    uri=URI,
    name="ut-lab",
    mode="isolated",
    cidr="192.168.150.1/24",
    dhcp_range=dict(start="192.168.150.100", end="192.168.150.199"),
)
WEB = dict(mac="52:54:00:42:00:01", ip="192.168.150.11", name="web42")
DB = dict(mac="52:54:00:42:00:02", ip="192.168.150.12", name="db42")


def args(**changes):
    merged = dict(BASE, **changes)
    return {key: value for key, value in merged.items() if value is not None}


def xml(conn, name="ut-lab"):
    return conn.networkLookupByName(name).XMLDesc(0)


def test_create_isolated_network(run, test_conn):
    result = run(network, args(hosts=[WEB], domain="lab.test", autostart=True))
    assert result["actions"] == ["define network ut-lab", "start network ut-lab", "enable autostart of network ut-lab"]
    text = xml(test_conn)
    assert "<forward" not in text
    assert "<ip address='192.168.150.1' prefix='24'>" in text
    assert "<range start='192.168.150.100' end='192.168.150.199'/>" in text
    assert "<host mac='52:54:00:42:00:01' name='web42' ip='192.168.150.11'/>" in text
    assert "<domain name='lab.test'/>" in text
    assert test_conn.networkLookupByName("ut-lab").isActive()
    assert result["network"]["hosts"] == [WEB]


def test_rerun_is_unchanged_even_with_equivalent_spellings(run, test_conn):
    run(network, args(hosts=[WEB, DB]))
    again = run(
        network,
        args(cidr=None, address="192.168.150.1", netmask="255.255.255.0", hosts=[dict(DB, mac=DB["mac"].upper()), WEB]),
    )
    assert again["changed"] is False, again["actions"]


def test_options_left_out_keep_their_value(run, test_conn):
    run(network, args(hosts=[WEB], domain="lab.test"))
    assert run(network, dict(uri=URI, name="ut-lab", mode="isolated"))["changed"] is False


def test_network_address_means_first_host(run, test_conn):
    result = run(network, args(cidr="10.9.0.0/16", dhcp_range=None))
    assert result["network"]["address"] == "10.9.0.1"
    assert result["network"]["prefix"] == 16


def test_check_mode_predicts_and_changes_nothing(run, test_conn):
    predicted = run(network, args(hosts=[WEB]), check_mode=True)
    assert "ut-lab" not in test_conn.listNetworks() + test_conn.listDefinedNetworks()
    real = run(network, args(hosts=[WEB]))
    assert predicted["actions"] == real["actions"]
    assert predicted["network"] == real["network"] | {"bridge": None}


def test_host_entries_change_live_without_restart(run, test_conn):
    run(network, args(hosts=[WEB]))
    result = run(network, args(hosts=[DB]), diff=True)
    assert result["actions"] == [
        "remove DHCP host 52:54:00:42:00:01 192.168.150.11 web42 from network ut-lab (live)",
        "add DHCP host 52:54:00:42:00:02 192.168.150.12 db42 to network ut-lab (live)",
    ]
    text = xml(test_conn)
    assert "db42" in text and "web42" not in text
    assert result["diff"]["before"]["hosts"] == [WEB]
    assert result["diff"]["after"]["hosts"] == [DB]


def test_other_changes_restart_and_warn(run, test_conn):
    run(network, args())
    result = run(network, args(mode="nat"))
    assert result["actions"] == [
        "stop network ut-lab to apply the change",
        "redefine network ut-lab (mode)",
        "start network ut-lab",
    ]
    assert "<forward mode='nat'/>" in xml(test_conn)
    assert "lose their link" in str(result["warnings"])


def test_stopped_and_absent(run, test_conn):
    run(network, args())
    assert run(network, args(state="stopped"))["actions"] == ["stop network ut-lab"]
    assert not test_conn.networkLookupByName("ut-lab").isActive()
    assert run(network, args(state="absent"))["actions"] == ["undefine network ut-lab"]
    assert "ut-lab" not in test_conn.listNetworks() + test_conn.listDefinedNetworks()
    assert run(network, args(state="absent"))["changed"] is False


def test_bridge_mode(run, test_conn):
    result = run(network, dict(uri=URI, name="ut-br", mode="bridge", bridge="br0"))
    assert result["changed"] is True
    text = xml(test_conn, "ut-br")
    assert "<forward mode='bridge'/>" in text and "<bridge name='br0'/>" in text and "<ip" not in text
    assert run(network, dict(uri=URI, name="ut-br", mode="bridge", bridge="br0"))["changed"] is False


@pytest.mark.parametrize(
    "changes, field",
    [
        (dict(cidr="192.168.150.1/33"), "cidr:"),
        (dict(cidr="not-a-net"), "cidr:"),
        (dict(cidr="10.0.0.1/31"), "cidr: '10.0.0.1/31' leaves no room"),
        (dict(cidr=None), "cidr: required"),
        (dict(cidr=None, address="10.0.0.1", netmask="255.0.255.0"), "address:"),
        (dict(dhcp_range=dict(start="192.168.151.2", end="192.168.151.9")), "dhcp_range: 192.168.151.2 is not"),
        (dict(dhcp_range=dict(start="192.168.150.9", end="192.168.150.2")), "dhcp_range: start"),
        (dict(dhcp_range=dict(start="192.168.150.1", end="192.168.150.9")), "dhcp_range: 192.168.150.1-"),
        (dict(dhcp_range=dict(start="192.168.150.9")), "dhcp_range: give both"),
        (dict(hosts=[dict(ip="192.168.150.5")]), "hosts[0]: give a mac or a name"),
        (dict(hosts=[dict(mac="52:54:00:zz:00:01", ip="192.168.150.5")]), "hosts[0]: '52:54:00:zz:00:01'"),
        (dict(hosts=[dict(name="a", ip="10.1.1.1")]), "hosts[0]: 10.1.1.1 is not a host address"),
        (dict(hosts=[WEB, dict(DB, ip=WEB["ip"])]), "hosts[1]: ip 192.168.150.11 is already used by hosts[0]"),
        (dict(name="a/b"), "name:"),
        (dict(bridge="a-very-long-bridge-name"), "bridge:"),
        (dict(mode="bridge", bridge="br0"), "cidr: not possible with mode bridge"),
        (dict(mode="bridge", cidr=None, dhcp_range=None), "bridge: required with mode bridge"),
    ],
)
def test_bad_input_names_the_field(run, test_conn, changes, field):
    result = run(network, args(**changes))
    assert result.failed
    assert result["msg"].startswith(field), result["msg"]
