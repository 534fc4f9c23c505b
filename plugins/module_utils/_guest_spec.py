# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guest spec: validate and normalise what the user wrote (private API, pure Python).

A normalised spec is a dict with one key per managed field (see FIELDS). A value of
None means "not managed": the guest keeps what it has (or gets CREATE_DEFAULTS when it
is created). Sizes are KiB integers, as libvirt stores them.
"""

from __future__ import annotations

import re

from ansible_collections.born2beroot.virt.plugins.module_utils._units import SizeError, parse_size

KIB = 1024
MIB_IN_KIB = 1024

VIRT_TYPES = ("auto", "qemu", "kvm")
FIRMWARES = ("bios", "uefi")
CPU_MODES = ("host-model", "host-passthrough", "maximum", "custom")
DISK_DEVICES = ("disk", "cdrom")
DISK_BUSES = {"virtio": "vd", "sata": "sd", "scsi": "sd", "usb": "sd", "ide": "hd"}
BOOT_DEVICES = ("hd", "cdrom", "network", "fd")
ADDRESS_SOURCES = ("lease", "agent", "arp")
OVERRIDE_MODES = ("replace", "append")

# Every field the module manages, in the order they are compared and reported.
FIELDS = (
    "virt_type",
    "arch",
    "machine",
    "memory",
    "max_memory",
    "vcpus",
    "max_vcpus",
    "cpu_mode",
    "cpu_model",
    "firmware",
    "boot",
    "tb_cache",
    "disks",
    "interfaces",
    "serial_log",
    "guest_agent",
    "description",
    "tags",
    "metadata",
    "cloud_init",
    "xml_overrides",
)

DEFAULT_NETWORK = "default"
DEFAULT_TB_CACHE = 64 * MIB_IN_KIB
CREATE_DEFAULTS = dict(
    arch="x86_64",
    memory=512 * MIB_IN_KIB,
    vcpus=1,
    firmware="bios",
    disks=[],
    serial_log="",
    interfaces=[dict(type="network", source=DEFAULT_NETWORK, model="virtio", mac=None)],
    guest_agent=True,
    tags=[],
    metadata={},
)

_MAX_NAME_BYTES = 200  # libvirt stores <name>.xml(.new) in a directory: stay under NAME_MAX
_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_WORD_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_TARGET_RE = re.compile(r"^(vd|sd|hd|xvd)[a-z]+$")
# Characters XML 1.0 cannot carry at all, plus lone surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


class SpecError(ValueError):
    """Invalid user input; the message starts with the field name and says what is valid."""


def _fail(field, message):
    raise SpecError("%s: %s" % (field, message))


def check_label(value, field):
    """A one-line label (guest name, tag, metadata key): printable, no control characters."""
    value = str(value)
    if not value:
        _fail(field, "must not be empty")
    if _CONTROL.search(value) or _NOT_XML.search(value):
        _fail(field, "%r contains a control character or a character XML cannot carry" % value)
    return value


def check_text(value, field):
    """Free text (description, metadata value): line breaks are normalised to \\n."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if _NOT_XML.search(value):
        _fail(field, "%r contains a character XML cannot carry (NUL or another control character)" % value)
    return value


def check_name(name):
    name = check_label(name, "name")
    if "/" in name:
        _fail("name", "%r must not contain '/'" % name)
    size = len(name.encode("utf-8"))
    if size > _MAX_NAME_BYTES:
        _fail("name", "is %d bytes long in UTF-8; at most %d are allowed" % (size, _MAX_NAME_BYTES))
    return name


def _kib(value, field, default_unit="MiB", minimum=1):
    try:
        size = parse_size(value, field, default_unit=default_unit, minimum=minimum)
    except SizeError as exc:
        raise SpecError(str(exc)) from exc
    if size % (MIB_IN_KIB * KIB):
        _fail(field, "%r is not a whole number of MiB; use e.g. 512MiB or 2GiB" % (value,))
    return size // KIB


def _word(value, field, what):
    if value is not None and not _WORD_RE.match(str(value)):
        _fail(field, "%r is not a valid %s (letters, digits, '_', '.', '+', '-')" % (value, what))
    return value


def resolve_virt_type(requested, kvm_advertised, allow_kvm):
    """The domain type to use. ``auto`` is ``kvm`` only when the host advertises KVM AND the
    user vouched that KVM boots ordinary guests (``allow_kvm``), else ``qemu`` (TCG)."""
    if requested in (None, "auto"):
        return "kvm" if (allow_kvm and kvm_advertised) else "qemu"
    return requested


