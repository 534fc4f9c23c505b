#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: network
short_description: Manage libvirt virtual networks (NAT, isolated, bridged)
version_added: 0.1.0
description:
  - Defines, starts, stops and removes libvirt networks with an IPv4 subnet, a DHCP range, static
    DHCP host entries and a DNS domain, or networks that attach guests to an existing host bridge.
  - Compares the network's persistent configuration with the task. Options left out keep their
    current value. When only DHCP host entries change on a running network they are updated live
    (C(virNetworkUpdate)), without restarting it; any other change restarts a running network.
options:
  name:
    description: Name of the network. Must not contain V(/).
    type: str
    required: true
  state:
    description:
      - V(present) defines and starts the network, V(stopped) defines it and leaves it inactive,
        V(absent) stops and undefines it.
    type: str
    choices: [present, stopped, absent]
    default: present
  mode:
    description:
      - V(nat) gives guests outbound access through the host's routing (libvirt's forward mode C(nat)).
      - V(isolated) has no forward element; guests reach only each other and the host.
      - V(bridge) attaches guests to the existing host bridge O(bridge); libvirt manages no addresses then.
    type: str
    choices: [nat, isolated, bridge]
    default: nat
  cidr:
    description:
      - The host's address on the network with the prefix length, such as V(192.168.100.1/24). A network
        address such as V(192.168.100.0/24) means its first host address.
      - Required to create a V(nat) or V(isolated) network unless O(address) and O(netmask) are given.
    type: str
  address:
    description: The host's address on the network, with O(netmask); an alternative to O(cidr).
    type: str
  netmask:
    description: Netmask (V(255.255.255.0)) or prefix length (V(24)) for O(address).
    type: str
  dhcp_range:
    description:
      - First and last address that DHCP hands out, inside the subnet and not covering the host's address.
      - An empty dictionary removes the range.
    type: dict
    suboptions:
      start: {description: First address., type: str}
      end: {description: Last address., type: str}
  hosts:
    description:
      - Static DHCP entries. Each needs O(hosts[].ip) and a MAC, a name, or both. The list replaces the
        current entries; an empty list removes them all.
    type: list
    elements: dict
    suboptions:
      mac: {description: MAC address of the guest's interface., type: str}
      ip: {description: Address given to that guest., type: str, required: true}
      name: {description: Host name given to that guest (and resolvable through the network's DNS)., type: str}
  domain:
    description: DNS domain of the network. An empty string removes it.
    type: str
  bridge:
    description:
      - Name of the bridge device. For V(nat) and V(isolated) libvirt creates it (and picks a name
        when omitted); for V(bridge) it must already exist on the host.
    type: str
  autostart:
    description: Start the network when libvirtd starts. Left unchanged when omitted.
    type: bool
extends_documentation_fragment:
  - born2beroot.virt.connection
  - born2beroot.virt.attributes.full_support
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: An isolated lab network with fixed addresses for two guests
  born2beroot.virt.network:
    name: b2b-lab
    mode: isolated
    cidr: 192.168.150.1/24
    dhcp_range: {start: 192.168.150.100, end: 192.168.150.199}
    domain: lab.test
    hosts:
      - {mac: "52:54:00:42:00:01", ip: 192.168.150.11, name: web42}
      - {mac: "52:54:00:42:00:02", ip: 192.168.150.12, name: db42}
    autostart: true

- name: Guests on the host's existing bridge br0
  born2beroot.virt.network:
    name: lan
    mode: bridge
    bridge: br0

- name: Remove a network
  born2beroot.virt.network:
    name: b2b-lab
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [add DHCP host 52:54:00:42:00:03 192.168.150.13 app42 to network b2b-lab (live)]
network:
  description: The network's settings after the task (predicted in check mode).
  returned: always
  type: dict
  contains:
    name: {description: Network name., type: str, returned: always}
    state: {description: "V(active), V(inactive) or V(absent).", type: str, returned: always}
    mode: {description: "V(nat), V(isolated), V(bridge) (or another libvirt forward mode).", type: str,
           returned: when the network exists}
    bridge: {description: Bridge device name (null until libvirt picks one)., type: str,
             returned: when the network exists}
    address: {description: The host's address on the network., type: str, returned: when the network exists}
    prefix: {description: Prefix length of the subnet., type: int, returned: when the network exists}
    dhcp_range: {description: "C(start) and C(end) of the DHCP range, or null.", type: dict,
                 returned: when the network exists}
    hosts: {description: "Static DHCP entries (C(mac), C(ip), C(name)).", type: list, elements: dict,
            returned: when the network exists}
    domain: {description: DNS domain or null., type: str, returned: when the network exists}
    autostart: {description: Whether libvirtd starts the network., type: bool, returned: when the network exists}
  sample: {name: b2b-lab, state: active, mode: isolated, bridge: virbr1, address: 192.168.150.1, prefix: 24,
           dhcp_range: {start: 192.168.150.100, end: 192.168.150.199}, domain: lab.test, autostart: true,
           hosts: [{mac: "52:54:00:42:00:01", ip: 192.168.150.11, name: web42}]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils._network import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_TOGETHER,
    NetworkManager,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._resource import run_manager


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_together=REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    run_manager(module, NetworkManager)


if __name__ == "__main__":
    main()
