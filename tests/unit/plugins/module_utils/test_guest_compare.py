"""Desired vs existing guest: reconcile, changed fields, live vs restart (pure, no libvirt)."""

from __future__ import annotations

from ansible_collections.born2beroot.virt.plugins.module_utils import _guest_xml as gx
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_compare import (
    changed_fields,
    classify,
    free_target,
    machine_matches,
    reconcile,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_spec import normalise, with_create_defaults

MIB = 1024
BASE = dict(
    name="g",
    memory="512MiB",
    vcpus=1,
    disks=[dict(volume="g.qcow2", format="qcow2")],
    interfaces=[dict(network="default")],
)
# libvirt's normalised form of BASE: generated MAC, expanded machine, its own extras
LIBVIRT_XML = """<domain type='qemu'><name>g</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <metadata><b2b:guest xmlns:b2b="urn:born2beroot:virt:1"/></metadata>
  <memory unit='KiB'>524288</memory><currentMemory unit='KiB'>524288</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><tcg><tb-cache unit='KiB'>65536</tb-cache></tcg></features>
  <clock offset='utc'/>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='default' volume='g.qcow2'/>
      <target dev='vda' bus='virtio'/><address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>
    <controller type='pci' index='0' model='pcie-root'/>
    <interface type='network'><mac address='52:54:00:57:1f:e6'/><source network='default'/><model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></interface>
    <serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <memballoon model='virtio'/>
  </devices></domain>"""
ALIASES = {"q35": "pc-q35-7.2", "pc": "pc-i440fx-7.2"}


def desired(**changes):
    return normalise(dict(BASE, **changes), "qemu")


def existing():
    return gx.parse_domain(LIBVIRT_XML)


def diff(**changes):
    return changed_fields(reconcile(desired(**changes), existing(), ALIASES), existing())


def test_libvirt_normalised_form_of_the_same_guest_is_unchanged():
    assert diff(machine="q35") == []


def test_unmanaged_options_keep_the_existing_values():
    assert changed_fields(reconcile(normalise(dict(name="g"), "qemu"), existing(), ALIASES), existing()) == []


def test_generated_mac_and_target_are_kept():
    result = reconcile(desired(), existing(), ALIASES)
    assert result["interfaces"][0]["mac"] == "52:54:00:57:1f:e6"
    assert result["disks"][0]["target"] == "vda"


def test_machine_alias_matches_any_version_of_its_family():
    assert machine_matches("q35", "pc-q35-5.2", ALIASES)  # defined by an older QEMU
    assert not machine_matches("q35", "pc-i440fx-7.2", ALIASES)
    assert diff(machine="pc") == ["machine"]


def test_each_change_is_named():
    assert diff(memory="1GiB") == ["memory", "max_memory"]
    assert diff(vcpus=2, max_vcpus=2) == ["vcpus", "max_vcpus"]
    assert diff(tags=["web"], description="x") == ["description", "tags"]
    assert diff(interfaces=[dict(network="default", model="e1000e")]) == ["interfaces"]
    assert diff(serial_log="/var/log/g.log") == ["serial_log"]


def test_a_changed_fixed_mac_is_a_new_interface():
    result = reconcile(desired(interfaces=[dict(network="default", mac="52:54:00:00:00:09")]), existing(), ALIASES)
    assert result["interfaces"][0]["mac"] == "52:54:00:00:00:09"
    assert changed_fields(result, existing()) == ["interfaces"]


def test_new_disks_get_the_first_free_target_of_their_bus():
    result = reconcile(
        desired(disks=[dict(volume="data.img", format="raw"), dict(volume="g.qcow2")]), existing(), ALIASES
    )
    assert [d["target"] for d in result["disks"]] == ["vdb", "vda"]
    assert free_target("sd", {"sda", "sdb"}) == "sdc"
    assert free_target("vd", {"vd" + chr(c) for c in range(ord("a"), ord("z") + 1)}) == "vdaa"


def test_memory_and_vcpus_within_max_go_live_else_restart():
    have = dict(existing(), max_memory=1024 * MIB, max_vcpus=4, vcpus=1)
    want = reconcile(desired(memory="768MiB", max_memory="1GiB", vcpus=2, max_vcpus=4), have, ALIASES)
    fields = changed_fields(want, have)
    assert fields == ["memory", "vcpus"]
    assert classify(fields, want, have, live_max_memory=1024 * MIB, live_max_vcpus=4) == (["memory", "vcpus"], [])
    want = reconcile(desired(memory="2GiB", vcpus=8), have, ALIASES)
    fields = changed_fields(want, have)
    assert classify(fields, want, have, 1024 * MIB, 4) == ([], ["memory", "max_memory", "vcpus", "max_vcpus"])


def test_added_or_removed_devices_go_live_but_modified_ones_need_a_restart():
    have = existing()
    added = reconcile(desired(interfaces=[dict(network="default"), dict(network="lab")]), have, ALIASES)
    assert classify(["interfaces"], added, have, 0, 0) == (["interfaces"], [])
    removed = reconcile(desired(disks=[]), have, ALIASES)
    assert classify(["disks"], removed, have, 0, 0) == (["disks"], [])
    modified = reconcile(desired(disks=[dict(volume="g.qcow2", bus="sata")]), have, ALIASES)
    assert classify(["disks"], modified, have, 0, 0) == ([], ["disks"])


def test_metadata_goes_live_and_everything_else_needs_a_restart():
    have = existing()
    want = reconcile(desired(tags=["a"], machine="pc", cpu_mode="maximum"), have, ALIASES)
    fields = changed_fields(want, have)
    assert classify(fields, want, have, 0, 0) == (["tags"], ["machine", "cpu_mode"])


def test_create_defaults_against_nothing_build_a_complete_guest():
    disks = [dict(volume="a", format="raw"), dict(path="/b.iso", device="cdrom")]
    spec = reconcile(with_create_defaults(desired(disks=disks)), {})
    assert [d["target"] for d in spec["disks"]] == ["vda", "sda"]
    assert changed_fields(spec, gx.parse_domain(gx.to_xml(gx.build_domain(spec)))) == []
