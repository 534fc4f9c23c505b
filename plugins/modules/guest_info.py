#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: guest_info
short_description: List libvirt guests with their state, resources, addresses and tags
version_added: 0.1.0
description:
  - Lists all guests of a hypervisor, one guest by name, or the guests carrying given tags.
  - Each guest is described in the option shape of M(born2beroot.virt.guest), plus its run
    state, autostart and, for running guests, its IP addresses.
  - Never changes anything. The connection is read-only unless O(address_sources) contains V(agent),
    for which libvirt requires a read-write connection.
options:
  name:
    description: Only this guest. A missing guest gives an empty list, not an error.
    type: str
  tags:
    description: Only guests carrying all of these tags (see O(born2beroot.virt.guest#module:tags)).
    type: list
    elements: str
  address_sources:
    description:
      - Where to look up the addresses of running guests, in order; the first source reporting an
        address wins. V(lease) is the libvirt network's DHCP lease, V(agent) the QEMU guest agent,
        V(arp) the host's ARP table. V([]) skips the lookup.
    type: list
    elements: str
    choices: [lease, agent, arp]
    default: [lease]
extends_documentation_fragment:
  - born2beroot.virt.connection
  - born2beroot.virt.attributes.INFO_MODULE
seealso:
  - module: born2beroot.virt.guest
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: All guests of the local hypervisor
  born2beroot.virt.guest_info:
  register: all_guests

- name: The Born2beRoot guests, with addresses from leases, then the guest agent
  born2beroot.virt.guest_info:
    tags: [born2beroot]
    address_sources: [lease, agent]
  register: b2b

- name: Print their addresses
  ansible.builtin.debug:
    msg: "{{ b2b.guests | items2dict(key_name='name', value_name='ip') }}"
"""

RETURN = r"""
guests:
  description: The matching guests, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Guest name.
      type: str
    uuid:
      description: Domain UUID.
      type: str
    state:
      description: Run state in libvirt's words (V(running), V(paused), V(shutoff), V(crashed), ...).
      type: str
    autostart:
      description: Whether the guest starts with the hypervisor.
      type: bool
    persistent:
      description: Whether the guest has a persistent definition.
      type: bool
    virt_type:
      description: Domain type (V(qemu), V(kvm), ...).
      type: str
    memory:
      description: Memory, such as V(512MiB).
      type: str
    max_memory:
      description: Maximum memory.
      type: str
    vcpus:
      description: Virtual CPUs.
      type: int
    max_vcpus:
      description: Maximum virtual CPUs.
      type: int
    disks:
      description: Disks as in the guest module's O(born2beroot.virt.guest#module:disks) option.
      type: list
      elements: dict
    interfaces:
      description: Interfaces with C(network) or C(bridge), C(model), C(mac) and C(addresses) (IPs of that NIC).
      type: list
      elements: dict
    addresses:
      description: All addresses found for a running guest (interface, mac, address, prefix, family, source).
      type: list
      elements: dict
    ip:
      description: The address to connect to (first IPv4, else IPv6), or null.
      type: str
    tags:
      description: The guest's tags.
      type: list
      elements: str
    metadata:
      description: The guest's metadata key/value strings.
      type: dict
    description:
      description: The domain's description.
      type: str
  sample:
    - name: web42
      state: running
      autostart: false
      memory: 512MiB
      vcpus: 1
      disks:
        - {pool: default, volume: web42.qcow2, device: disk, bus: virtio, target: vda, readonly: false, format: qcow2}
      interfaces: [{network: default, model: virtio, mac: "52:54:00:12:34:56", addresses: [192.168.122.50]}]
      ip: 192.168.122.50
      tags: [born2beroot]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils._guest_facts import list_guests
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_manager import run_guest_module
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import URI_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    URI_ARGUMENT_SPEC,
    name=dict(type="str"),
    tags=dict(type="list", elements="str"),
    address_sources=dict(type="list", elements="str", default=["lease"], choices=["lease", "agent", "arp"]),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    run_guest_module(
        module,
        lambda conn: dict(
            changed=False, guests=list_guests(conn, params["name"], params["tags"], params["address_sources"])
        ),
        # libvirt asks for a read-write connection to query the guest agent
        readonly="agent" not in params["address_sources"],
    )


if __name__ == "__main__":
    main()
