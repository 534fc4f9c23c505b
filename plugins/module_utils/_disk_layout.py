# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Encrypted LVM disk layouts: the description users write, checked and turned into a plan
(private API). Pure Python: no libvirt, no libguestfs.

Every layout but ``plain`` is the Born2beRoot shape on an msdos label: partition 1 is a plain
``/boot``, partition 2 an extended partition, partition 5 a LUKS2 container whose mapping
(``crypt_name``) holds one LVM volume group with the logical volumes. ``plan()`` checks the whole
description before anything is written and raises LayoutError naming every bad field.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from ansible_collections.born2beroot.virt.plugins.module_utils._units import SizeError, parse_size

LAYOUTS = ("plain", "mandatory", "bonus", "custom")
UNLOCK_MODES = ("console", "keyfile")
FSTYPES = ("ext4", "ext3", "ext2")
BOOT_FSTYPES = ("ext2", "ext3", "ext4")
SWAP = "swap"
MIB = 1024 * 1024
SECTOR = 512
# Space taken outside the logical volumes, in MiB: the 1 MiB before partition 1, the 1 MiB the
# logical partition's EBR is aligned to, LUKS2's default 16 MiB header, LVM's 1 MiB of metadata.
ALIGNMENT_MIB = 1
EBR_MIB = 1
LUKS2_HEADER_MIB = 16
PV_METADATA_MIB = 1
EXTENT_MIB = 4

# The subject's layouts with lab-sized defaults; the sizes can be changed by name.
PRESETS = {
    "mandatory": (("root", "2560MiB", "/"), ("swap", "512MiB", SWAP), ("home", "1GiB", "/home")),
    "bonus": (
        ("root", "2560MiB", "/"),
        ("swap", "512MiB", SWAP),
        ("home", "512MiB", "/home"),
        ("var", "1GiB", "/var"),
        ("srv", "256MiB", "/srv"),
        ("tmp", "256MiB", "/tmp"),
        ("var-log", "512MiB", "/var/log"),
    ),
}

LAYOUT_OPTIONS = dict(
    name=dict(type="str", required=True, choices=list(LAYOUTS)),
    disk_size=dict(type="str", default="8GiB"),
    boot_size=dict(type="str", default="500MiB"),
    boot_fstype=dict(type="str", default="ext2", choices=list(BOOT_FSTYPES)),
    vg=dict(type="str", default="LVMGroup"),
    crypt_name=dict(type="str", default="vda5_crypt"),
    volumes=dict(
        type="list",
        elements="dict",
        options=dict(
            name=dict(type="str", required=True),
            size=dict(type="str"),
            mount=dict(type="str"),
            fstype=dict(type="str"),
        ),
    ),
)

_LVM_NAME = re.compile(r"^[A-Za-z0-9_.+][A-Za-z0-9_.+-]{0,63}$")
_CRYPT_NAME = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")
_MOUNT = re.compile(r"^/[A-Za-z0-9_.+/-]*$")


class LayoutError(ValueError):
    """The layout cannot be built; the message names each bad field."""


def dm_name(vg, lv):
    """Device-mapper name of an LV: hyphens inside names are doubled (var-log -> var--log)."""
    return "%s-%s" % (vg.replace("-", "--"), lv.replace("-", "--"))


def _size_mib(value, field, errors):
    try:
        size = parse_size(value, field, default_unit="MiB", minimum=MIB)
    except SizeError as exc:
        errors.append(str(exc))
        return None
    if size % MIB:
        errors.append("%s: %r is not a whole number of MiB" % (field, value))
        return None
    return size // MIB


