#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: volume
short_description: Manage libvirt storage volumes, linked clones and image imports
version_added: 0.1.0
description:
  - Creates a volume of a given size and format, a guest disk from a base image as a linked
    clone (qcow2 with a backing file, the default) or a full copy, or imports a local image file
    through libvirt's stream upload, which works against a remote C(qemu+ssh://) hypervisor too.
  - Grows volumes; never shrinks one unless O(allow_shrink=true).
  - Never overwrites an existing volume whose format, backing file or content differs from the task
    unless O(force=true).
options:
  pool:
    description: Name of the storage pool holding the volume. The pool must be active.
    type: str
    required: true
  name:
    description: Name of the volume (its file name in a directory pool). Must not contain V(/).
    type: str
    required: true
  state:
    description: V(present) creates or updates the volume, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  capacity:
    description:
      - Size the guest sees, as bytes or with a unit (V(512MiB), V(10GiB), V(20G), V(1TB)).
      - Required for a new blank volume. For a clone it defaults to the base's size and cannot be smaller.
      - For an existing volume a larger value grows it; a smaller one fails unless O(allow_shrink=true).
        Omitted, an existing volume keeps its size.
    type: str
  format:
    description:
      - Image format. New blank volumes default to V(qcow2); copies default to the base's format;
        linked clones are always V(qcow2).
      - With O(import_file), the file's format is detected; a different value here fails.
    type: str
    choices: [qcow2, raw]
  clone_from:
    description:
      - Volume to clone, as V(name) (same pool) or V(pool/name).
    type: str
    aliases: [backing_volume]
  clone_mode:
    description:
      - V(linked) creates a qcow2 overlay whose backing file is O(clone_from) (instant, uses
        almost no space; the base must then stay unchanged). The backing format is recorded in
        the overlay, so libvirt and QEMU never have to probe it.
      - V(copy) makes a full, independent copy on the hypervisor.
    type: str
    choices: [linked, copy]
    default: linked
  import_file:
    description:
      - Local file (on the host running the module) to upload into the volume, byte for byte,
        through a libvirt stream. Cannot be combined with O(clone_from) or O(capacity).
      - On a local hypervisor the file is written to a temporary volume that is renamed into place
        once complete, so a half-written image is never visible under O(name). Remote hypervisors
        have no rename call in libvirt's API; there the volume is written in place and removed
        again if the transfer fails.
      - A run stopped by SIGTERM or Ctrl-C removes its temporary volume; one left by a killed run
        (SIGKILL) is removed by the next upload into the same pool.
      - An existing volume is compared by size, then by SHA-256 of its bytes.
    type: path
  allow_shrink:
    description: Allow a smaller O(capacity) than the volume has. Data past the new end is lost.
    type: bool
    default: false
  force:
    description:
      - Replace an existing volume whose format, backing file or content differs from the task,
        and delete a volume that other volumes use as their backing file. Its data is lost.
    type: bool
    default: false
  mode:
    description:
      - Octal permissions of the volume's file, such as V('0600') (the default for new volumes).
      - libvirt cannot change the permissions of an existing volume; for a local hypervisor the
        module fixes the file directly, for a remote one it warns.
    type: str
  owner:
    description: Numeric user id owning the volume's file (for example QEMU's, so it can open images in custom pools).
    type: int
  group:
    description: Numeric group id of the volume's file.
    type: int
notes:
  - With libvirt's default C(dynamic_ownership), libvirt hands each image to QEMU when a guest
    starts, so root-owned 0600 volumes work; O(owner)/O(group)/O(mode) are for hosts without it.
extends_documentation_fragment:
  - born2beroot.virt.connection
  - born2beroot.virt.attributes.full_support
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: Import the locally built base image
  born2beroot.virt.volume:
    pool: b2b-images
    name: debian12-base.qcow2
    import_file: /var/cache/born2beroot/debian12.qcow2

- name: A guest disk as a linked clone of the base, grown to 8 GiB
  born2beroot.virt.volume:
    pool: b2b-images
    name: web42.qcow2
    clone_from: debian12-base.qcow2
    capacity: 8GiB

- name: A blank raw data disk
  born2beroot.virt.volume:
    pool: b2b-images
    name: web42-data.img
    capacity: 2GiB
    format: raw

- name: Delete the guest disk
  born2beroot.virt.volume:
    pool: b2b-images
    name: web42.qcow2
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [create volume web42.qcow2 (qcow2 linked clone of debian12-base.qcow2)]
volume:
  description: The volume after the task (predicted in check mode).
  returned: always
  type: dict
  contains:
    name: {description: Volume name., type: str, returned: always}
    pool: {description: Pool name., type: str, returned: always}
    state: {description: "V(present) or V(absent).", type: str, returned: always}
    path: {description: Path of the volume on the hypervisor., type: str, returned: when present outside check mode}
    capacity: {description: Size in bytes the guest sees., type: int, returned: when present}
    format: {description: Image format., type: str, returned: when present}
    backing: {description: "Path of the backing file, or null.", type: str, returned: when present}
    mode: {description: Octal permissions of the file., type: str, returned: when present}
    owner: {description: User id of the file., type: int, returned: when present}
    group: {description: Group id of the file., type: int, returned: when present}
  sample: {name: web42.qcow2, pool: b2b-images, state: present, capacity: 8589934592, format: qcow2,
           backing: /var/lib/born2beroot/images/debian12-base.qcow2, mode: "0600", owner: 0, group: 0,
           path: /var/lib/born2beroot/images/web42.qcow2}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils._resource import run_manager
from ansible_collections.born2beroot.virt.plugins.module_utils._volume import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    VolumeManager,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    run_manager(module, VolumeManager)


if __name__ == "__main__":
    main()
