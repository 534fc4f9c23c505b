# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply one changed field to a running guest (private API).

Called after the persistent definition was updated, so only the live side is touched
here (AFFECT_LIVE). Devices to attach are taken from the new persistent definition, so
a NIC gets the same MAC live as it has in the definition.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from ansible_collections.born2beroot.virt.plugins.module_utils import _guest_xml as gx
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import libvirt
from ansible_collections.born2beroot.virt.plugins.module_utils._metadata import NAMESPACE, PREFIX

# field: (element, reader, path of the running guest's element for an item); targets and MACs are validated
DEVICES = {
    "disks": ("disk", gx.read_disk, lambda item: "./devices/disk/target[@dev='%s']/.." % item["target"]),
    "interfaces": (
        "interface",
        gx.read_interface,
        lambda item: "./devices/interface/mac[@address='%s']/.." % item["mac"],
    ),
}


def _device_xml(elem):
    elem = copy.deepcopy(elem)
    for address in elem.findall("address"):
        elem.remove(address)
    return ET.tostring(elem, encoding="unicode")


def _change_devices(dom, field, existing):
    live = libvirt.VIR_DOMAIN_AFFECT_LIVE
    tag, reader, locate = DEVICES[field]
    persistent = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    wanted = [reader(e) for e in persistent.findall("./devices/" + tag)]
    running = ET.fromstring(dom.XMLDesc(0))
    for item in existing[field]:
        if item not in wanted:
            elem = running.find(locate(item))
            if elem is not None:
                dom.detachDeviceFlags(_device_xml(elem), live)
    for elem in persistent.findall("./devices/" + tag):
        item = reader(elem)
        if item is not None and item not in existing[field]:
            dom.attachDeviceFlags(_device_xml(elem), live)


def b2b_element_text(spec):
    """Our metadata element without namespace, as virDomainSetMetadata wants it."""
    root = ET.Element("domain")
    gx.WRITERS["tags"](root, spec)
    node = root.find("./metadata/{%s}guest" % NAMESPACE)
    for elem in node.iter():
        elem.tag = elem.tag.split("}", 1)[-1]
    return ET.tostring(node, encoding="unicode")


def apply_live(dom, field, desired, existing):
    """Make the running guest's ``field`` match ``desired``; libvirtError when it cannot."""
    live = libvirt.VIR_DOMAIN_AFFECT_LIVE
    if field == "memory":
        dom.setMemoryFlags(desired["memory"], live)
    elif field == "vcpus":
        dom.setVcpusFlags(desired["vcpus"], live)
    elif field in DEVICES:
        _change_devices(dom, field, existing)
    elif field == "description":
        dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, desired["description"] or None, None, None, live)
    elif field in ("tags", "metadata"):
        dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, b2b_element_text(desired), PREFIX, NAMESPACE, live)
    else:
        raise ValueError("%s cannot be changed on a running guest" % field)
