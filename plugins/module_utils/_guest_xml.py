# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest spec <-> libvirt domain XML (private API, pure Python, ElementTree only).

Each managed field has a reader (domain element -> value) and a writer (value -> domain
element, in place). ``build_domain`` writes every field into a fresh domain; ``parse_domain``
reads every field back; ``merge_domain`` rewrites only the given fields of an existing
definition, so libvirt's own values (uuid, PCI addresses, controllers, ...) stay untouched.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from ansible_collections.born2beroot.virt.plugins.module_utils import _metadata
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_spec import FIELDS, SpecError

AGENT_CHANNEL = "org.qemu.guest_agent.0"
SEED_TAG = "{%s}seed" % _metadata.NAMESPACE
_UNITS = {
    "b": 1,
    "bytes": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
    "t": 1024**4,
    "tib": 1024**4,
}
_KNOWN_PREFIXES = {_metadata.NAMESPACE: _metadata.PREFIX}
DISK_TYPES = ("file", "block", "volume")
NIC_TYPES = ("network", "bridge")


def _sub(parent, tag, text=None, **attrs):
    elem = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        elem.text = str(text)
    return elem


def _child(parent, tag):
    """parent/tag, created when missing."""
    elem = parent.find(tag)
    return elem if elem is not None else _sub(parent, tag)


def _remove_all(parent, tag):
    for elem in parent.findall(tag):
        parent.remove(elem)


def _insert_near(parent, elem):
    """Insert after the last sibling with the same tag (libvirt's device order), else append."""
    same = [i for i, child in enumerate(parent) if child.tag == elem.tag]
    parent.insert(same[-1] + 1 if same else len(parent), elem)


def _kib(elem):
    if elem is None or elem.text is None:
        return None
    return int(elem.text.strip()) * _UNITS[(elem.get("unit") or "KiB").lower()] // 1024


# --- scalar fields --------------------------------------------------------------------------


def _os_type(root):
    return _child(_child(root, "os"), "type")


def _read_cpu(root):
    cpu = root.find("cpu")
    if cpu is None:
        return None, None
    mode = cpu.get("mode") or ("custom" if cpu.find("model") is not None else None)
    return mode, (cpu.findtext("model") if mode == "custom" else None)


def _write_cpu(root, spec):
    _remove_all(root, "cpu")
    if spec["cpu_mode"]:
        cpu = _sub(root, "cpu", mode=spec["cpu_mode"])
        if spec["cpu_mode"] == "custom":
            _sub(cpu, "model", spec["cpu_model"], fallback="allow")


def _write_memory(root, spec):
    _child(root, "memory").attrib = {"unit": "KiB"}
    root.find("memory").text = str(spec["max_memory"])
    _child(root, "currentMemory").attrib = {"unit": "KiB"}
    root.find("currentMemory").text = str(spec["memory"])


def _read_vcpus(root):
    vcpu = root.find("vcpu")
    if vcpu is None:
        return None, None
    maximum = int(vcpu.text.strip())
    return int(vcpu.get("current", maximum)), maximum


def _write_vcpus(root, spec):
    vcpu = _child(root, "vcpu")
    vcpu.text = str(spec["max_vcpus"])
    vcpu.attrib.pop("current", None)
    if spec["vcpus"] != spec["max_vcpus"]:
        vcpu.set("current", str(spec["vcpus"]))


def _read_firmware(root):
    os_elem = root.find("os")
    if os_elem is None:
        return "bios"
    if os_elem.get("firmware") == "efi" or os_elem.find("loader[@type='pflash']") is not None:
        return "uefi"
    return "bios"


def _write_firmware(root, spec):
    os_elem = _child(root, "os")
    _remove_all(os_elem, "loader")
    _remove_all(os_elem, "nvram")
    _remove_all(os_elem, "firmware")
    os_elem.attrib.pop("firmware", None)
    if spec["firmware"] == "uefi":
        os_elem.set("firmware", "efi")


def _read_boot(root):
    os_elem = root.find("os")
    if os_elem is None:
        return dict(order=None, kernel=None, initrd=None, cmdline=None)
    order = [b.get("dev") for b in os_elem.findall("boot")]
    return dict(
        order=order or None,
        kernel=os_elem.findtext("kernel"),
        initrd=os_elem.findtext("initrd"),
        cmdline=os_elem.findtext("cmdline"),
    )


