"""born2beroot.virt.libvirt_guests on libvirt's test driver (and, marked ``lab``, on the lab libvirtd)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import uuid

import pytest
import yaml
from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.born2beroot.virt.plugins.inventory import libvirt_guests
from ansible_collections.born2beroot.virt.plugins.module_utils import _metadata
from ansible_collections.born2beroot.virt.plugins.module_utils._inventory import NetworkLeases, describe_all

pytest.importorskip("libvirt")
NAME = "born2beroot.virt.libvirt_guests"
URI = "test:///default"
BAD_URI = "test:///nonexistent.xml"
LAB_URI = "qemu:///system"
LAB_NETWORK = "b2b-lab"
COLLECTIONS_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 4, ".collections"))


def domain_xml(name, kind="test", tags=(), variables=None, mac=None, memory_mib=512, network="default"):
    nic = (
        "<interface type='network'><mac address='%s'/><source network='%s'/></interface>" % (mac, network)
        if mac
        else ""
    )
    return (
        "<domain type='%s'><name>%s</name><memory unit='MiB'>%d</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64'>hvm</type></os><metadata>%s</metadata><devices>%s</devices></domain>"
        % (kind, name, memory_mib, _metadata.build(tags, variables), nic)
    )


def new_plugin():
    """The plugin set up the way Ansible's plugin loader hands it over: options from its DOCUMENTATION."""
    if not C.config.has_configuration_definition("inventory", NAME):
        doc = get_docstring(libvirt_guests.__file__, fragment_loader, plugin_type="inventory")[0]
        C.config.initialize_plugin_configuration_definitions("inventory", NAME, doc["options"])
    plugin = libvirt_guests.InventoryModule()
    plugin._load_name = NAME
    plugin._redirected_names = [NAME]
    plugin.ansible_name = NAME
    return plugin


def parse(tmp_path, refresh=False, **config):
    """Parse a config file holding ``config`` (``refresh``: as --flush-cache does); return the InventoryData."""
    path = tmp_path / "t.libvirt_guests.yml"
    path.write_text(yaml.safe_dump(dict(plugin=NAME, **config)))
    plugin = new_plugin()
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), str(path), cache=not refresh)
    with contextlib.suppress(AttributeError):  # as ansible's InventoryManager does after parse()
        plugin.update_cache_if_changed()
    return inventory


def hostvars(inventory, host):
    return inventory.get_host(host).get_vars()


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


@pytest.fixture
def guests(test_conn):
    """Besides the driver's running ``test``: ``web`` running, ``db`` shut off, both tagged."""
    web = test_conn.defineXML(
        domain_xml(
            "web", tags=["b2b", "web-front"], mac="52:54:00:00:00:01", variables={"os": "debian", "ssh_port": "4242"}
        )
    )
    web.create()
    test_conn.defineXML(
        domain_xml("db", tags=["b2b"], variables={"os": "rocky linux"}, mac="52:54:00:00:00:02", memory_mib=2048)
    )
    return test_conn


def test_hosts_carry_address_port_state_and_metadata(tmp_path, guests):
    inventory = parse(tmp_path, uris=[URI])
    assert sorted(inventory.hosts) == ["db", "test", "web"]
    web, db = hostvars(inventory, "web"), hostvars(inventory, "db")
    reply = guests.lookupByName("web").interfaceAddresses(0, 0)
    ip = next(iter(reply.values()))["addrs"][0]["addr"]
    assert (web["ansible_host"], web["ansible_port"]) == (ip, 4242)
    assert web["libvirt_interfaces"] == [dict(mac="52:54:00:00:00:01", network="default", bridge=None, addresses=[ip])]
    assert (web["libvirt_state"], web["libvirt_uri"], web["libvirt_name"]) == ("running", URI, "web")
    assert web["libvirt_uuid"] == guests.lookupByName("web").UUIDString()
    assert (web["libvirt_tags"], web["libvirt_vars"]) == (["b2b", "web-front"], {"os": "debian", "ssh_port": "4242"})
    assert (web["libvirt_memory_mib"], web["libvirt_vcpus"]) == (512, 1)
    assert "ansible_host" not in db, "a guest that is not running has no address"
    assert (db["ansible_port"], db["libvirt_state"], db["libvirt_memory_mib"]) == (22, "shutoff", 2048)
    assert db["libvirt_interfaces"][0]["addresses"] == []


