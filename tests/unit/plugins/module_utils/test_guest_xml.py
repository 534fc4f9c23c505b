"""Spec <-> domain XML (pure, no libvirt), including a property test with arbitrary text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.born2beroot.virt.plugins.module_utils import _guest_xml as gx
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_spec import (
    SpecError,
    normalise,
    with_create_defaults,
)

FULL = dict(
    name="web42",
    memory="1GiB",
    max_memory="2GiB",
    vcpus=1,
    max_vcpus=4,
    machine="q35",
    firmware="uefi",
    cpu_mode="custom",
    cpu_model="qemu64",
    tb_cache="32MiB",
    boot=dict(kernel="/img/vmlinuz", initrd="/img/initrd.img", cmdline="root=/dev/vda console=ttyS0", order=["hd"]),
    disks=[
        dict(volume="web42.qcow2", pool="images", format="qcow2", target="vda"),
        dict(path="/iso/seed.iso", device="cdrom", target="sda"),
    ],
    interfaces=[
        dict(network="lab", mac="52:54:00:00:00:01"),
        dict(bridge="br0", model="e1000e", mac="52:54:00:00:00:02"),
    ],
    serial_log="/var/log/web42.log",
    guest_agent=True,
    description='a <b> & "c"',
    tags=["web", "debian"],
    metadata={"os": "debian"},
)

# What libvirt adds to a definition and the module must leave alone.
LIBVIRT_EXTRAS = """
  <uuid>0b5ca360-ed9b-4a35-b049-2340a2333207</uuid>
  <clock offset='utc'/>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <memballoon model='virtio'><address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></memballoon>
  </devices>