def _memory(params, spec):
    spec["memory"] = _kib(params["memory"], "memory") if params.get("memory") is not None else None
    max_memory = params.get("max_memory")
    spec["max_memory"] = _kib(max_memory, "max_memory") if max_memory is not None else spec["memory"]
    if spec["memory"] and spec["max_memory"] and spec["max_memory"] < spec["memory"]:
        _fail("max_memory", "must be at least memory (%s)" % params["memory"])


def _vcpus(params, spec):
    for field in ("vcpus", "max_vcpus"):
        if params.get(field) is not None and params[field] < 1:
            _fail(field, "must be at least 1, got %d" % params[field])
    spec["vcpus"] = params.get("vcpus")
    spec["max_vcpus"] = params.get("max_vcpus") or spec["vcpus"]
    if spec["vcpus"] and spec["max_vcpus"] and spec["max_vcpus"] < spec["vcpus"]:
        _fail("max_vcpus", "must be at least vcpus (%d)" % spec["vcpus"])


def _cpu(params, spec, virt_type):
    mode, model = params.get("cpu_mode"), params.get("cpu_model")
    if model is not None and mode not in (None, "custom"):
        _fail("cpu_model", "is only used with cpu_mode=custom, not %s" % mode)
    if model is not None:
        mode = "custom"
    if mode == "custom" and not model:
        _fail("cpu_model", "is required with cpu_mode=custom (e.g. qemu64, Haswell)")
    if mode == "host-passthrough" and virt_type == "qemu":
        _fail("cpu_mode", "host-passthrough needs virt_type=kvm; with qemu (TCG) use maximum or host-model")
    spec["cpu_mode"], spec["cpu_model"] = mode, _word(model, "cpu_model", "CPU model")


def _boot(boot):
    if boot is None:
        return None
    order = boot.get("order")
    for i, dev in enumerate(order or []):
        if dev not in BOOT_DEVICES:
            _fail("boot.order[%d]" % i, "%r is not one of %s" % (dev, ", ".join(BOOT_DEVICES)))
    if boot.get("initrd") and not boot.get("kernel"):
        _fail("boot.initrd", "needs boot.kernel (direct kernel boot)")
    if boot.get("cmdline") and not boot.get("kernel"):
        _fail("boot.cmdline", "needs boot.kernel (direct kernel boot)")
    for field in ("kernel", "initrd", "cmdline"):
        if boot.get(field) is not None:
            check_label(boot[field], "boot." + field)
    return dict(
        order=list(order) if order else None,
        kernel=boot.get("kernel") or None,
        initrd=boot.get("initrd") or None,
        cmdline=boot.get("cmdline") or None,
    )


def _tb_cache(params, virt_type):
    value = params.get("tb_cache")
    if value is None:
        return None
    size = _kib(value, "tb_cache", minimum=0)
    if size and virt_type != "qemu":
        _fail("tb_cache", "only applies to virt_type=qemu (TCG), not %s; leave it unset" % virt_type)
    return size


def default_format(path, device):
    if device == "disk" and path.endswith(".qcow2"):
        return "qcow2"
    return "raw"


def normalise_disk(disk, field):
    """One entry of ``disks``: exactly one source (pool+volume or path)."""
    device = disk.get("device") or "disk"
    if device not in DISK_DEVICES:
        _fail(field + ".device", "%r is not one of %s" % (device, ", ".join(DISK_DEVICES)))
    path, volume, pool = disk.get("path"), disk.get("volume"), disk.get("pool")
    if bool(path) == bool(volume):
        _fail(field, "give either path or volume (with pool), not %s" % ("both" if path else "neither"))
    if path and pool:
        _fail(field + ".pool", "is only used with volume, not with path")
    if path and not path.startswith("/"):
        _fail(field + ".path", "%r must be an absolute path on the hypervisor host" % path)
    bus = disk.get("bus") or ("sata" if device == "cdrom" else "virtio")
    if bus not in DISK_BUSES:
        _fail(field + ".bus", "%r is not one of %s" % (bus, ", ".join(DISK_BUSES)))
    target = disk.get("target")
    if target is not None and not _TARGET_RE.match(target):
        _fail(field + ".target", "%r is not a disk target such as vda, sdb or hdc" % target)
    if volume:
        check_label(volume, field + ".volume")
        source = dict(type="volume", pool=check_label(pool or "default", field + ".pool"), volume=volume)
    else:
        check_label(path, field + ".path")
        source = dict(type="block" if path.startswith("/dev/") else "file", path=path)
    readonly = disk.get("readonly")
    fmt = _word(disk.get("format"), field + ".format", "disk format")
    return dict(
        device=device,
        source=source,
        bus=bus,
        target=target,
        readonly=(device == "cdrom") if readonly is None else bool(readonly),
        format=fmt or (default_format(path, device) if path else None),
    )