def _write_boot(root, spec):
    os_elem = _child(root, "os")
    for tag in ("kernel", "initrd", "cmdline", "boot"):
        _remove_all(os_elem, tag)
    boot = spec["boot"]
    for tag in ("kernel", "initrd", "cmdline"):
        if boot.get(tag):
            _sub(os_elem, tag, boot[tag])
    for dev in boot.get("order") or []:
        _sub(os_elem, "boot", dev=dev)


def _write_tb_cache(root, spec):
    features = _child(root, "features")
    tcg = features.find("tcg")
    if tcg is not None:
        _remove_all(tcg, "tb-cache")
        if not len(tcg):
            features.remove(tcg)
    if spec["tb_cache"]:
        _sub(_child(features, "tcg"), "tb-cache", spec["tb_cache"], unit="KiB")


def _write_description(root, spec):
    _remove_all(root, "description")
    if spec["description"]:
        elem = ET.Element("description")
        elem.text = spec["description"]
        root.insert(2 if root.find("uuid") is not None else 1, elem)


def _read_b2b(root):
    node = root.find("./metadata/{%s}%s" % (_metadata.NAMESPACE, _metadata.ROOT))
    seed = node.find(SEED_TAG) if node is not None else None
    return _metadata.parse(root) + ((seed.get("sha256") if seed is not None else None),)


def _write_b2b(root, spec):
    metadata = _child(root, "metadata")
    _remove_all(metadata, "{%s}%s" % (_metadata.NAMESPACE, _metadata.ROOT))
    node = ET.fromstring(_metadata.build(spec["tags"], spec["metadata"]))
    if spec["cloud_init"]:
        _sub(node, SEED_TAG, sha256=spec["cloud_init"])
    metadata.append(node)


# --- devices --------------------------------------------------------------------------------


def read_disk(elem):
    """A <disk> as a spec entry, or None for kinds the module does not manage."""
    kind, device = elem.get("type"), elem.get("device", "disk")
    if kind not in DISK_TYPES or device not in ("disk", "cdrom"):
        return None
    src = elem.find("source")
    src = src.attrib if src is not None else {}
    if kind == "volume":
        source = dict(type="volume", pool=src.get("pool"), volume=src.get("volume"))
    else:
        source = dict(type=kind, path=src.get("file" if kind == "file" else "dev"))
    target = elem.find("target")
    target = target.attrib if target is not None else {}
    driver = elem.find("driver")
    return dict(
        device=device,
        source=source,
        bus=target.get("bus"),
        target=target.get("dev"),
        readonly=elem.find("readonly") is not None,
        format=driver.get("type") if driver is not None else None,
    )


def disk_element(disk):
    src = disk["source"]
    elem = ET.Element("disk", type=src["type"], device=disk["device"])
    _sub(elem, "driver", name="qemu", type=disk.get("format"))
    if src["type"] == "volume":
        _sub(elem, "source", pool=src["pool"], volume=src["volume"])
    else:
        _sub(elem, "source", **{"file" if src["type"] == "file" else "dev": src["path"]})
    _sub(elem, "target", dev=disk["target"], bus=disk["bus"])
    if disk["readonly"]:
        _sub(elem, "readonly")
    return elem


def read_interface(elem):
    kind = elem.get("type")
    if kind not in NIC_TYPES:
        return None
    source, model, mac = elem.find("source"), elem.find("model"), elem.find("mac")
    return dict(
        type=kind,
        source=source.get(kind) if source is not None else None,
        model=model.get("type") if model is not None else None,
        mac=mac.get("address").lower() if mac is not None else None,
    )


def interface_element(nic):
    elem = ET.Element("interface", type=nic["type"])
    if nic.get("mac"):
        _sub(elem, "mac", address=nic["mac"])
    _sub(elem, "source", **{nic["type"]: nic["source"]})
    _sub(elem, "model", type=nic["model"])
    return elem


