"""Live changes to a running guest. The test driver cannot hot-plug devices, so a recording
stand-in for the domain plays libvirt's part here; the module tests cover the fallback."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _guest_xml as gx
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_live import apply_live, b2b_element_text

libvirt = pytest.importorskip("libvirt")

LIVE = """<domain><devices>
  <disk type='file' device='disk'><source file='/old.img'/><target dev='vdb' bus='virtio'/>
    <alias name='virtio-disk1'/></disk>
  <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><model type='virtio'/>
    <alias name='net0'/></interface>
</devices></domain>"""
PERSISTENT = """<domain><devices>
  <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/new.img'/>
    <target dev='vdc' bus='virtio'/><address type='pci' bus='0x07'/></disk>
  <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/>
    <model type='virtio'/></interface>
  <interface type='network'><mac address='52:54:00:9a:bc:de'/><source network='lab'/><model type='virtio'/>
    <address type='pci' bus='0x08'/></interface>
</devices></domain>"""


class RecordingDomain:
    def __init__(self):
        self.calls = []

    def XMLDesc(self, flags):  # noqa: N802 - libvirt's name
        return PERSISTENT if flags & libvirt.VIR_DOMAIN_XML_INACTIVE else LIVE

    def attachDeviceFlags(self, xml, flags):  # noqa: N802
        self.calls.append(("attach", ET.fromstring(xml), flags))

    def detachDeviceFlags(self, xml, flags):  # noqa: N802
        self.calls.append(("detach", ET.fromstring(xml), flags))

    def setMetadata(self, kind, text, key, uri, flags):  # noqa: N802
        self.calls.append(("metadata", kind, text, key, uri, flags))


def existing():
    old = gx.parse_domain(LIVE)
    return dict(old, disks=[dict(old["disks"][0], format="raw")])


def test_removed_disk_is_detached_and_new_one_attached_without_its_address():
    dom = RecordingDomain()
    apply_live(dom, "disks", {}, existing())
    (detach, old, flags), (attach, new, _flags) = dom.calls
    assert (detach, old.find("alias").get("name"), flags) == ("detach", "virtio-disk1", libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert (attach, new.find("source").get("file"), new.find("address")) == ("attach", "/new.img", None)


def test_new_nic_is_attached_with_the_mac_of_the_definition():
    dom = RecordingDomain()
    apply_live(dom, "interfaces", {}, existing())
    assert [(c[0], c[1].find("mac").get("address")) for c in dom.calls] == [("attach", "52:54:00:9a:bc:de")]


def test_tags_are_set_live_without_namespace_prefix():
    dom = RecordingDomain()
    apply_live(dom, "tags", dict(tags=["a&b"], metadata={}, cloud_init=None), {})
    kind, text, key, uri = dom.calls[0][1:5]
    assert (kind, key, uri) == (libvirt.VIR_DOMAIN_METADATA_ELEMENT, "b2b", "urn:born2beroot:virt:1")
    assert text == b2b_element_text(dict(tags=["a&b"], metadata={}, cloud_init=None))
    assert text == "<guest><tag>a&amp;b</tag></guest>"
