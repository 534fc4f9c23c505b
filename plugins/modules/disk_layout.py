#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: disk_layout
short_description: Check an encrypted LVM disk layout and render it (Debian plan, Rocky kickstart)
version_added: 0.1.0
description:
  - Checks a disk layout description before anything is built, and fails naming every bad field -
    sizes that do not fit the disk, two volumes on one mount point or with one name, a missing
    passphrase, unknown names or file systems.
  - Returns the checked plan (what M(born2beroot.virt.disk_image) builds for Debian), the C(lsblk) tree
    the guest will show, and the same layout as kickstart partitioning for Rocky Linux's installer
    (C(part /boot), C(part pv.01 --encrypted), C(volgroup), C(logvol)).
  - With O(kickstart_dest), writes the kickstart file (mode 0600, with the passphrase, so that the
    installation runs unattended). The returned RV(kickstart) never contains the passphrase.
  - Runs on any host; it needs neither libvirt nor libguestfs.
options:
  passphrase:
    description:
      - Passphrase of the encrypted container; required by every layout but V(plain).
      - Take it from Ansible Vault.
    type: str
  unlock:
    description: V(console) or V(keyfile), as for M(born2beroot.virt.disk_image).
    type: str
    default: console
    choices: [console, keyfile]
  kickstart_dest:
    description: Path of a kickstart file to write (mode 0600, with the passphrase). Not written for V(plain).
    type: path
  kickstart_disk:
    description: Disk the kickstart installs to, as the installer names it.
    type: str
    default: vda
extends_documentation_fragment:
  - born2beroot.virt.disk_layout
  - born2beroot.virt.attributes.full_support
seealso:
  - module: born2beroot.virt.disk_image
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: Check the layout before building anything
  born2beroot.virt.disk_layout:
    layout:
      name: custom
      disk_size: 10GiB
      volumes:
        - {name: root, size: 4GiB, mount: /}
        - {name: swap, size: 1GiB, mount: swap}
        - {name: home, size: 2GiB, mount: /home}
    passphrase: "{{ vault_disk_passphrase }}"
  register: checked

- name: The same layout for a Rocky installation
  born2beroot.virt.disk_layout:
    layout: {name: bonus}
    passphrase: "{{ vault_disk_passphrase }}"
    kickstart_dest: /srv/ks/rocky42.ks
"""

RETURN = r"""
layout:
  description:
    - The checked layout. Sizes in MiB; C(partitions) in 512-byte sectors (C(end=-1) is the end of the disk);
      C(volumes) root first, then in mount order, swap last, each with its C(device).
  returned: always
  type: dict
  sample:
    name: mandatory
    encrypted: true
    vg: LVMGroup
    crypt_name: vda5_crypt
    disk_mib: 8192
    boot_mib: 500
    free_mib: 3568
    volumes: [{name: root, size_mib: 2560, mount: /, fstype: ext4, device: /dev/mapper/LVMGroup-root}]
lsblk:
  description:
    - The tree C(lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT /dev/vda) shows in the guest, with nulls as empty
      strings and children sorted by name.
  returned: unless the layout is plain
  type: dict
  sample:
    name: vda
    type: disk
    fstype: ""
    mountpoint: ""
    children:
      - {name: vda1, type: part, fstype: ext2, mountpoint: /boot}
      - {name: vda2, type: part, fstype: "", mountpoint: ""}
      - name: vda5
        type: part
        fstype: crypto_LUKS
        mountpoint: ""
        children:
          - name: vda5_crypt
            type: crypt
            fstype: LVM2_member
            mountpoint: ""
            children: [{name: LVMGroup-root, type: lvm, fstype: ext4, mountpoint: /}]
kickstart:
  description: Kickstart partitioning commands, without the passphrase (the installer then asks for it).
  returned: unless the layout is plain
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils._disk_layout import (
    LAYOUT_OPTIONS,
    LayoutError,
    expected_lsblk,
    plan,
    render_kickstart,
)

ARGUMENT_SPEC = dict(
    layout=dict(type="dict", required=True, options=LAYOUT_OPTIONS),
    passphrase=dict(type="str", no_log=True),
    unlock=dict(type="str", default="console", choices=["console", "keyfile"]),
    kickstart_dest=dict(type="path"),
    kickstart_disk=dict(type="str", default="vda"),
)


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_kickstart(module, path, content):
    """Write ``content`` to ``path`` (0600) unless it is there already; return whether it changed."""
    current = read(path)
    mode_ok = current is not None and (os.stat(path).st_mode & 0o777) == 0o600
    if current == content and mode_ok:
        return False
    if not module.check_mode:
        fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.chmod(path + ".tmp", 0o600)
        os.rename(path + ".tmp", path)
    return True


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    try:
        checked = plan(params["layout"], params["passphrase"], params["unlock"])
    except LayoutError as exc:
        module.fail_json(msg=str(exc))
    if not checked["encrypted"]:
        module.exit_json(changed=False, layout=checked)
    disk = params["kickstart_disk"]
    public = render_kickstart(checked, None, disk)
    result = dict(changed=False, layout=checked, lsblk=expected_lsblk(checked, disk), kickstart=public)
    dest = params["kickstart_dest"]
    if dest:
        if not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
            module.fail_json(msg="kickstart_dest: the directory of %s does not exist" % dest)
        before = read(dest)
        result["changed"] = write_kickstart(module, dest, render_kickstart(checked, params["passphrase"], disk))
        if module._diff and result["changed"]:
            # The passphrase stays out of the diff: both sides are shown without it.
            result["diff"] = dict(before="" if before is None else "(previous kickstart)\n", after=public)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
