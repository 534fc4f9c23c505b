# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: libvirt_guests
short_description: Guests of one or more libvirt hypervisors, grouped by state, tag and OS
version_added: 0.1.0
description:
  - Lists the guests (domains) of one or more libvirt hypervisors as inventory hosts.
  - The configuration file name must end in C(libvirt_guests.yml) or C(libvirt_guests.yaml),
    for example C(lab.libvirt_guests.yml).
  - The host name is the guest name. When several URIs hold a guest of the same name, the first
    URI in O(uris) keeps the plain name and each later one becomes C(<name>@<N>), N being the
    position of its URI in O(uris) counting from 1 (V(web@2)); C(libvirt_name) keeps the guest name.
  - "Host variables: C(ansible_host) (the first IPv4 address found, see O(address_sources), else an
    IPv6 one; unset when the guest is not running or has no known address), C(ansible_port) (the guest's
    C(ssh_port) metadata var, else O(default_port)), C(libvirt_name), C(libvirt_uri),
    C(libvirt_state) (libvirt's words: V(running), V(paused), V(shutoff), ...), C(libvirt_uuid),
    C(libvirt_tags) (list), C(libvirt_vars) (dict, the guest's metadata vars),
    C(libvirt_interfaces) (list of dicts with C(mac), C(network), C(bridge), C(addresses)),
    C(libvirt_memory_mib) and C(libvirt_vcpus)."
  - "Groups: C(libvirt_state_<state>) for every host, C(libvirt_tag_<tag>) for each tag and
    C(libvirt_os_<os>) for the C(os) metadata var. Tags and vars are those the
    M(born2beroot.virt.guest) module stores in the domain metadata (its O(born2beroot.virt.guest#module:tags)
    and O(born2beroot.virt.guest#module:metadata) options). Characters not valid in a group name
    become C(_)."
  - Opens one connection per URI, lists its domains once, reads each definition once and the
    DHCP leases once per libvirt network. Several URIs are listed at the same time (up to 8 at once),
    so a slow hypervisor delays the listing only by its own time.
  - Tags and vars are not templated; use O(compose) to build variables from them.
options:
  plugin:
    description: Marks this file as a configuration of this plugin.
    type: str
    required: true
    choices: [born2beroot.virt.libvirt_guests]
  uris:
    description:
      - Libvirt connection URIs of the hypervisors to list, for example V(qemu:///system) or
        V(qemu+ssh://admin@host/system).
    type: list
    elements: str
    default: [qemu:///system]
  address_sources:
    description:
      - Where to look up the addresses of running guests, in order. V(lease) is the DHCP lease of
        the libvirt network, V(agent) the QEMU guest agent, V(arp) the host's ARP table.
        The first source that reports an IPv4 address wins.
      - V(agent) needs a read-write connection; without it the connection is read-only, which is
        enough for a user in the C(libvirt) group. V([]) skips the lookups.
    type: list
    elements: str
    choices: [lease, agent, arp]
    default: [lease, agent, arp]
  default_port:
    description: C(ansible_port) of guests whose metadata has no valid C(ssh_port) var.
    type: int
    default: 22
  inactive:
    description: Also list guests that are not running (shut off, crashed, ...).
    type: bool
    default: true
  unreachable:
    description:
      - What an unreachable URI (or one whose guests cannot be listed) does.
      - V(error) fails the inventory source with a message naming the URI.
      - V(warn) prints a warning naming the URI and lists the guests of the other URIs; the
        result is then not written to the cache, so the next run asks again.
    type: str
    choices: [error, warn]
    default: error
extends_documentation_fragment:
  - constructed
  - inventory_cache
requirements:
  - libvirt-python (on the controller)
seealso:
  - module: born2beroot.virt.guest
  - module: born2beroot.virt.guest_info
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
# lab.libvirt_guests.yml: the guests of the local hypervisor
plugin: born2beroot.virt.libvirt_guests
---
# hypervisors.libvirt_guests.yml: two hypervisors, running guests only, cached for 5 minutes.
# Works as an AWX/AAP inventory source too (Sourced from a Project, pointing at this file).
plugin: born2beroot.virt.libvirt_guests
uris:
  - qemu:///system
  - qemu+ssh://admin@hv2.example.org/system
inactive: false
address_sources: [lease, arp]
unreachable: warn
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/born2beroot-inventory
cache_timeout: 300
compose:
  ansible_user: libvirt_vars.user | default('root')
groups:
  big: libvirt_memory_mib >= 4096
keyed_groups:
  - key: libvirt_uri | urlsplit('hostname') | default('local', true)
    prefix: hypervisor
  - key: libvirt_vars.role | default('none')
    prefix: role
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleParserError
from ansible.inventory.group import to_safe_group_name
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.born2beroot.virt.plugins.module_utils._inventory import list_uri
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import LibvirtError, libvirt

MAX_PORT = 65535
MAX_PARALLEL_URIS = 8


def guest_groups(guest):
    """The plugin's own groups of a guest: state, tags, OS."""
    groups = ["libvirt_state_" + guest["state"]] + ["libvirt_tag_" + tag for tag in guest["tags"]]
    if guest["vars"].get("os"):
        groups.append("libvirt_os_" + guest["vars"]["os"])
    return [to_safe_group_name(group, force=True, silent=True) for group in groups]


def ssh_port(guest, default):
    """The guest's ``ssh_port`` metadata var as an int; ``default`` when absent or not a port."""
    try:
        port = int(guest["vars"].get("ssh_port", ""))
    except ValueError:
        return default
    return port if 0 < port <= MAX_PORT else default


def host_vars(uri, guest, default_port):
    hostvars = dict(
        ansible_port=ssh_port(guest, default_port),
        libvirt_name=guest["name"],
        libvirt_uri=uri,
        libvirt_state=guest["state"],
        libvirt_uuid=guest["uuid"],
        libvirt_tags=guest["tags"],
        libvirt_vars=guest["vars"],
        libvirt_interfaces=guest["interfaces"],
        libvirt_memory_mib=guest["memory_mib"],
        libvirt_vcpus=guest["vcpus"],
    )
    if guest["ip"]:
        hostvars["ansible_host"] = guest["ip"]
    return hostvars


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "born2beroot.virt.libvirt_guests"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("libvirt_guests.yml", "libvirt_guests.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        if libvirt is None:
            raise AnsibleParserError("the %s inventory plugin needs libvirt-python on the controller" % self.NAME)
        self._read_config_data(path)
        self._populate(self._listing(path, cache))

    def _listing(self, path, cache):
        """[{uri, guests}] in the order of ``uris``: from the cache when allowed and present."""
        key = self.get_cache_key(path)
        if self.get_option("cache") and cache:
            try:
                return self._cache[key]
            except KeyError:
                pass
        listing, complete = self._fetch()
        if self.get_option("cache") and complete:
            self._cache[key] = listing
        return listing

    def _fetch(self):
        uris = self.get_option("uris")
        sources, inactive = self.get_option("address_sources"), self.get_option("inactive")
        with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_URIS, len(uris)))) as pool:
            futures = [pool.submit(list_uri, uri, sources, inactive) for uri in uris]
        listing, complete = [], True
        for uri, future in zip(uris, futures, strict=True):
            try:
                guests = future.result()
            except LibvirtError as exc:
                if self.get_option("unreachable") == "error":
                    raise AnsibleParserError(str(exc)) from exc
                self.display.warning("%s; its guests are left out of the inventory" % exc)
                guests, complete = [], False
            listing.append(dict(uri=uri, guests=guests))
        return listing, complete

    def _populate(self, listing):
        taken = set()
        for position, entry in enumerate(listing, start=1):
            for guest in entry["guests"]:
                name = guest["name"] if guest["name"] not in taken else "%s@%d" % (guest["name"], position)
                taken.add(name)
                self._add_guest(
                    name, host_vars(entry["uri"], guest, self.get_option("default_port")), guest_groups(guest)
                )

    def _add_guest(self, name, hostvars, groups):
        self.inventory.add_host(name)
        for key, value in hostvars.items():
            self.inventory.set_variable(name, key, value)
        for group in groups:
            self.inventory.add_group(group)
            self.inventory.add_child(group, name)
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)
