#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: guest
short_description: Declarative, idempotent libvirt guests (define, update, start, stop, remove)
version_added: 0.1.0
description:
  - Describe a virtual machine in YAML; the module makes the libvirt domain match it. It builds
    the domain XML itself (never from string templates, so names with V(<), V(&) or quotes are safe).
  - "Idempotent: it compares the desired guest with libvirt's normalised persistent definition and
    redefines only when a managed field differs. Values libvirt generates (UUID, MAC addresses,
    PCI addresses, controllers) are kept, so MACs stay stable across runs."
  - Changes to an existing guest are reconciled. On a running guest, O(memory) up to O(max_memory),
    O(vcpus) up to O(max_vcpus), added or removed O(disks) and O(interfaces), O(description),
    O(tags) and O(metadata) are applied live as well as persistently. Everything else is written to
    the persistent definition and reported in RV(restart_fields) with RV(restart_required=true);
    use O(state=restarted) (or a handler) to apply it.
  - An option left out is not managed. An existing guest keeps its current value; a new guest
    gets the default stated in the option's description.
options:
  name:
    description: Name of the guest (libvirt domain). Any text without V(/) or control characters.
    type: str
    required: true
  state:
    description:
      - V(present) defines (or updates) the guest and leaves it in whatever run state it is.
      - V(running) also starts it (or resumes a paused guest); V(paused) starts and pauses it.
      - V(stopped) shuts it down gracefully (ACPI power button, or the guest agent when the guest
        has one), waiting up to O(shutdown_timeout); see O(force).
      - V(restarted) stops it the same way (if running) and starts it again, which applies every
        pending change. It always reports a change.
      - V(absent) powers the guest off and undefines it, including its UEFI variables (NVRAM),
        managed-save image and snapshot and checkpoint metadata. See O(remove_storage).
    type: str
    choices: [present, running, stopped, paused, restarted, absent]
    default: present
  virt_type:
    description:
      - Domain type. V(qemu) is full emulation (TCG), works everywhere and is slow; V(kvm) uses
        hardware virtualisation.
      - V(auto) chooses V(qemu) unless O(allow_kvm=true) and the hypervisor advertises KVM. A
        C(/dev/kvm) alone does not prove that KVM boots ordinary guests (nested or paravirtualised
        KVM devices may hang a stock kernel or abort QEMU with C(host-passthrough)), so the module
        never picks KVM on its own; test KVM once on your hosts, then opt in.
      - New guests default to V(auto).
    type: str
    choices: [auto, qemu, kvm]
  allow_kvm:
    description: Let O(virt_type=auto) choose V(kvm) when the hypervisor advertises it.
    type: bool
    default: false
  arch:
    description: Guest CPU architecture. New guests default to V(x86_64).
    type: str
  machine:
    description:
      - Machine type, such as V(q35) or V(pc). Aliases match their versioned form
        (V(q35) matches V(pc-q35-7.2)), so a QEMU upgrade is not reported as a change.
      - New guests default to the hypervisor's default machine.
    type: str
  memory:
    description:
      - Memory of the guest, with a unit (V(512MiB), V(2GiB)); a bare number is MiB. Must be whole MiB.
      - New guests default to V(512MiB).
    type: str
  max_memory:
    description:
      - Maximum memory the running guest can be given without a restart. Defaults to O(memory);
        set it higher to be able to grow O(memory) live (the guest needs a balloon driver).
    type: str
  vcpus:
    description: Number of virtual CPUs. New guests default to V(1).
    type: int
  max_vcpus:
    description: Maximum virtual CPUs, for adding CPUs to a running guest. Defaults to O(vcpus).
    type: int
  cpu_mode:
    description:
      - CPU model mode. V(host-passthrough) needs O(virt_type=kvm); with V(qemu) use V(maximum).
        V(custom) needs O(cpu_model). Left unset, libvirt's default CPU is used.
    type: str
    choices: [host-model, host-passthrough, maximum, custom]
  cpu_model:
    description: CPU model name for O(cpu_mode=custom), such as V(qemu64) or V(Haswell).
    type: str
  firmware:
    description:
      - V(bios) (SeaBIOS) or V(uefi) (OVMF, picked by libvirt's firmware autoselection, with a
        per-guest NVRAM file). New guests default to V(bios).
    type: str
    choices: [bios, uefi]
  boot:
    description:
      - Boot order, or direct kernel boot (the kernel and initrd are files on the hypervisor host).
      - Managed as a whole when given. Without O(boot.order), the current order is kept.
    type: dict
    suboptions:
      order:
        description: Devices to boot from, in order.
        type: list
        elements: str
        choices: [hd, cdrom, network, fd]
      kernel:
        description: Path of a kernel to boot directly.
        type: str
      initrd:
        description: Path of the initrd for O(boot.kernel).
        type: str
      cmdline:
        description: Kernel command line for O(boot.kernel), for example V(root=/dev/vda console=ttyS0).
        type: str
  tb_cache:
    description:
      - Size of QEMU's translation block cache for O(virt_type=qemu) (TCG). QEMU's default is large
        and counts against host memory; with V(64MiB) a 512 MiB guest uses about 0.5 GB of host memory.
      - V(0) leaves QEMU's default. New V(qemu) guests default to V(64MiB); not valid with V(kvm).
    type: str
  disks:
    description:
      - The guest's disks, in order. Existing volumes are given by O(disks[].pool) and O(disks[].volume)
        (create them with M(born2beroot.virt.volume)) or by O(disks[].path) on the hypervisor host.
      - Disks pair with the guest's current disks by source; targets of current disks are kept,
        new ones get the first free name for their bus (V(vda), V(vdb), V(sda), ...).
      - New guests default to no disks. With O(cloud_init), the seed disk is added to this list.
    type: list
    elements: dict
    suboptions:
      pool:
        description: Storage pool of O(disks[].volume). Defaults to V(default).
        type: str
      volume:
        description: Name of an existing volume in O(disks[].pool).
        type: str
      path:
        description: Absolute path of an image file or block device instead of a pool volume.
        type: str
      device:
        description: V(disk) or V(cdrom).
        type: str
        choices: [disk, cdrom]
        default: disk
      bus:
        description: Disk bus. Defaults to V(virtio) for disks, V(sata) for CD-ROMs.
        type: str
        choices: [virtio, sata, scsi, usb, ide]
      target:
        description: Device name in the guest's definition (V(vda), V(sdb)); chosen automatically when unset.
        type: str
      readonly:
        description: Attach read-only. CD-ROMs are always read-only.
        type: bool
      format:
        description:
          - Image format (V(qcow2), V(raw), ...). Defaults to the volume's format, or for a path to
            V(qcow2) when it ends with C(.qcow2), else V(raw).
        type: str
  interfaces:
    description:
      - Network interfaces, each on a libvirt network or a host bridge.
      - Interfaces pair with the current ones by MAC when O(interfaces[].mac) is given, else by
        source in order, so generated MACs stay stable.
      - New guests default to one V(virtio) interface on network V(default).
    type: list
    elements: dict
    suboptions:
      network:
        description: Name of a libvirt network. It must exist.
        type: str
      bridge:
        description: Name of a bridge on the hypervisor host.
        type: str
      model:
        description: NIC model, such as V(virtio), V(e1000e) or V(rtl8139).
        type: str
        default: virtio
      mac:
        description: Fixed MAC address. Generated by libvirt (and then kept) when unset.
        type: str
  serial_log:
    description:
      - Absolute path on the hypervisor host of a file that receives the first serial port's output
        (the guest's console when the kernel has C(console=ttyS0)). V('') gives a pty serial console
        (C(virsh console)). New guests default to V('').
    type: str
  guest_agent:
    description:
      - Add the QEMU guest agent channel (C(org.qemu.guest_agent.0)); used for the V(agent) address
        source and for graceful shutdown. New guests default to V(true).
    type: bool
  cloud_init:
    description:
      - Data for cloud-init's NoCloud source. The module builds a seed ISO (volume id C(cidata)) in
        Python, stores it as volume C(<name>-seed.iso) in O(seed_pool) (mode 0600) and attaches it as
        a read-only virtio disk, not a SATA CD-ROM, because cloud kernels such as Debian's
        C(linux-image-cloud-amd64) have no AHCI driver; cloud-init finds the C(cidata) label on any disk.
        The ISO is byte-for-byte reproducible; it is uploaded again only when its content changes.
      - Changing it on a running guest is reported in RV(restart_fields); cloud-init reads it at boot.
    type: dict
    suboptions:
      user_data:
        description:
          - Cloud-config as a dict (written with a C(#cloud-config) header), or the complete user-data
            as a string (a cloud-config document or a script).
        type: raw
      meta_data:
        description: Meta-data; C(instance-id) defaults to C(iid-<name>), C(local-hostname) to O(name).
        type: dict
      network_config:
        description: Network configuration (version 1 or 2), as a dict or a YAML string.
        type: raw
  seed_pool:
    description: Pool for the cloud-init seed volume. Defaults to the pool of the first volume disk, else V(default).
    type: str
  autostart:
    description: Start the guest when the hypervisor starts.
    type: bool
  description:
    description: Free text stored as the domain's description.
    type: str
  tags:
    description:
      - Labels stored in the domain's metadata (namespace C(urn:born2beroot:virt:1)). The inventory
        plugin turns them into groups; M(born2beroot.virt.guest_info) can filter on them.
    type: list
    elements: str
  metadata:
    description: Key/value strings stored in the domain's metadata next to O(tags).
    type: dict
  xml_overrides:
    description:
      - Escape hatch for domain XML the module has no option for. Each entry puts the elements of
        O(xml_overrides[].xml) under the element found by O(xml_overrides[].path).
      - An override counts as applied when the domain already has elements carrying everything it
        says (libvirt may add attributes). Removing an override later does not remove its XML.
      - Do not use it for what options manage (disks, interfaces, memory, ...); the two would fight.
    type: list
    elements: dict
    suboptions:
      path:
        description: ElementTree path from the C(<domain>) element, such as V(./devices) or V(./features).
        type: str
        default: .
      xml:
        description:
          - One or more XML elements, for example
            V(<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>).
        type: str
        required: true
      mode:
        description: V(replace) first removes children of the same name under the path; V(append) keeps them.
        type: str
        choices: [replace, append]
        default: replace
  shutdown_timeout:
    description: Seconds to wait for a graceful shutdown (O(state=stopped) or V(restarted)).
    type: int
    default: 120
  force:
    description:
      - Power the guest off when it has not shut down after O(shutdown_timeout). Without it the task
        fails and the guest keeps running.
    type: bool
    default: false
  remove_storage:
    description:
      - With O(state=absent), also delete the guest's writable disks that belong to a storage pool and
        its cloud-init seed volume. Read-only disks and CD-ROMs (shared images) are kept.
    type: bool
    default: false
  wait_for:
    description:
      - With O(state=running) or V(restarted), wait until the guest has an IP address (V(ip)) or
        until an SSH server answers on one of O(wait_port) at that address (V(ssh)).
      - The TCP check runs from the host that runs the module.
    type: str
    choices: [none, ip, ssh]
    default: none
  wait_timeout:
    description: Seconds to wait for O(wait_for).
    type: int
    default: 300
  wait_port:
    description:
      - TCP ports of the SSH check, tried in order; the guest is ready when any of them answers. List
        the port a role moves SSH to after the first (V([22, 4242])) so that a rerun finds the guest.
      - The port that answered (else the first) is returned in RV(instance_config).
    type: list
    elements: int
    default: [22]
  address_sources:
    description:
      - Where to look for the guest's addresses, in order; the first source reporting an address wins.
        V(lease) is the libvirt network's DHCP lease, V(agent) the QEMU guest agent, V(arp) the host's ARP table.
    type: list
    elements: str
    choices: [lease, agent, arp]
    default: [lease, agent, arp]
  ssh_user:
    description: User name returned in RV(instance_config).
    type: str
    default: root
  ssh_identity_file:
    description: Private key path returned in RV(instance_config) (for Molecule).
    type: str
notes:
  - Against libvirt's C(test:///default) driver, device hot-plug is not supported; such changes are
    then reported in RV(restart_fields) with a warning.
  - Runs that manage the same guest (same O(uri) and O(name)) from one machine take turns; a second
    playbook waits for the first, then finds the guest and its seed and reports no change. The lock
    files live in C(<tmp>/born2beroot-locks-<uid>) (mode 0700); check mode takes no lock. Runs from
    different machines rely on libvirt refusing a second definition of a name.
extends_documentation_fragment:
  - born2beroot.virt.connection
  - born2beroot.virt.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The persistent domain XML before and after.
  idempotent:
    support: full
    details: Except O(state=restarted), which restarts the guest each time.
seealso:
  - module: born2beroot.virt.guest_info
  - module: born2beroot.virt.volume
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: A small Debian guest from a cloned disk, with cloud-init, reachable over SSH
  born2beroot.virt.guest:
    name: web42
    state: running
    memory: 512MiB
    vcpus: 1
    machine: q35
    tb_cache: 64MiB
    disks:
      - pool: b2b-images
        volume: web42.qcow2
    interfaces:
      - network: b2b-lab
    cloud_init:
      user_data:
        users:
          - name: marvin
            ssh_authorized_keys: ["{{ lookup('file', 'id_ed25519.pub') }}"]
        locale: C.UTF-8
        manage_etc_hosts: true
    serial_log: /var/log/libvirt/qemu/web42-serial.log
    tags: [born2beroot, debian]
    wait_for: ssh
  register: web42

- name: Add the guest to the inventory
  ansible.builtin.add_host:
    name: web42
    ansible_host: "{{ web42.ip }}"

- name: Direct kernel boot, no bootloader
  born2beroot.virt.guest:
    name: tiny
    boot:
      kernel: /srv/img/vmlinuz
      initrd: /srv/img/initrd.img
      cmdline: root=/dev/vda rw console=ttyS0
    disks:
      - path: /srv/img/tiny.qcow2

- name: Grow a running guest to 2 vCPUs without a restart (max_vcpus was 4)
  born2beroot.virt.guest:
    name: web42
    vcpus: 2
    max_vcpus: 4

- name: Stop gracefully, power off after 60 s
  born2beroot.virt.guest:
    name: web42
    state: stopped
    shutdown_timeout: 60
    force: true

- name: Remove the guest and its disks
  born2beroot.virt.guest:
    name: web42
    state: absent
    remove_storage: true
"""

RETURN = r"""
name:
  description: Name of the guest.
  returned: always
  type: str
state:
  description: Run state after the task (predicted in check mode), in libvirt's words, or V(absent).
  returned: always
  type: str
  sample: running
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["update definition: vcpus", "change vcpus of the running guest"]
changed_fields:
  description: Managed fields that differed from the existing guest.
  returned: always
  type: list
  elements: str
  sample: [vcpus, memory]
restart_required:
  description:
    - This run changed fields that the running guest takes only at its next start (RV(restart_fields)).
    - Changes left pending by earlier runs are not detected; restart the guest (O(state=restarted)) to apply them.
  returned: always
  type: bool
restart_fields:
  description: Changed fields that take effect only after the next start of the guest.
  returned: always
  type: list
  elements: str
  sample: [machine]
guest:
  description: The guest's persistent definition in the shape of this module's options (predicted in check mode).
  returned: unless O(state=absent)
  type: dict
  sample:
    name: web42
    memory: 512MiB
    vcpus: 1
    disks:
      - {pool: default, volume: web42.qcow2, device: disk, bus: virtio, target: vda, readonly: false, format: qcow2}
    interfaces: [{network: default, model: virtio, mac: "52:54:00:12:34:56"}]
addresses:
  description: Addresses of a running guest, from the first of O(address_sources) that reported any.
  returned: when the guest is running
  type: list
  elements: dict
  sample:
    - {interface: vnet0, mac: "52:54:00:12:34:56", address: 192.168.122.50, prefix: 24, family: ipv4, source: lease}
ip:
  description: The address to connect to (the first IPv4 address, else IPv6), or null.
  returned: when the guest is running
  type: str
  sample: 192.168.122.50
instance_config:
  description: Connection details in the shape Molecule's C(instance_config) and C(add_host) want.
  returned: when RV(ip) is known
  type: dict
  sample: {instance: web42, address: 192.168.122.50, port: 22, user: root}
seed:
  description: The cloud-init seed volume.
  returned: when O(cloud_init) is given
  type: dict
  sample: {pool: default, volume: web42-seed.iso, sha256: 5f8b...}
removed_volumes:
  description: Volumes deleted (or to be deleted) by O(remove_storage), as C(pool/volume).
  returned: when O(state=absent)
  type: list
  elements: str
"""

import contextlib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils._guest_manager import GuestManager, run_guest_module
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import URI_ARGUMENT_SPEC
from ansible_collections.born2beroot.virt.plugins.module_utils._lock import LockError, held

ARGUMENT_SPEC = dict(
    URI_ARGUMENT_SPEC,
    name=dict(type="str", required=True),
    state=dict(
        type="str", default="present", choices=["present", "running", "stopped", "paused", "restarted", "absent"]
    ),
    virt_type=dict(type="str", choices=["auto", "qemu", "kvm"]),
    allow_kvm=dict(type="bool", default=False),
    arch=dict(type="str"),
    machine=dict(type="str"),
    memory=dict(type="str"),
    max_memory=dict(type="str"),
    vcpus=dict(type="int"),
    max_vcpus=dict(type="int"),
    cpu_mode=dict(type="str", choices=["host-model", "host-passthrough", "maximum", "custom"]),
    cpu_model=dict(type="str"),
    firmware=dict(type="str", choices=["bios", "uefi"]),
    boot=dict(
        type="dict",
        options=dict(
            order=dict(type="list", elements="str", choices=["hd", "cdrom", "network", "fd"]),
            kernel=dict(type="str"),
            initrd=dict(type="str"),
            cmdline=dict(type="str"),
        ),
    ),
    tb_cache=dict(type="str"),
    disks=dict(
        type="list",
        elements="dict",
        options=dict(
            pool=dict(type="str"),
            volume=dict(type="str"),
            path=dict(type="str"),
            device=dict(type="str", default="disk", choices=["disk", "cdrom"]),
            bus=dict(type="str", choices=["virtio", "sata", "scsi", "usb", "ide"]),
            target=dict(type="str"),
            readonly=dict(type="bool"),
            format=dict(type="str"),
        ),
    ),
    interfaces=dict(
        type="list",
        elements="dict",
        options=dict(
            network=dict(type="str"),
            bridge=dict(type="str"),
            model=dict(type="str", default="virtio"),
            mac=dict(type="str"),
        ),
    ),
    serial_log=dict(type="str"),
    guest_agent=dict(type="bool"),
    cloud_init=dict(
        type="dict",
        options=dict(user_data=dict(type="raw"), meta_data=dict(type="dict"), network_config=dict(type="raw")),
    ),
    seed_pool=dict(type="str"),
    autostart=dict(type="bool"),
    description=dict(type="str"),
    tags=dict(type="list", elements="str"),
    metadata=dict(type="dict"),
    xml_overrides=dict(
        type="list",
        elements="dict",
        options=dict(
            path=dict(type="str", default="."),
            xml=dict(type="str", required=True),
            mode=dict(type="str", default="replace", choices=["replace", "append"]),
        ),
    ),
    shutdown_timeout=dict(type="int", default=120),
    force=dict(type="bool", default=False),
    remove_storage=dict(type="bool", default=False),
    wait_for=dict(type="str", default="none", choices=["none", "ip", "ssh"]),
    wait_timeout=dict(type="int", default=300),
    wait_port=dict(type="list", elements="int", default=[22]),
    address_sources=dict(
        type="list", elements="str", default=["lease", "agent", "arp"], choices=["lease", "agent", "arp"]
    ),
    ssh_user=dict(type="str", default="root"),
    ssh_identity_file=dict(type="str"),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    # One run per guest at a time on this machine: a second playbook waits, then finds the guest.
    # Check mode changes nothing, so it need not wait.
    lock = contextlib.nullcontext() if module.check_mode else held(module.params["uri"], module.params["name"])
    try:
        with lock:
            run_guest_module(module, lambda conn: GuestManager(module, conn).run())
    except LockError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