def _device_writer(tag, reader, builder, field):
    def write(root, spec):
        devices = _child(root, "devices")
        wanted = list(spec[field])
        for elem in devices.findall(tag):
            current = reader(elem)
            if current is None:
                continue
            if current in wanted:
                wanted.remove(current)
            else:
                devices.remove(elem)
        for item in wanted:
            _insert_near(devices, builder(item))

    return write


def _read_devices(root, tag, reader):
    items = [reader(elem) for elem in root.findall("./devices/" + tag)]
    return [item for item in items if item is not None]


def _read_serial(root):
    serial = root.find("./devices/serial")
    if serial is None:
        return None
    if serial.get("type") == "file":
        return serial.find("source").get("path")
    return "" if serial.get("type") == "pty" else serial.get("type")


def _write_serial(root, spec):
    devices = _child(root, "devices")
    _remove_all(devices, "serial")
    _remove_all(devices, "console")
    if spec["serial_log"]:
        _sub(_sub(devices, "serial", type="file"), "source", path=spec["serial_log"])
    else:
        _sub(devices, "serial", type="pty")
        _sub(devices, "console", type="pty")


def _agent_channels(root):
    return [c for c in root.findall("./devices/channel") if c.find("target[@name='%s']" % AGENT_CHANNEL) is not None]


def _write_agent(root, spec):
    devices = _child(root, "devices")
    for channel in _agent_channels(root):
        devices.remove(channel)
    if spec["guest_agent"]:
        _sub(_sub(devices, "channel", type="unix"), "target", type="virtio", name=AGENT_CHANNEL)


# --- field table ----------------------------------------------------------------------------

READERS = dict(
    virt_type=lambda r: r.get("type"),
    arch=lambda r: r.find("./os/type").get("arch") if r.find("./os/type") is not None else None,
    machine=lambda r: r.find("./os/type").get("machine") if r.find("./os/type") is not None else None,
    memory=lambda r: _kib(r.find("currentMemory")) or _kib(r.find("memory")),
    max_memory=lambda r: _kib(r.find("memory")),
    vcpus=lambda r: _read_vcpus(r)[0],
    max_vcpus=lambda r: _read_vcpus(r)[1],
    cpu_mode=lambda r: _read_cpu(r)[0],
    cpu_model=lambda r: _read_cpu(r)[1],
    firmware=_read_firmware,
    boot=_read_boot,
    tb_cache=lambda r: _kib(r.find("./features/tcg/tb-cache")) or 0,
    disks=lambda r: _read_devices(r, "disk", read_disk),
    interfaces=lambda r: _read_devices(r, "interface", read_interface),
    serial_log=_read_serial,
    guest_agent=lambda r: bool(_agent_channels(r)),
    description=lambda r: r.findtext("description") or "",
    tags=lambda r: _read_b2b(r)[0],
    metadata=lambda r: _read_b2b(r)[1],
    cloud_init=lambda r: _read_b2b(r)[2],
)


def _set_os_type(attr):
    def write(root, spec):
        elem = _os_type(root)
        elem.text = "hvm"
        elem.attrib.pop(attr, None)
        if spec[attr]:
            elem.set(attr, spec[attr])

    return write


WRITERS = dict(
    virt_type=lambda r, s: r.set("type", s["virt_type"]),
    arch=_set_os_type("arch"),
    machine=_set_os_type("machine"),
    memory=_write_memory,
    max_memory=_write_memory,
    vcpus=_write_vcpus,
    max_vcpus=_write_vcpus,
    cpu_mode=_write_cpu,
    cpu_model=_write_cpu,
    firmware=_write_firmware,
    boot=_write_boot,
    tb_cache=_write_tb_cache,
    disks=_device_writer("disk", read_disk, disk_element, "disks"),
    interfaces=_device_writer("interface", read_interface, interface_element, "interfaces"),
    serial_log=_write_serial,
    guest_agent=_write_agent,
    description=_write_description,
    tags=_write_b2b,
    metadata=_write_b2b,
    cloud_init=_write_b2b,
)


# --- xml_overrides --------------------------------------------------------------------------


def _fragment(override, index):
    try:
        return list(ET.fromstring("<fragment>" + override["xml"] + "</fragment>"))
    except ET.ParseError as exc:
        raise SpecError("xml_overrides[%d].xml: not well-formed XML (%s)" % (index, exc)) from exc


