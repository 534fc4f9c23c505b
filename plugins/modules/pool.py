#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pool
short_description: Manage libvirt directory storage pools
version_added: 0.1.0
description:
  - Define, build, start, stop and remove libvirt storage pools of type V(dir).
  - Compares the pool's persistent configuration (path, permissions) and autostart flag with the
    task and changes only what differs.
options:
  name:
    description: Name of the pool. Must not contain V(/).
    type: str
    required: true
  type:
    description:
      - Pool type. Only V(dir) is supported; any other value fails with a message naming it.
    type: str
    default: dir
  path:
    description:
      - Absolute path of the pool's directory on the hypervisor.
      - Required when the pool does not exist yet. Changing it for an existing pool redefines the
        pool and restarts it; files in the old directory are left alone.
    type: path
  state:
    description:
      - V(present) defines the pool, builds it (creates the directory) and starts it.
      - V(stopped) defines and builds the pool but leaves it inactive.
      - V(absent) stops and undefines the pool; its directory and volumes stay unless O(remove_storage=true).
    type: str
    choices: [present, stopped, absent]
    default: present
  autostart:
    description: Start the pool when libvirtd starts. Left unchanged when omitted.
    type: bool
  refresh:
    description:
      - Rescan the directory of an already active pool so files added outside libvirt show up as volumes.
      - A refresh changes nothing libvirt stores, so it does not make the task report a change.
    type: bool
    default: false
  remove_storage:
    description:
      - With O(state=absent), also delete every volume of the pool and its directory. Irreversible.
    type: bool
    default: false
  mode:
    description:
      - Octal permissions of the pool directory, such as V('0711'). libvirt's default for a new pool
        is V('0711'), which lets QEMU (another user) reach images without listing the directory.
    type: str
  owner:
    description: Numeric user id owning the pool directory.
    type: int
  group:
    description: Numeric group id of the pool directory.
    type: int
notes:
  - For a local hypervisor the module warns when a parent directory of O(path) is not searchable by
    other users, the usual cause of QEMU's "Permission denied" on images in custom pools.
extends_documentation_fragment:
  - born2beroot.virt.connection
  - born2beroot.virt.attributes.full_support
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: A pool for guest disks
  born2beroot.virt.pool:
    name: b2b-images
    path: /var/lib/born2beroot/images
    autostart: true

- name: Pick up images copied into the directory by hand
  born2beroot.virt.pool:
    name: b2b-images
    refresh: true

- name: Remove the pool, keeping its files
  born2beroot.virt.pool:
    name: b2b-images
    state: absent

- name: Remove the pool with all its volumes
  born2beroot.virt.pool:
    name: b2b-images
    state: absent
    remove_storage: true
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [define pool b2b-images, build pool b2b-images (create its directory), start pool b2b-images]
pool:
  description: The pool after the task. Sizes and volumes only for an active pool outside check mode.
  returned: always
  type: dict
  contains:
    name: {description: Pool name., type: str, returned: always}
    state: {description: "V(active), V(inactive) or V(absent).", type: str, returned: always}
    path: {description: Directory of the pool., type: str, returned: when the pool exists}
    autostart: {description: Whether libvirtd starts the pool., type: bool, returned: when the pool exists}
    mode: {description: Octal permissions of the directory., type: str, returned: when the pool exists}
    capacity: {description: Bytes of the file system holding the pool., type: int, returned: when active}
    allocation: {description: Bytes used., type: int, returned: when active}
    available: {description: Bytes free., type: int, returned: when active}
    volumes: {description: Names of the pool's volumes., type: list, elements: str, returned: when active}
  sample: {name: b2b-images, state: active, path: /var/lib/born2beroot/images, autostart: true, mode: "0711"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils._pool import ARGUMENT_SPEC, PoolManager
from ansible_collections.born2beroot.virt.plugins.module_utils._resource import run_manager


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_manager(module, PoolManager)


if __name__ == "__main__":
    main()
