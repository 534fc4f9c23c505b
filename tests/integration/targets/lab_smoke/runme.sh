#!/usr/bin/env bash
# Smoke test of the lab itself: boot a real guest (domain type qemu) from the locally built
# Debian image with a NoCloud seed, reach it over SSH, then remove everything it made.
# Runs inside the lab namespace (scripts/run-tests integration does that).
set -euo pipefail
# ansible-test runs a copy of this target somewhere below the collection root: find the lab script.
dir=$PWD; until [ -x "$dir/scripts/lab" ] || [ "$dir" = / ]; do dir=$(dirname "$dir"); done
lab=$dir/scripts/lab; [ -x "$lab" ] || { echo "scripts/lab not found above $PWD"; exit 1; }
eval "$("$lab" env)"
image_dir=$("$lab" image 2>/dev/null)
work=$(mktemp -d "$B2B_LAB_DIR/smoke-XXXXXX"); chmod 755 "$work"
name=smoke-$(basename "$work" | cut -d- -f2 | tr 'A-Z' 'a-z')
virsh="virsh -q -c $B2B_LAB_URI"
cleanup() {
  cp "$work/serial.log" "$B2B_LAB_DIR/smoke-serial.log" 2>/dev/null || true
  $virsh destroy "$name" >/dev/null 2>&1 || true
  $virsh undefine "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"
cat > "$work/user-data" <<EOD
#cloud-config
locale: C.UTF-8
manage_etc_hosts: true
users:
  - name: smoke
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    shell: /bin/bash
    ssh_authorized_keys: ["$(cat "$work/id_ed25519.pub")"]
EOD
printf 'instance-id: %s\nlocal-hostname: %s\n' "$name" "$name" > "$work/meta-data"
genisoimage -quiet -output "$work/seed.iso" -volid cidata -joliet -rock "$work/user-data" "$work/meta-data"
qemu-img create -q -f qcow2 -F qcow2 -b "$image_dir/base.qcow2" "$work/disk.qcow2"

cat > "$work/domain.xml" <<EOD
<domain type='qemu'>
  <name>$name</name><memory unit='MiB'>512</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$image_dir/vmlinuz</kernel><initrd>$image_dir/initrd.img</initrd>
    <cmdline>root=LABEL=rootfs rw console=ttyS0</cmdline></os>
  <features><acpi/><tcg><tb-cache unit='MiB'>64</tb-cache></tcg></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$work/disk.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$work/seed.iso'/><target dev='vdb' bus='virtio'/><readonly/></disk>
    <interface type='network'><source network='$B2B_LAB_NETWORK'/><model type='virtio'/></interface>
    <serial type='file'><source path='$work/serial.log'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOD
start=$SECONDS
$virsh define "$work/domain.xml" >/dev/null
$virsh start "$name" >/dev/null
ip=""
until [ -n "$ip" ]; do
  [ $((SECONDS - start)) -lt 180 ] || { echo "no DHCP lease after 180 s; serial console:"; tail -20 "$work/serial.log"; exit 1; }
  sleep 1
  ip=$($virsh domifaddr "$name" --source lease | awk '$3 == "ipv4" {sub("/.*", "", $4); print $4; exit}')
done
echo "lease $ip after $((SECONDS - start)) s"
ssh_opts=(-q -i "$work/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=3)
until ssh "${ssh_opts[@]}" "smoke@$ip" true 2>/dev/null; do
  [ $((SECONDS - start)) -lt 300 ] || { echo "no SSH after 300 s; serial console:"; tail -20 "$work/serial.log"; exit 1; }
  sleep 1
done
echo "ssh after $((SECONDS - start)) s"
os=$(ssh "${ssh_opts[@]}" "smoke@$ip" '. /etc/os-release; echo "$ID $VERSION_CODENAME"; sudo -n id -u')
echo "guest says: $os"
[ "$os" = "debian bookworm
0" ] || { echo "unexpected answer from the guest: $os"; exit 1; }
# The lab network has no route off this machine: prove it from inside the guest.
if ssh "${ssh_opts[@]}" "smoke@$ip" 'timeout 5 bash -c "exec 3<>/dev/tcp/1.1.1.1/53"' 2>/dev/null; then
  echo "the guest reached an outside address: the lab network is not isolated"; exit 1
fi
echo "lab smoke test passed"