def test_groups_by_state_tag_and_os_with_safe_names(tmp_path, guests):
    inventory = parse(tmp_path, uris=[URI])
    assert members(inventory, "libvirt_state_running") == ["test", "web"]
    assert members(inventory, "libvirt_state_shutoff") == ["db"]
    assert members(inventory, "libvirt_tag_b2b") == ["db", "web"]
    assert members(inventory, "libvirt_tag_web_front") == ["web"]
    assert members(inventory, "libvirt_os_debian") == ["web"]
    assert members(inventory, "libvirt_os_rocky_linux") == ["db"]


def test_options_inactive_default_port_and_address_sources(tmp_path, guests):
    inventory = parse(tmp_path, uris=[URI], inactive=False, default_port=2222, address_sources=[])
    assert sorted(inventory.hosts) == ["test", "web"]
    assert "ansible_host" not in hostvars(inventory, "web")
    assert hostvars(inventory, "test")["ansible_port"] == 2222
    assert hostvars(inventory, "web")["ansible_port"] == 4242


@pytest.mark.parametrize(
    "value, port", [("4242", 4242), (" 2200 ", 2200), ("ssh", 22), ("0", 22), ("70000", 22), (None, 22)]
)
def test_ssh_port_var_falls_back_to_default_when_not_a_port(value, port):
    variables = {} if value is None else {"ssh_port": value}
    assert libvirt_guests.ssh_port(dict(vars=variables), 22) == port


def test_compose_groups_and_keyed_groups(tmp_path, guests):
    inventory = parse(
        tmp_path,
        uris=[URI],
        compose=dict(ansible_user="libvirt_vars.os | default('nobody') ~ '_admin'"),
        groups=dict(big="libvirt_memory_mib >= 2048"),
        keyed_groups=[dict(key="libvirt_vars.os | default('none')", prefix="distro")],
    )
    assert hostvars(inventory, "web")["ansible_user"] == "debian_admin"
    assert hostvars(inventory, "test")["ansible_user"] == "nobody_admin"
    assert members(inventory, "big") == ["db", "test"]
    assert members(inventory, "distro_debian") == ["web"] and members(inventory, "distro_none") == ["test"]


def test_strict_makes_a_broken_compose_expression_fatal(tmp_path, guests):
    broken = dict(ansible_user="libvirt_vars.user")  # undefined for every guest
    assert "ansible_user" not in hostvars(parse(tmp_path, uris=[URI], compose=broken), "web")
    with pytest.raises(AnsibleError):
        parse(tmp_path, uris=[URI], compose=broken, strict=True)


def test_same_guest_name_on_two_uris_gets_unique_host_names(tmp_path, guests):
    inventory = parse(tmp_path, uris=[URI, URI])
    assert sorted(inventory.hosts) == ["db", "db@2", "test", "test@2", "web", "web@2"]
    assert hostvars(inventory, "web@2")["libvirt_name"] == "web"
    assert members(inventory, "libvirt_tag_web_front") == ["web", "web@2"]


def test_uris_are_listed_at_the_same_time_in_their_order(tmp_path, guests, monkeypatch):
    """Each listing waits until all three have started: listed one after the other, the barrier breaks."""
    started = threading.Barrier(3, timeout=10)
    real = libvirt_guests.list_uri

    def list_together(uri, *args):
        started.wait()
        return real(uri, *args)

    monkeypatch.setattr(libvirt_guests, "list_uri", list_together)
    # Not BAD_URI: Ansible shows a warning once per process, and another test looks for that one.
    inventory = parse(tmp_path, uris=[URI, "test:///unreachable-in-parallel.xml", URI], unreachable="warn")
    assert sorted(inventory.hosts) == ["db", "db@3", "test", "test@3", "web", "web@3"]


def test_unreachable_uri_fails_naming_it(tmp_path, guests):
    with pytest.raises(AnsibleParserError, match="cannot connect to libvirt at %s" % BAD_URI):
        parse(tmp_path, uris=[URI, BAD_URI])


