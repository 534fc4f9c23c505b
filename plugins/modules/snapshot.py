#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: snapshot
short_description: Create, revert, delete and list snapshots of a libvirt guest
version_added: 0.1.0
description:
  - Snapshots are identified by name. Creating one that exists changes nothing (except its
    description, which is updated in place).
  - Reverting always reports a change, since the guest's disks (and memory, for a running guest)
    go back to the snapshot.
  - Every result lists all snapshots of the guest in RV(snapshots).
options:
  guest:
    description: Name of the guest (libvirt domain).
    type: str
    required: true
  name:
    description: Name of the snapshot. Must not contain V(/).
    type: str
    required: true
  description:
    description:
      - Free text stored with the snapshot. Changing it for an existing snapshot updates it without
        taking a new snapshot; an empty string removes it. Left unchanged when omitted.
    type: str
  state:
    description:
      - V(present) takes the snapshot if the guest has none of that name (the whole system, i.e. disks,
        and memory when the guest runs; libvirt's atomic flag makes a failed snapshot leave nothing behind).
      - V(absent) deletes it; its children stay and are re-parented.
      - V(reverted) returns the guest to it; it must exist.
    type: str
    choices: [present, absent, reverted]
    default: present
notes:
  - Internal snapshots need qcow2 disks. Guests with raw disks or UEFI NVRAM need external
    snapshots, which this module does not take.
extends_documentation_fragment:
  - born2beroot.virt.connection
  - born2beroot.virt.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: partial
    details: Creating and deleting are idempotent; reverting always reports a change, by design.
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: Snapshot the guest before hardening it
  born2beroot.virt.snapshot:
    guest: web42
    name: before-bootstrap
    description: Fresh install, before the born2beroot baseline

- name: Go back to it
  born2beroot.virt.snapshot:
    guest: web42
    name: before-bootstrap
    state: reverted

- name: Delete it
  born2beroot.virt.snapshot:
    guest: web42
    name: before-bootstrap
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [create snapshot before-bootstrap of guest web42]
snapshot:
  description: The snapshot after the task (predicted in check mode).
  returned: always
  type: dict
  contains:
    name: {description: Snapshot name., type: str, returned: always}
    guest: {description: Guest name., type: str, returned: always}
    state: {description: "V(present) or V(absent).", type: str, returned: always}
    description: {description: Its description or null., type: str, returned: always}
    domain_state: {description: "The guest's state when it was taken (V(running), V(shutoff), ...).", type: str,
                   returned: when present outside check mode}
    creation_time: {description: When it was taken (seconds since the epoch)., type: int,
                    returned: when present outside check mode}
    parent: {description: Name of the parent snapshot or null., type: str, returned: when present outside check mode}
    current: {description: Whether it is the guest's current snapshot., type: bool,
              returned: when present outside check mode}
  sample: {name: before-bootstrap, guest: web42, state: present, description: Fresh install, domain_state: running,
           creation_time: 1795830360, parent: null, current: true}
snapshots:
  description:
    - All snapshots of the guest after the task, oldest first, with the keys of RV(snapshot) except
      C(guest) and C(state). In check mode a snapshot still to be taken has null times and states.
  returned: always
  type: list
  elements: dict
  sample: [{name: before-bootstrap, description: Fresh install, domain_state: running, creation_time: 1795830360,
            parent: null, current: true}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils._resource import run_manager
from ansible_collections.born2beroot.virt.plugins.module_utils._snapshot import ARGUMENT_SPEC, SnapshotManager


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_manager(module, SnapshotManager)


if __name__ == "__main__":
    main()
