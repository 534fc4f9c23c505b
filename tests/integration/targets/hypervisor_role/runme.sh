#!/usr/bin/env bash
# The hypervisor role as a user runs it on a bare Debian host: its defaults install the packages and
# start libvirt. Here the packages are already there (scripts/lab deps installs the role's list), so
# apt must find every name and change nothing; there is no systemd, so the role takes the
# by-hand path and finds libvirtd answering. Check mode creates nothing; the real run creates the
# pool and network; a rerun changes nothing. What cannot run here: a first package install (apt
# has no archive inside the lab namespace), systemd units, a RedHat host.
set -euo pipefail
dir=$PWD; until [ -d "$dir/playbooks" ] && [ -x "$dir/scripts/lab" ] || [ "$dir" = / ]; do dir=$(dirname "$dir"); done
[ -d "$dir/playbooks" ] || { echo "collection root not found above $PWD"; exit 1; }
work=$(mktemp -d /tmp/hypervisor-role-XXXXXX)
chmod 755 "$work"
virsh="virsh -q -c qemu:///system"
cleanup() {
  $virsh pool-destroy b2b-it-hyp >/dev/null 2>&1 || true; $virsh pool-undefine b2b-it-hyp >/dev/null 2>&1 || true
  $virsh net-destroy b2b-it-hyp >/dev/null 2>&1 || true; $virsh net-undefine b2b-it-hyp >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$work/play.yml" <<EOD
- name: Prepare this host as a hypervisor with the role's defaults
  hosts: localhost
  connection: local
  gather_facts: true
  gather_subset: [min]
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  roles:
    - role: born2beroot.virt.hypervisor
      hypervisor_pool_name: b2b-it-hyp
      hypervisor_pool_path: $work/pool
      hypervisor_network_name: b2b-it-hyp
      hypervisor_network_mode: isolated
      hypervisor_network_cidr: 192.168.158.1/24
      hypervisor_network_dhcp_range: {start: 192.168.158.10, end: 192.168.158.20}
EOD
play() { ansible-playbook -i localhost, "$work/play.yml" "$@"; }
recap() { sed -n "s/^localhost *: .*$1=\([0-9]*\).*/\1/p" "$2" | tail -n1; }
task() { grep -A1 "TASK \[born2beroot.virt.hypervisor : $1" "$2" | tail -n1; }

play --check --diff | tee "$work/check.log"
! $virsh pool-info b2b-it-hyp >/dev/null 2>&1 || fail "check mode created the pool"
! $virsh net-info b2b-it-hyp >/dev/null 2>&1 || fail "check mode created the network"

play | tee "$work/first.log"
[[ $(task "Install QEMU, libvirt" "$work/first.log") == ok:* ]] ||
  fail "the package task did not report ok on a host that has the packages: $(task "Install QEMU, libvirt" "$work/first.log")"
[[ $(task "Look at libvirtd, /dev/kvm" "$work/first.log") == ok:* ]] || fail "the probe of libvirtd and KVM did not run"
[[ $(task "Start virtlogd and libvirtd by hand" "$work/first.log") == skipping:* ]] || fail "the role restarted a libvirtd that answers"
[ "$($virsh pool-info b2b-it-hyp | awk '$1 == "State:" {print $2}')" = running ] || fail "pool b2b-it-hyp is not running"
[ "$($virsh net-info b2b-it-hyp | awk '$1 == "Active:" {print $2}')" = yes ] || fail "network b2b-it-hyp is not active"

play | tee "$work/second.log"
[ "$(recap changed "$work/second.log")" = 0 ] || fail "the rerun changed $(recap changed "$work/second.log") things"
echo "hypervisor_role passed"