def test_unreachable_uri_with_warn_lists_the_others(tmp_path, guests, capsys):
    inventory = parse(tmp_path, uris=[BAD_URI, URI], unreachable="warn")
    assert sorted(inventory.hosts) == ["db", "test", "web"]
    assert BAD_URI in capsys.readouterr().err


def test_cache_serves_the_listing_until_refreshed(tmp_path, guests):
    cache = dict(uris=[URI], cache=True, cache_plugin="jsonfile", cache_connection=str(tmp_path / "cache"))
    assert "late" not in parse(tmp_path, **cache).hosts
    guests.defineXML(domain_xml("late"))
    assert "late" not in parse(tmp_path, **cache).hosts, "served from the cache"
    assert "late" in parse(tmp_path, refresh=True, **cache).hosts, "a refresh asks libvirt"
    guests.lookupByName("late").undefine()
    assert "late" in parse(tmp_path, **cache).hosts, "and the refreshed listing is cached"


def test_incomplete_listing_is_not_cached(tmp_path, guests):
    cache = dict(cache=True, cache_plugin="jsonfile", cache_connection=str(tmp_path / "cache"))
    parse(tmp_path, uris=[BAD_URI, URI], unreachable="warn", **cache)
    guests.defineXML(domain_xml("late"))
    assert "late" in parse(tmp_path, uris=[BAD_URI, URI], unreachable="warn", **cache).hosts


def test_missing_libvirt_python_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(libvirt_guests, "libvirt", None)
    with pytest.raises(AnsibleParserError, match="needs libvirt-python"):
        parse(tmp_path, uris=[URI])


@pytest.mark.parametrize(
    "name, accepted",
    [
        ("lab.libvirt_guests.yml", True),
        ("libvirt_guests.yaml", True),
        ("lab.yml", False),
        ("lab.libvirt_guests.json", False),
    ],
)
def test_verify_file_accepts_only_its_own_file_names(tmp_path, name, accepted):
    (tmp_path / name).write_text("plugin: %s\n" % NAME)
    assert new_plugin().verify_file(str(tmp_path / name)) is accepted


def test_ansible_doc_renders_the_documentation():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT)
    ansible_doc = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    result = subprocess.run(
        [ansible_doc, "-t", "inventory", NAME], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "address_sources" in result.stdout and "keyed_groups" in result.stdout and "cache_plugin" in result.stdout


@pytest.fixture
def lab_define(lab_conn):
    """``lab_define(**domain_xml options)``: a stopped guest ``ut-inv-*`` on the lab, undefined afterwards."""
    defined = []

    def define(**options):
        name = "ut-inv-%s" % uuid.uuid4().hex[:8]
        defined.append(lab_conn.defineXML(domain_xml(name, kind="qemu", network=LAB_NETWORK, **options)))
        return defined[-1]

    yield define
    for dom in defined:
        dom.undefine()


@pytest.mark.lab
def test_lists_guests_of_the_lab_libvirtd(tmp_path, lab_define):
    dom = lab_define(tags=["lab"], variables={"os": "debian"}, mac="52:54:00:7e:00:01")
    inventory = parse(tmp_path, uris=[LAB_URI], address_sources=["lease"])
    assert dom.name() in members(inventory, "libvirt_tag_lab") and dom.name() in members(inventory, "libvirt_os_debian")
    assert hostvars(inventory, dom.name())["libvirt_state"] == "shutoff"
    assert hostvars(inventory, dom.name())["libvirt_uuid"] == dom.UUIDString()


@pytest.mark.lab
def test_lab_leases_are_read_per_network_and_never_given_to_stopped_guests(lab_conn, lab_define):
    leases = lab_conn.networkLookupByName(LAB_NETWORK).DHCPLeases()
    if not leases:
        pytest.skip("LAB TEST SKIPPED: no DHCP lease on %s right now; boot a lab guest to run it" % LAB_NETWORK)
    mac, ip = leases[0]["mac"], leases[0]["ipaddr"]
    dom = lab_define(mac=mac)
    nics = [dict(type="network", source=LAB_NETWORK, mac=mac)]
    found = NetworkLeases(lab_conn).addresses(dom, nics)
    assert ip in [a["address"] for a in found], "read from the network's leases: the stopped guest cannot answer"
    assert describe_all(lab_conn, [dom], ["lease"])[0]["ip"] is None, "a stopped guest gets no stale lease"