def normalise_interface(nic, field):
    network, bridge = nic.get("network"), nic.get("bridge")
    if bool(network) == bool(bridge):
        _fail(field, "give either network or bridge, not %s" % ("both" if network else "neither"))
    mac = nic.get("mac")
    if mac is not None:
        mac = str(mac).lower()
        if not _MAC_RE.match(mac):
            _fail(field + ".mac", "%r is not a MAC address like 52:54:00:12:34:56" % nic["mac"])
        if int(mac[:2], 16) & 1:
            _fail(field + ".mac", "%r is a multicast address; the first octet must be even" % mac)
    kind = "network" if network else "bridge"
    return dict(
        type=kind,
        source=check_label(network or bridge, "%s.%s" % (field, kind)),
        model=_word(nic.get("model") or "virtio", field + ".model", "NIC model"),
        mac=mac,
    )


def _overrides(overrides):
    if overrides is None:
        return None
    result = []
    for i, item in enumerate(overrides):
        field = "xml_overrides[%d]" % i
        mode = item.get("mode") or "replace"
        if mode not in OVERRIDE_MODES:
            _fail(field + ".mode", "%r is not one of %s" % (mode, ", ".join(OVERRIDE_MODES)))
        if not item.get("xml"):
            _fail(field + ".xml", "is required: one or more XML elements")
        result.append(dict(path=item.get("path") or ".", xml=item["xml"], mode=mode))
    return result


def _labels(values, field):
    return None if values is None else [check_label(v, "%s[%d]" % (field, i)) for i, v in enumerate(values)]


def _metadata(values):
    if values is None:
        return None
    return {check_label(k, "metadata key"): check_text(v, "metadata.%s" % k) for k, v in values.items()}


def _list(values, field, normaliser):
    if values is None:
        return None
    return [normaliser(item, "%s[%d]" % (field, i)) for i, item in enumerate(values)]


def normalise(params, virt_type):
    """Validate module params and return the normalised spec; raise SpecError naming the field."""
    spec = dict(name=check_name(params["name"]), virt_type=virt_type)
    spec["arch"] = _word(params.get("arch"), "arch", "architecture")
    spec["machine"] = _word(params.get("machine"), "machine", "machine type")
    _memory(params, spec)
    _vcpus(params, spec)
    _cpu(params, spec, virt_type)
    spec["firmware"] = params.get("firmware")
    spec["boot"] = _boot(params.get("boot"))
    spec["tb_cache"] = _tb_cache(params, virt_type)
    spec["disks"] = _list(params.get("disks"), "disks", normalise_disk)
    spec["interfaces"] = _list(params.get("interfaces"), "interfaces", normalise_interface)
    serial_log = params.get("serial_log")
    if serial_log and not serial_log.startswith("/"):
        _fail("serial_log", "%r must be an absolute path on the hypervisor host ('' for a pty console)" % serial_log)
    spec["serial_log"] = None if serial_log is None else check_label(serial_log, "serial_log") if serial_log else ""
    spec["guest_agent"] = params.get("guest_agent")
    description = params.get("description")
    spec["description"] = None if description is None else check_text(description, "description")
    spec["tags"] = _labels(params.get("tags"), "tags")
    spec["metadata"] = _metadata(params.get("metadata"))
    spec["cloud_init"] = None  # the seed's sha256, filled in by the manager
    spec["xml_overrides"] = _overrides(params.get("xml_overrides"))
    return spec


def with_create_defaults(spec):
    """Fill unmanaged fields of a guest that is about to be created."""
    result = dict(spec)
    for field, value in CREATE_DEFAULTS.items():
        if result.get(field) is None:
            result[field] = value
    if spec.get("memory") is None and spec.get("max_memory") is not None:
        result["memory"] = min(result["max_memory"], CREATE_DEFAULTS["memory"])
    result["max_memory"] = result.get("max_memory") or result["memory"]
    result["max_vcpus"] = result.get("max_vcpus") or result["vcpus"]
    if result.get("tb_cache") is None:
        result["tb_cache"] = DEFAULT_TB_CACHE if result["virt_type"] == "qemu" else 0
    return result
