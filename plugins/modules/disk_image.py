#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: disk_image
short_description: Build a bootable Debian disk with a LUKS2-encrypted LVM layout (Born2beRoot's)
version_added: 0.1.0
description:
  - Builds, on the hypervisor host, a qcow2 disk from a root file system tarball (such as the one
    the image role's debootstrap build keeps) with the layout described by O(layout). msdos label;
    partition 1 is a plain C(/boot); partition 5, inside the extended partition 2, is a LUKS2
    container with O(passphrase), holding the volume group O(layout.vg) with the logical volumes,
    their file systems and swap. C(/etc/crypttab) and C(/etc/fstab) match, and the initramfs unlocks
    the container at boot.
  - LUKS and LVM run inside libguestfs's appliance (a small QEMU VM, always emulated), so the host
    needs no device-mapper. The initramfs is built natively in a chroot on the host. The build takes
    about two minutes under emulation.
  - Writes into O(dest) C(disk.qcow2) (mode 0600), C(vmlinuz) and C(initrd.img) for direct kernel
    boot, C(signature.txt) (the disk's SHA-1, as Born2beRoot's evaluators want it) and C(build.json)
    (what was built, without secrets).
  - Idempotent by content - the same layout and rootfs tarball give C(changed=false) without a build.
    The passphrase is not part of that comparison (it is never stored); use O(force) to rebuild after
    changing only the passphrase.
  - O(layout.name=plain) builds nothing (it is the image role's ordinary image); M(born2beroot.virt.disk_layout)
    checks a layout without building.
options:
  dest:
    description: Directory for the disk and its boot files; created (mode 0700), replaced when the layout changes.
    type: path
    required: true
  rootfs:
    description:
      - Uncompressed tarball of a Debian root file system with a kernel, C(cryptsetup-initramfs) and C(lvm2)
        (C(build-debian-image --rootfs-tar) of the image role makes one).
    type: path
    required: true
  passphrase:
    description: Passphrase of the LUKS2 container. Take it from Ansible Vault; it is never logged or written to disk.
    type: str
    required: true
  unlock:
    description:
      - How the guest unlocks the disk at boot.
      - V(console) - the initramfs asks on the console; type it there, or let M(born2beroot.virt.console_unlock) do it.
      - V(keyfile) - a random key in a second key slot, stored in the guest's C(/etc/cryptsetup-keys.d/) and in
        its initramfs, unlocks it without a prompt. B(Weaker), for labs only - anyone who can read C(/boot),
        the initrd file or the disk image can open the container. The initrd file is mode 0600.
    type: str
    default: console
    choices: [console, keyfile]
  force:
    description: Build even when O(dest) already holds an image of this layout and rootfs.
    type: bool
    default: false
notes:
  - Run it with the system interpreter (C(ansible_python_interpreter=/usr/bin/python3)), as root, on the
    hypervisor host - libguestfs's Python binding is a Debian package (C(python3-guestfs)), not on PyPI.
  - Every clone of the image shares its LUKS volume key. Build one image per guest when that matters.
  - The image boots by direct kernel boot (RV(boot)); it has no boot loader.
requirements:
  - python3-guestfs, libguestfs-tools and a kernel for the appliance (Debian package linux-image-amd64)
  - qemu-img, tar, chroot, and root privileges
extends_documentation_fragment:
  - born2beroot.virt.disk_layout
  - born2beroot.virt.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The build record (C(build.json)) before and after.
  idempotent:
    support: full
seealso:
  - module: born2beroot.virt.disk_layout
  - module: born2beroot.virt.console_unlock
  - module: born2beroot.virt.volume
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: Build the Born2beRoot bonus layout
  born2beroot.virt.disk_image:
    dest: /var/cache/born2beroot/images/debian-bonus
    rootfs: /var/cache/born2beroot/images/debian-bookworm-0123456789abcdef/rootfs.tar
    layout:
      name: bonus
      disk_size: 12GiB
      volumes:
        - {name: root, size: 4GiB}
    passphrase: "{{ vault_disk_passphrase }}"
  vars:
    ansible_python_interpreter: /usr/bin/python3
  register: bonus_disk

- name: Show the disk's signature
  ansible.builtin.debug:
    msg: "{{ bonus_disk.sha1 }}"
"""

RETURN = r"""
disk:
  description: Path of the built qcow2 disk.
  returned: unless O(layout.name=plain)
  type: str
sha1:
  description: SHA-1 of the disk file (also in C(signature.txt) beside it); null in check mode before a build.
  returned: unless O(layout.name=plain)
  type: str
signature_file:
  description: Path of C(signature.txt).
  returned: unless O(layout.name=plain)
  type: str
boot:
  description: Direct kernel boot settings for M(born2beroot.virt.guest)'s O(born2beroot.virt.guest#module:boot).
  returned: unless O(layout.name=plain)
  type: dict
  sample:
    kernel: /var/cache/born2beroot/images/debian-bonus/vmlinuz
    initrd: /var/cache/born2beroot/images/debian-bonus/initrd.img
    cmdline: root=/dev/mapper/LVMGroup-root ro console=ttyS0
layout:
  description:
    - The checked layout (sizes in MiB, partitions in sectors, volumes with devices).
    - As M(born2beroot.virt.disk_layout) returns it.
  returned: always
  type: dict
crypttab:
  description: The guest's C(/etc/crypttab).
  returned: after a build, or when O(dest) holds one
  type: str
fstab:
  description: The guest's C(/etc/fstab).
  returned: after a build, or when O(dest) holds one
  type: str
seconds:
  description: Wall time of the build that made the image.
  returned: after a build, or when O(dest) holds one
  type: float
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.born2beroot.virt.plugins.module_utils import _disk_build as build
from ansible_collections.born2beroot.virt.plugins.module_utils._disk_layout import LAYOUT_OPTIONS, LayoutError, plan

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    rootfs=dict(type="path", required=True),
    layout=dict(type="dict", required=True, options=LAYOUT_OPTIONS),
    passphrase=dict(type="str", required=True, no_log=True),
    unlock=dict(type="str", default="console", choices=["console", "keyfile"]),
    force=dict(type="bool", default=False),
)


def outputs(dest, wanted, manifest):
    result = dict(
        layout=wanted,
        disk=os.path.join(dest, build.DISK),
        signature_file=os.path.join(dest, "signature.txt"),
        sha1=manifest["sha1"] if manifest else None,
        boot=dict(
            kernel=os.path.join(dest, "vmlinuz"),
            initrd=os.path.join(dest, "initrd.img"),
            cmdline="root=%s ro console=ttyS0" % next(v["device"] for v in wanted["volumes"] if v["mount"] == "/"),
        ),
    )
    if manifest:
        result.update(crypttab=manifest["crypttab"], fstab=manifest["fstab"], seconds=manifest["seconds"])
    return result


def run(module):
    params = module.params
    try:
        wanted = plan(params["layout"], params["passphrase"], params["unlock"])
    except LayoutError as exc:
        module.fail_json(msg=str(exc))
    if not wanted["encrypted"]:
        module.exit_json(
            changed=False, layout=wanted, msg="layout plain: nothing to build (the image role's plain image)"
        )
    if not os.path.isfile(params["rootfs"]):
        module.fail_json(msg="rootfs: %s is not a file (a tarball of the root file system)" % params["rootfs"])
    dest, key = params["dest"], build.build_key(wanted, params["rootfs"])
    current = build.read_manifest(dest)
    needed = params["force"] or current is None or current.get("key") != key
    diff = dict(before=current or {}, after=dict(key=key, layout=wanted))
    if not needed:
        module.exit_json(changed=False, **outputs(dest, wanted, current))
    extra = dict(diff=diff) if module._diff else {}
    if module.check_mode:
        module.exit_json(changed=True, **extra, **outputs(dest, wanted, None))
    if build.guestfs is None:
        module.fail_json(
            msg=missing_required_lib("guestfs (Debian package python3-guestfs, for /usr/bin/python3)"),
            exception=build.GUESTFS_IMPORT_ERROR,
        )
    if os.geteuid() != 0:
        module.fail_json(msg="building an encrypted image needs root (chroot, mount of /proc); use become: true")
    try:
        manifest = build.build(wanted, params["rootfs"], params["passphrase"], dest, key)
    except (build.BuildError, OSError) as exc:
        module.fail_json(msg=str(exc))
    diff["after"] = manifest
    module.exit_json(changed=True, **extra, **outputs(dest, wanted, manifest))


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
