"""born2beroot.virt.network against the lab libvirtd: a real dnsmasq, persistent config, idempotence across runs."""

from __future__ import annotations

import uuid

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import network

pytestmark = pytest.mark.lab
WEB = dict(mac="52:54:00:b2:00:01", ip="10.242.7.11", name="web42")
DB = dict(mac="52:54:00:b2:00:02", ip="10.242.7.12", name="db42")


@pytest.fixture
def net_name(lab_conn):
    name = "ut-b-%s" % uuid.uuid4().hex[:8]
    yield name
    try:
        net = lab_conn.networkLookupByName(name)
    except Exception:  # noqa: BLE001 - absent is what we want
        return
    if net.isActive():
        net.destroy()
    if net.isPersistent():
        net.undefine()


def task(name, **options):
    base = dict(
        uri="qemu:///system",
        name=name,
        mode="isolated",
        cidr="10.242.7.1/24",
        dhcp_range=dict(start="10.242.7.100", end="10.242.7.150"),
        bridge="ut-b-br%s" % name[-4:],
    )
    base.update(options)
    return base


def test_isolated_network_lifecycle_with_live_host_update(run, lab_conn, net_name):
    created = run(network, task(net_name, hosts=[WEB], domain="ut.test"))
    assert created["actions"] == ["define network %s" % net_name, "start network %s" % net_name]
    net = lab_conn.networkLookupByName(net_name)
    assert net.isActive()
    assert run(network, task(net_name, hosts=[WEB], domain="ut.test"))["changed"] is False

    updated = run(network, task(net_name, hosts=[WEB, DB], domain="ut.test"))
    assert updated["actions"] == ["add DHCP host 52:54:00:b2:00:02 10.242.7.12 db42 to network %s (live)" % net_name]
    inactive = net.XMLDesc(1)  # VIR_NETWORK_XML_INACTIVE: the change reached the persistent config too
    assert "db42" in inactive and "db42" in net.XMLDesc(0)
    assert run(network, task(net_name, hosts=[DB, WEB], domain="ut.test"))["changed"] is False

    removed = run(network, task(net_name, hosts=[], domain="ut.test"))
    assert len(removed["actions"]) == 2 and all("(live)" in action for action in removed["actions"])
    assert "<host" not in net.XMLDesc(1)

    restarted = run(network, task(net_name, cidr="10.242.8.1/24", dhcp_range={}))
    assert restarted["actions"][0] == "stop network %s to apply the change" % net_name
    assert "10.242.8.1" in lab_conn.networkLookupByName(net_name).XMLDesc(0)
    assert run(network, task(net_name, cidr="10.242.8.1/24", dhcp_range={}))["changed"] is False

    gone = run(network, task(net_name, state="absent"))
    assert gone["actions"] == ["stop network %s" % net_name, "undefine network %s" % net_name]
    assert net_name not in lab_conn.listNetworks() + lab_conn.listDefinedNetworks()


def test_nat_network_defined_only(run, lab_conn, net_name):
    result = run(network, task(net_name, mode="nat", state="stopped", autostart=False))
    assert result["actions"] == ["define network %s" % net_name]
    assert "<forward mode='nat'/>" in lab_conn.networkLookupByName(net_name).XMLDesc(0)
    assert run(network, task(net_name, mode="nat", state="stopped"))["changed"] is False