def _override_target(root, override, index):
    target = root if override["path"] in (".", "") else root.find(override["path"])
    if target is None:
        raise SpecError(
            "xml_overrides[%d].path: %r matches no element of the domain XML; use an ElementTree "
            "path such as ./devices or ./features" % (index, override["path"])
        )
    return target


def _contains(have, want):
    """True when element ``have`` carries everything ``want`` says (attributes, text, children)."""
    if have.tag != want.tag or any(have.get(k) != v for k, v in want.attrib.items()):
        return False
    if (want.text or "").strip() and (have.text or "").strip() != want.text.strip():
        return False
    return all(any(_contains(h, w) for h in have) for w in want)


def overrides_applied(root, overrides):
    """True when every override is already present in the domain ``root``."""
    for index, override in enumerate(overrides or []):
        target = root if override["path"] in (".", "") else root.find(override["path"])
        if target is None:
            return False
        if not all(any(_contains(have, want) for have in target) for want in _fragment(override, index)):
            return False
    return True


def apply_overrides(root, overrides):
    for index, override in enumerate(overrides or []):
        target = _override_target(root, override, index)
        for elem in _fragment(override, index):
            if any(_contains(have, elem) for have in target):
                continue
            if override["mode"] == "replace":
                _remove_all(target, elem.tag)
            _insert_near(target, elem)


# --- whole domains --------------------------------------------------------------------------


def parse_domain(xml):
    """Domain XML (str or Element) -> dict with ``name``, ``uuid`` and every readable field."""
    root = ET.fromstring(xml) if isinstance(xml, str) else xml
    spec = {field: reader(root) for field, reader in READERS.items()}
    spec.update(name=root.findtext("name"), uuid=root.findtext("uuid"))
    return spec


def build_domain(spec):
    """A new domain Element from a complete spec (see _guest_spec.with_create_defaults)."""
    root = ET.Element("domain", type=spec["virt_type"])
    _sub(root, "name", spec["name"])
    _write_memory(root, spec)
    _os_type(root)
    _sub(_child(root, "features"), "acpi")
    done = set()
    for field in FIELDS:
        writer = WRITERS.get(field)
        if writer is not None and writer not in done and spec.get(field) is not None:
            writer(root, spec)
            done.add(writer)
    apply_overrides(root, spec.get("xml_overrides"))
    return root


def _forget_device_layout(root):
    """Drop controllers and device addresses: another machine type (pc vs q35) needs its own."""
    devices = _child(root, "devices")
    _remove_all(devices, "controller")
    for device in devices:
        _remove_all(device, "address")


def merge_domain(existing, spec, fields):
    """A copy of the existing domain Element with only ``fields`` rewritten from ``spec``."""
    root = copy.deepcopy(existing)
    if "machine" in fields or "arch" in fields:
        _forget_device_layout(root)
    done = set()
    for field in fields:
        writer = WRITERS.get(field)
        if writer is not None and writer not in done:
            writer(root, spec)
            done.add(writer)
    if "xml_overrides" in fields:
        apply_overrides(root, spec["xml_overrides"])
    return root


def _inline_namespaces(elem, in_scope):
    """Turn ElementTree's {uri}tag names into prefix:tag with a local xmlns declaration, so that
    foreign elements (our <metadata> child) stay self-contained as libvirt expects."""
    if elem.tag.startswith("{"):
        uri, local = elem.tag[1:].split("}", 1)
        if uri not in in_scope:
            prefix = _KNOWN_PREFIXES.get(uri) or "ns%d" % len(in_scope)
            in_scope = dict(in_scope, **{uri: prefix})
            elem.set("xmlns:" + prefix, uri)
        elem.tag = "%s:%s" % (in_scope[uri], local)
    for child in elem:
        _inline_namespaces(child, in_scope)


def to_xml(root):
    """Indented XML text of a domain Element (a copy is serialised; ``root`` is untouched)."""
    root = copy.deepcopy(root)
    _inline_namespaces(root, {})
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def normalise_xml(xml):
    """libvirt's XML text re-serialised the way ``to_xml`` writes ours, so diffs compare like with like."""
    return to_xml(ET.fromstring(xml)) if xml else ""
