# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the guest module asks the hypervisor: capabilities, networks, pools, volumes (private API).

Lookups of things the user named raise SpecError naming the option and listing what exists.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.born2beroot.virt.plugins.module_utils._guest_compare import pair_disks, pair_interfaces
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_spec import SpecError
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import (
    LibvirtError,
    error_message,
    is_no_such,
    libvirt,
)

# Disk formats QEMU opens; anything else a pool reports (e.g. "iso") is read as raw.
QEMU_FORMATS = ("raw", "qcow2", "qcow", "qed", "vmdk", "vdi", "vpc", "vhdx", "luks", "bochs", "cloop", "dmg")


def _names(objects):
    return ", ".join(sorted(o.name() for o in objects)) or "(none)"


def lookup(getter, name, missing_code):
    """getter(name), or None when libvirt says there is no such object."""
    try:
        return getter(name)
    except libvirt.libvirtError as exc:
        if is_no_such(exc, missing_code):
            return None
        raise


class HostInfo:
    """Cached, read-only questions to one libvirt connection."""

    def __init__(self, conn):
        self.conn = conn
        self._caps = None

    def capabilities(self):
        if self._caps is None:
            self._caps = ET.fromstring(self.conn.getCapabilities())
        return self._caps

    def _arch(self, arch):
        return [a for a in self.capabilities().findall("./guest/arch") if a.get("name") == (arch or "x86_64")]

    def kvm_advertised(self, arch):
        """True when libvirt offers domain type kvm for ``arch`` (not proof that KVM boots guests)."""
        return any(a.find("./domain[@type='kvm']") is not None for a in self._arch(arch))

    def machine_aliases(self, arch):
        """{'q35': 'pc-q35-7.2', 'pc': 'pc-i440fx-7.2', ...} for ``arch``."""
        machines = [m for a in self._arch(arch) for m in a.findall("machine")]
        return {m.text: m.get("canonical") for m in machines if m.get("canonical")}

    def pool(self, name, field):
        pool = lookup(self.conn.storagePoolLookupByName, name, libvirt.VIR_ERR_NO_STORAGE_POOL)
        if pool is None:
            raise SpecError(
                "%s: no storage pool named %r; existing pools: %s"
                % (field, name, _names(self.conn.listAllStoragePools()))
            )
        return pool

    def volume(self, pool_name, name, field, must_exist=True):
        """The volume, None when absent and not ``must_exist``; SpecError for a missing pool."""
        pool = self.pool(pool_name, field)
        vol = lookup(pool.storageVolLookupByName, name, libvirt.VIR_ERR_NO_STORAGE_VOL)
        if vol is None and must_exist:
            raise SpecError(
                "%s: pool %r has no volume named %r; its volumes: %s"
                % (field, pool_name, name, ", ".join(sorted(pool.listVolumes())) or "(none)")
            )
        return vol

    def network(self, name, field):
        network = lookup(self.conn.networkLookupByName, name, libvirt.VIR_ERR_NO_NETWORK)
        if network is None:
            raise SpecError(
                "%s: no libvirt network named %r; existing networks: %s"
                % (field, name, _names(self.conn.listAllNetworks()))
            )
        return network

    def resolve_new_devices(self, desired, existing, seed):
        """Check the disks and NICs the guest does not have yet; fill volume disks' formats."""
        pairs, _removed = pair_disks(desired.get("disks") or [], existing.get("disks") or [])
        for index, (disk, match) in enumerate(pairs):
            src = disk["source"]
            if match is not None or src["type"] != "volume":
                continue
            field = "disks[%d]" % index
            if seed and (src["pool"], src["volume"]) == (seed["pool"], seed["volume"]):
                continue
            vol = self.volume(src["pool"], src["volume"], field + ".volume")
            if disk["format"] is None:
                found = ET.fromstring(vol.XMLDesc(0)).find("./target/format")
                fmt = found.get("type") if found is not None else "raw"
                disk["format"] = fmt if fmt in QEMU_FORMATS else "raw"
        pairs, _removed = pair_interfaces(desired.get("interfaces") or [], existing.get("interfaces") or [])
        for index, (nic, match) in enumerate(pairs):
            if match is None and nic["type"] == "network":
                self.network(nic["source"], "interfaces[%d].network" % index)

    def guest_volumes(self, parsed, seed_name):
        """([(pool, volume)], [path]) of a guest's own storage: writable disks and its cloud-init
        seed, and the paths of writable disks that belong to no storage pool (never deleted).
        Shared read-only media (installer ISOs) are kept.
        """
        found, outside = [], []
        for disk in parsed["disks"]:
            src = disk["source"]
            is_seed = src.get("volume") == seed_name
            if not is_seed and (disk["device"] != "disk" or disk["readonly"]):
                continue
            if src["type"] == "volume":
                found.append((src["pool"], src["volume"]))
                continue
            try:
                vol = self.conn.storageVolLookupByPath(src["path"])
            except libvirt.libvirtError:
                outside.append(src["path"])
                continue
            found.append((vol.storagePoolLookupByVolume().name(), vol.name()))
        return found, outside

    def delete_volume(self, pool_name, name):
        try:
            pool = self.conn.storagePoolLookupByName(pool_name)
            pool.storageVolLookupByName(name).delete(0)
        except libvirt.libvirtError as exc:
            if is_no_such(exc, libvirt.VIR_ERR_NO_STORAGE_POOL, libvirt.VIR_ERR_NO_STORAGE_VOL):
                return
            raise LibvirtError("cannot delete volume %s/%s: %s" % (pool_name, name, error_message(exc))) from exc

    @staticmethod
    def undefine_flags(dom):
        """Flags that remove what the guest leaves behind: managed save, snapshot and checkpoint
        metadata, and UEFI variables (NVRAM). Only the ones needed, so that drivers that know
        fewer flags (the test driver) still undefine guests that need none of them."""
        flags = 0
        if dom.hasManagedSaveImage(0):
            flags |= libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        if dom.snapshotNum(0):
            flags |= libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        try:
            if dom.listAllCheckpoints(0):
                flags |= libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
        except libvirt.libvirtError:
            pass
        os_elem = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).find("os")
        if os_elem is not None and (os_elem.get("firmware") == "efi" or os_elem.find("nvram") is not None):
            flags |= libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        return flags