"""


def full_spec(**changes):
    return with_create_defaults(normalise(dict(FULL, **changes), "qemu"))


def test_build_then_parse_round_trips_every_field():
    spec = full_spec()
    parsed = gx.parse_domain(gx.to_xml(gx.build_domain(spec)))
    for field, value in spec.items():
        if field not in ("xml_overrides", "cloud_init"):
            assert parsed[field] == value, field


def test_build_writes_the_xml_libvirt_expects():
    root = ET.fromstring(gx.to_xml(gx.build_domain(full_spec())))
    assert root.get("type") == "qemu"
    assert root.find("os").get("firmware") == "efi"
    assert root.find("./os/type").get("machine") == "q35"
    assert root.find("./vcpu").attrib == {"current": "1"} and root.findtext("vcpu") == "4"
    assert root.find("./features/tcg/tb-cache").attrib == {"unit": "KiB"}
    assert root.find("./features/acpi") is not None
    assert root.find("./devices/disk[@type='volume']/source").attrib == {"pool": "images", "volume": "web42.qcow2"}
    assert root.find("./devices/serial[@type='file']/source").get("path") == "/var/log/web42.log"
    assert root.find("./devices/channel/target").get("name") == gx.AGENT_CHANNEL


def test_metadata_element_declares_its_own_namespace():
    text = gx.to_xml(gx.build_domain(full_spec()))
    assert '<b2b:guest xmlns:b2b="urn:born2beroot:virt:1">' in text
    assert "xmlns" not in text.split("\n", 1)[0]  # not hoisted to <domain>


def test_pty_console_when_serial_log_is_empty():
    root = gx.build_domain(full_spec(serial_log=""))
    assert root.find("./devices/serial").get("type") == "pty"
    assert root.find("./devices/console").get("type") == "pty"


def test_merge_rewrites_only_the_named_fields_and_keeps_libvirt_values():
    existing = gx.build_domain(full_spec())
    for elem in ET.fromstring("<x>%s</x>" % LIBVIRT_EXTRAS):
        if elem.tag == "devices":
            existing.find("devices").extend(list(elem))
        else:
            existing.append(elem)
    nic = existing.find("./devices/interface")
    ET.SubElement(nic, "address", type="pci", bus="0x01")
    merged = gx.merge_domain(existing, full_spec(vcpus=2, interfaces=FULL["interfaces"][:1]), ["vcpus", "interfaces"])
    assert merged.findtext("uuid") == "0b5ca360-ed9b-4a35-b049-2340a2333207"
    assert merged.find("./devices/memballoon/address") is not None
    assert merged.find("./devices/controller") is not None
    assert merged.find("./vcpu").get("current") == "2"
    nics = merged.findall("./devices/interface")
    assert len(nics) == 1 and nics[0].find("address") is not None  # unchanged NIC keeps its PCI address
    assert merged.findtext("description") == FULL["description"]
    assert existing.find("./vcpu").get("current") == "1"  # the input is not modified


def test_overrides_are_applied_once_and_detected_when_present():
    override = [
        dict(
            path="./devices",
            xml="<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
            mode="append",
        )
    ]
    root = gx.build_domain(full_spec(xml_overrides=override))
    assert len(root.findall("./devices/rng")) == 1
    assert gx.overrides_applied(root, normalise(dict(FULL, xml_overrides=override), "qemu")["xml_overrides"])
    gx.apply_overrides(root, [dict(override[0])])
    assert len(root.findall("./devices/rng")) == 1
    # libvirt adds attributes and children; the override still counts as applied
    ET.SubElement(root.find("./devices/rng"), "address", type="pci")
    assert gx.overrides_applied(root, override)
    assert not gx.overrides_applied(root, [dict(path="./devices", xml="<rng model='egd'/>", mode="append")])


def test_replace_override_swaps_the_element():
    override = [dict(path="./features", xml="<acpi/><hyperv mode='passthrough'/>", mode="replace")]
    root = gx.build_domain(full_spec(xml_overrides=override))
    assert [e.tag for e in root.find("features")].count("acpi") == 1
    assert root.find("./features/hyperv").get("mode") == "passthrough"


@pytest.mark.parametrize(
    "override, message",
    [
        (dict(path="./nowhere", xml="<a/>", mode="append"), "xml_overrides[0].path: './nowhere' matches no element"),
        (dict(path=".", xml="<a>", mode="append"), "xml_overrides[0].xml: not well-formed XML"),
    ],
)
def test_bad_override_names_the_field(override, message):
    with pytest.raises(SpecError) as err:
        gx.build_domain(full_spec(xml_overrides=[override]))
    assert str(err.value).startswith(message)


def test_parse_reads_libvirt_normalised_forms():
    xml = """<domain type='kvm'><name>x</name><memory unit='GiB'>1</memory>
      <vcpu placement='static'>2</vcpu>
      <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><loader readonly='yes' type='pflash'>/ovmf</loader>
        <boot dev='cdrom'/><boot dev='hd'/></os>
      <cpu mode='host-model' check='partial'/>
      <devices><disk type='network' device='disk'/><interface type='user'/></devices></domain>"""
    parsed = gx.parse_domain(xml)
    assert (parsed["memory"], parsed["max_memory"], parsed["vcpus"]) == (1024**2, 1024**2, 2)
    assert parsed["firmware"] == "uefi"
    assert parsed["boot"]["order"] == ["cdrom", "hd"]
    assert parsed["cpu_mode"] == "host-model" and parsed["cpu_model"] is None
    assert parsed["disks"] == [] and parsed["interfaces"] == []  # kinds the module does not manage
    assert parsed["tb_cache"] == 0 and parsed["serial_log"] is None and parsed["tags"] == []


# Any text a user may put into a name, description, tag or metadata: either refused with an
# error naming the field, or carried through the XML unchanged; never markup.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(name=TEXT, description=TEXT, tags=st.lists(TEXT, max_size=3), key=TEXT, value=TEXT)
def test_arbitrary_text_never_breaks_the_xml(name, description, tags, key, value):
    params = dict(name=name, description=description, tags=tags, metadata={key: value})
    try:
        spec = with_create_defaults(normalise(params, "qemu"))
    except SpecError as exc:
        assert str(exc).startswith(("name: ", "description: ", "tags[", "metadata key: ", "metadata."))
        return
    text = gx.to_xml(gx.build_domain(spec))
    root = ET.fromstring(text)
    assert [e.tag for e in root].count("name") == 1
    parsed = gx.parse_domain(text)
    assert parsed["name"] == name
    assert parsed["description"] == description.replace("\r\n", "\n").replace("\r", "\n")
    assert parsed["tags"] == tags
    assert parsed["metadata"] == {key: value.replace("\r\n", "\n").replace("\r", "\n")}


def test_another_machine_type_drops_controllers_and_addresses():
    existing = gx.build_domain(full_spec())
    ET.SubElement(existing.find("devices"), "controller", type="pci", index="0", model="pcie-root")
    ET.SubElement(existing.find("./devices/interface"), "address", type="pci", bus="0x01")
    merged = gx.merge_domain(existing, full_spec(machine="pc"), ["machine"])
    assert merged.find("./devices/controller") is None
    assert merged.find("./devices/interface/address") is None
    assert merged.find("./devices/interface/mac").get("address") == "52:54:00:00:00:01"  # the MAC stays
