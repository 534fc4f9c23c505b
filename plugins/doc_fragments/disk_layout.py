# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The O(layout) option of disk_layout and disk_image (argument spec: _disk_layout.LAYOUT_OPTIONS).
    DOCUMENTATION = r"""
options:
  layout:
    description: The disk layout (checked by M(born2beroot.virt.disk_layout), built by M(born2beroot.virt.disk_image)).
    type: dict
    required: true
    suboptions:
      name:
        description:
          - V(mandatory) is Born2beRoot's mandatory layout (LVs C(root), C(swap), C(home)); V(bonus) its bonus
            layout (C(root), C(swap), C(home), C(var), C(srv), C(tmp), C(var-log)); V(custom) takes O(layout.volumes).
          - V(plain) is one unencrypted file system; M(born2beroot.virt.disk_image) does not build it.
        type: str
        required: true
        choices: [plain, mandatory, bonus, custom]
      disk_size:
        description: Size of the disk (a thin-provisioned qcow2), with a unit.
        type: str
        default: 8GiB
      boot_size:
        description: Size of the plain C(/boot) partition.
        type: str
        default: 500MiB
      boot_fstype:
        description: File system of C(/boot).
        type: str
        default: ext2
        choices: [ext2, ext3, ext4]
      vg:
        description: Name of the LVM volume group.
        type: str
        default: LVMGroup
      crypt_name:
        description: Device-mapper name of the opened LUKS container (the guest sees partition 5 as C(vda5)).
        type: str
        default: vda5_crypt
      volumes:
        description:
          - For V(custom), every logical volume. For V(mandatory) and V(bonus), changes to the sizes of their
            volumes, by name (mount points and file systems are fixed).
          - Preset sizes (MiB) - mandatory - root 2560, swap 512, home 1024; bonus - root 2560, swap 512,
            home 512, var 1024, srv 256, tmp 256, var-log 512.
        type: list
        elements: dict
        suboptions:
          name:
            description: LV name (the device is C(/dev/mapper/<vg>-<name>), with C(-) doubled).
            type: str
            required: true
          size:
            description: Size with a unit (a bare number is MiB); rounded up to whole 4 MiB extents.
            type: str
          mount:
            description: Absolute mount point, or V(swap).
            type: str
          fstype:
            description: V(ext4) (default), V(ext3), V(ext2), or V(swap) for O(layout.volumes[].mount=swap).
            type: str
"""