def _round_up(value, step):
    return -(-value // step) * step


def _volume_list(layout, errors):
    """The requested volumes as dicts (name, size, mount, fstype), presets resolved."""
    name, given = layout["name"], layout.get("volumes") or []
    if name == "custom":
        if not given:
            errors.append("layout.volumes: layout custom needs a list of volumes (name, size, mount)")
        return [dict(v, field="layout.volumes[%d]" % i) for i, v in enumerate(given)]
    preset = [dict(name=n, size=s, mount=m, fstype=None, field=None) for n, s, m in PRESETS[name]]
    by_name = {v["name"]: v for v in preset}
    for i, override in enumerate(given):
        field = "layout.volumes[%d]" % i
        volume = by_name.get(override.get("name"))
        if volume is None:
            errors.append(
                "%s.name: %r is not a volume of layout %s (%s); use layout custom for other volumes"
                % (field, override.get("name"), name, ", ".join(by_name))
            )
            continue
        for key in ("mount", "fstype"):
            if override.get(key) not in (None, volume[key] if key == "mount" else None):
                errors.append("%s.%s: layout %s fixes it; only size can be changed" % (field, key, name))
        volume["size"] = override.get("size") or volume["size"]
        volume["field"] = field
    for volume in preset:
        volume["field"] = volume["field"] or "layout %s volume %s" % (name, volume["name"])
    return preset


def _check_volume(volume, errors):
    field, name = volume["field"], volume.get("name")
    if not name or not _LVM_NAME.match(name) or name in (".", "..") or name.startswith(("snapshot", "pvmove")):
        errors.append(
            "%s.name: %r is not a logical volume name (letters, digits, '_', '.', '+', '-'; not first '-';"
            " at most 64 characters)" % (field, name)
        )
    mount = volume.get("mount")
    fstype = volume.get("fstype") or (SWAP if mount == SWAP else "ext4")
    if mount is None:
        errors.append("%s.mount: required: an absolute path such as /home, or 'swap'" % field)
    elif (mount == SWAP) != (fstype == SWAP):
        errors.append(
            "%s: a swap volume has mount 'swap' and fstype swap (mount %r, fstype %r)" % (field, mount, fstype)
        )
    elif mount != SWAP and (not _MOUNT.match(mount) or posixpath.normpath(mount) != mount or "/." in mount):
        errors.append("%s.mount: %r is not a normalised absolute path (e.g. /var/log) or 'swap'" % (field, mount))
    elif mount == "/boot" or mount.startswith("/boot/"):
        errors.append(
            "%s.mount: %r is on the plain /boot partition, not in the encrypted volume group" % (field, mount)
        )
    if fstype not in FSTYPES + (SWAP,):
        errors.append("%s.fstype: %r; valid: %s" % (field, fstype, ", ".join(FSTYPES + (SWAP,))))
    if volume.get("size") is None:
        errors.append("%s.size: required, e.g. 512MiB or 2GiB" % field)
        return None
    size = _size_mib(volume["size"], field + ".size", errors)
    return dict(name=name, size_mib=size, mount=mount, fstype=fstype)


def _check_unique(volumes, requested, errors):
    seen_names, seen_mounts = {}, {}
    for index, volume in enumerate(volumes):
        field = requested[index]["field"]
        if volume["name"] in seen_names:
            errors.append("%s.name: %r is also the name of %s" % (field, volume["name"], seen_names[volume["name"]]))
        seen_names.setdefault(volume["name"], field)
        if volume["mount"] in seen_mounts and volume["mount"] != SWAP:
            errors.append(
                "%s.mount: %r overlaps %s, which is mounted there too"
                % (field, volume["mount"], seen_mounts[volume["mount"]])
            )
        seen_mounts.setdefault(volume["mount"], field)
    if volumes and "/" not in seen_mounts:
        errors.append("layout.volumes: no volume is mounted at / (the root file system)")


def _geometry(layout, volumes, errors):
    """Partition table (sectors) and the MiB the volumes may use; errors when they do not fit."""
    disk = _size_mib(layout.get("disk_size") or "8GiB", "layout.disk_size", errors)
    boot = _size_mib(layout.get("boot_size") or "500MiB", "layout.boot_size", errors)
    if disk is None or boot is None:
        return None
    crypt_mib = disk - ALIGNMENT_MIB - boot - EBR_MIB
    usable = (crypt_mib - LUKS2_HEADER_MIB - PV_METADATA_MIB) // EXTENT_MIB * EXTENT_MIB
    wanted = sum(_round_up(v["size_mib"], EXTENT_MIB) for v in volumes if v["size_mib"])
    if usable <= 0 or wanted > usable:
        errors.append(
            "layout.disk_size: %s is too small: the volumes need %d MiB (sizes rounded up to %d MiB extents),"
            " but after /boot (layout.boot_size %s), the LUKS2 header (%d MiB) and LVM metadata only %d MiB"
            " are left; make layout.disk_size at least %d MiB or the volumes smaller"
            % (
                layout.get("disk_size") or "8GiB",
                wanted,
                EXTENT_MIB,
                layout.get("boot_size") or "500MiB",
                LUKS2_HEADER_MIB,
                max(usable, 0),
                wanted + (disk - usable),
            )
        )
        return None
    boot_start = ALIGNMENT_MIB * MIB // SECTOR
    boot_end = boot_start + boot * MIB // SECTOR - 1
    return dict(
        disk_mib=disk,
        boot_mib=boot,
        free_mib=usable - wanted,
        partitions=[
            dict(number=1, kind="primary", start=boot_start, end=boot_end, use="/boot"),
            dict(number=2, kind="extended", start=boot_end + 1, end=-1, use="extended"),
            dict(number=5, kind="logical", start=boot_end + 1 + EBR_MIB * MIB // SECTOR, end=-1, use="luks2"),
        ],
    )


def plan(layout, passphrase=None, unlock="console"):
    """Check a layout description; return the normalised plan, or raise LayoutError.

    ``layout`` has the keys of LAYOUT_OPTIONS. The plan has the layout's name, vg, crypt_name,
    boot_fstype, unlock, the sizes in MiB, ``partitions`` (msdos, 512-byte sectors, end -1 = to the
    end of the disk) and ``volumes`` (name, size_mib, mount, fstype, device), root first, then in
    mount order. For ``plain`` it has no partitions or volumes.
    """
    errors = []
    name = layout.get("name")
    if name not in LAYOUTS:
        raise LayoutError("layout.name: %r; valid: %s" % (name, ", ".join(LAYOUTS)))
    if name == "plain":
        if layout.get("volumes"):
            errors.append("layout.volumes: layout plain has no volumes (one unencrypted root file system)")
        if errors:
            raise LayoutError("; ".join(errors))
        return dict(name=name, encrypted=False, partitions=[], volumes=[])
    vg, crypt = layout.get("vg") or "LVMGroup", layout.get("crypt_name") or "vda5_crypt"
    if not _LVM_NAME.match(vg):
        errors.append("layout.vg: %r is not a volume group name (letters, digits, '_', '.', '+', '-')" % vg)
    if not _CRYPT_NAME.match(crypt):
        errors.append("layout.crypt_name: %r is not a device-mapper name (letters, digits, '_', '.', '+', '-')" % crypt)
    boot_fstype = layout.get("boot_fstype") or "ext2"
    if boot_fstype not in BOOT_FSTYPES:
        errors.append("layout.boot_fstype: %r; valid: %s" % (boot_fstype, ", ".join(BOOT_FSTYPES)))
    requested = _volume_list(layout, errors)
    volumes = [_check_volume(v, errors) for v in requested]
    checked = [v for v in volumes if v is not None]
    if len(checked) == len(volumes):
        _check_unique(checked, requested, errors)
    geometry = _geometry(layout, checked, errors) if not errors else None
    if unlock not in UNLOCK_MODES:
        errors.append("unlock: %r; valid: %s" % (unlock, ", ".join(UNLOCK_MODES)))
    if passphrase is None or not str(passphrase).strip():
        errors.append("passphrase: required for layout %s (take it from Ansible Vault)" % name)
    elif "\n" in passphrase or "\r" in passphrase:
        errors.append("passphrase: must not contain line breaks (it is typed on the console)")
    if errors:
        raise LayoutError("; ".join(errors))
    for volume in checked:
        volume["device"] = "/dev/mapper/" + dm_name(vg, volume["name"])
    ordered = sorted(
        checked, key=lambda v: (v["mount"] == SWAP, v["mount"].count("/") if v["mount"] != "/" else 0, v["mount"])
    )
    return dict(
        name=name,
        encrypted=True,
        vg=vg,
        crypt_name=crypt,
        boot_fstype=boot_fstype,
        unlock=unlock,
        volumes=ordered,
        **geometry,
    )


def keyfile_path(plan_):
    """Where the lab key file lives in the guest (cryptsetup-initramfs copies it into the initramfs)."""
    return "/etc/cryptsetup-keys.d/%s.key" % plan_["crypt_name"]


def render_crypttab(plan_, luks_uuid):
    key = keyfile_path(plan_) if plan_["unlock"] == "keyfile" else "none"
    # `initramfs`: the hook includes the entry without resolving it on the build host, which has no device-mapper.
    return "%s UUID=%s %s luks,discard,initramfs\n" % (plan_["crypt_name"], luks_uuid, key)


def render_fstab(plan_, boot_uuid):
    lines = ["# <file system> <mount point> <type> <options> <dump> <pass>"]
    for volume in plan_["volumes"]:
        if volume["mount"] == SWAP:
            continue
        options, passno = ("errors=remount-ro", 1) if volume["mount"] == "/" else ("defaults", 2)
        lines.append("%s %s %s %s 0 %d" % (volume["device"], volume["mount"], volume["fstype"], options, passno))
        if volume["mount"] == "/":
            lines.append("UUID=%s /boot %s defaults 0 2" % (boot_uuid, plan_["boot_fstype"]))
    lines += ["%s none swap sw 0 0" % v["device"] for v in plan_["volumes"] if v["mount"] == SWAP]
    return "\n".join(lines) + "\n"


def _node(name, type_, fstype="", mountpoint="", children=None):
    node = dict(name=name, type=type_, fstype=fstype, mountpoint=mountpoint)
    if children:
        node["children"] = sorted(children, key=lambda child: child["name"])
    return node


def expected_lsblk(plan_, disk="vda"):
    """The tree ``lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT /dev/<disk>`` shows in the guest, children
    sorted by name (normalise lsblk's output with ``normalise_lsblk`` to compare)."""
    volumes = [
        _node(dm_name(plan_["vg"], v["name"]), "lvm", v["fstype"], "[SWAP]" if v["mount"] == SWAP else v["mount"])
        for v in plan_["volumes"]
    ]
    crypt = _node(plan_["crypt_name"], "crypt", "LVM2_member", children=volumes)
    partitions = [
        _node(disk + "1", "part", plan_["boot_fstype"], "/boot"),
        _node(disk + "2", "part"),
        _node(disk + "5", "part", "crypto_LUKS", children=[crypt]),
    ]
    return _node(disk, "disk", children=partitions)


def normalise_lsblk(node):
    """One device of ``lsblk -J`` output in expected_lsblk's shape (nulls as '', children sorted)."""
    children = [normalise_lsblk(child) for child in node.get("children") or []]
    return _node(node["name"], node["type"], node.get("fstype") or "", node.get("mountpoint") or "", children=children)


def render_kickstart(plan_, passphrase=None, disk="vda"):
    """The plan as kickstart partitioning for Rocky/RHEL's Anaconda. Without ``passphrase`` the
    installer asks for one on the console."""
    secret = " --passphrase=%s" % shlex.quote(passphrase) if passphrase else ""
    lines = [
        "# Disk layout %s, generated by born2beroot.virt (the same description as the Debian image)" % plan_["name"],
        "ignoredisk --only-use=%s" % disk,
        "zerombr",
        "clearpart --all --initlabel --disklabel=msdos --drives=%s" % disk,
        "bootloader --location=mbr --boot-drive=%s" % disk,
        "part /boot --fstype=%s --size=%d --asprimary --ondisk=%s" % (plan_["boot_fstype"], plan_["boot_mib"], disk),
        "part pv.01 --size=1 --grow --ondisk=%s --encrypted --luks-version=luks2%s" % (disk, secret),
        "volgroup %s pv.01" % plan_["vg"],
    ]
    for volume in plan_["volumes"]:
        lines.append(
            "logvol %s --vgname=%s --name=%s --fstype=%s --size=%d"
            % (volume["mount"], plan_["vg"], volume["name"], volume["fstype"], volume["size_mib"])
        )
    return "\n".join(lines) + "\n"
