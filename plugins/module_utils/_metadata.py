# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's element inside a domain's <metadata> (private API).

The guest module writes it, guest_info and the inventory plugin read it:

    <b2b:guest xmlns:b2b="urn:born2beroot:virt:1">
      <b2b:tag>web</b2b:tag>
      <b2b:var name="os">debian</b2b:var>
    </b2b:guest>
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

NAMESPACE = "urn:born2beroot:virt:1"
PREFIX = "b2b"
ROOT = "guest"


def build(tags=None, variables=None):
    """Serialise tags (list of str) and variables (dict str -> str) to the metadata element (str)."""
    root = ET.Element("{%s}%s" % (NAMESPACE, ROOT))
    for tag in tags or []:
        ET.SubElement(root, "{%s}tag" % NAMESPACE).text = str(tag)
    for key in sorted(variables or {}):
        ET.SubElement(root, "{%s}var" % NAMESPACE, name=str(key)).text = str(variables[key])
    ET.register_namespace(PREFIX, NAMESPACE)
    return ET.tostring(root, encoding="unicode")


def parse(domain_xml_root):
    """Return (tags, variables) from a parsed <domain> element; ([], {}) when absent."""
    node = domain_xml_root.find("./metadata/{%s}%s" % (NAMESPACE, ROOT))
    if node is None:
        return [], {}
    tags = [el.text or "" for el in node.findall("{%s}tag" % NAMESPACE)]
    variables = {el.get("name"): el.text or "" for el in node.findall("{%s}var" % NAMESPACE)}
    return tags, variables
