#!/usr/bin/env bash
# site.yml up to provisioning (--tags provision; make demo runs all of it): runs interrupted by SIGTERM and SIGINT
# leave nothing half-written and the next run converges; the guest answers SSH, a second run
# (through ansible-runner, as AWX runs it) changes nothing, destroy.yml leaves no guest, disk, seed or network
# behind (the cached base image stays). Two guests boot from one base image, kernel and initrd, all mode 0600.
set -euo pipefail
dir=$PWD; until [ -d "$dir/playbooks" ] && [ -x "$dir/scripts/lab" ] || [ "$dir" = / ]; do dir=$(dirname "$dir"); done
[ -d "$dir/playbooks" ] || { echo "collection root not found above $PWD"; exit 1; }
work=$(mktemp -d /tmp/site-provision-XXXXXX)
chmod 755 "$work"   # QEMU (another user) must reach the pool directory inside it
virsh="virsh -q -c qemu:///system"
remove_pool() {
  $virsh vol-list b2b-it-site 2>/dev/null | awk '{print $1}' | xargs -r -n1 $virsh vol-delete --pool b2b-it-site >/dev/null || true
  $virsh pool-destroy b2b-it-site >/dev/null 2>&1 || true
  $virsh pool-undefine b2b-it-site >/dev/null 2>&1 || true
}
cleanup() {
  if [ "${passed:-}" != yes ] && [ -f "$work/vars.yml" ]; then play "$dir/playbooks/destroy.yml" >/dev/null 2>&1 || true; fi
  remove_pool
  rm -rf "$work"
}
trap cleanup EXIT
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"

cat > "$work/vars.yml" <<EOD
hypervisor_network_name: b2b-it-site
hypervisor_network_mode: isolated
hypervisor_network_cidr: 192.168.152.1/24
hypervisor_network_dhcp_range: {start: 192.168.152.10, end: 192.168.152.250}
hypervisor_pool_name: b2b-it-site
hypervisor_pool_path: $work/pool
image_pool: b2b-it-site
provision_pool: b2b-it-site
provision_network: b2b-it-site
provision_ssh_public_key: "$(cat "$work/id_ed25519.pub")"
provision_ssh_private_key_file: $work/id_ed25519
provision_guests:
  - name: it-site1
    image: debian-12
  - name: it-site2
    image: debian-12
image_list:
  - {name: debian-12, os: debian, source: debootstrap, suite: bookworm}
  - {name: rocky-9, os: rocky, source: path, path: "", optional: true}
EOD
playbook=(env ANSIBLE_HOST_KEY_CHECKING=false ansible-playbook -i "$dir/examples/lab/inventory.yml" -e "@$work/vars.yml")
play() {
  "${playbook[@]}" "$@"
}
# ansible-runner's output is coloured: drop the escape sequences and carriage returns first.
recap_changed() { sed 's/\x1b\[[0-9;]*m//g; s/\r$//' "$1" | sed -n 's/^localhost *: .*changed=\([0-9]*\).*/\1/p' | tail -n1; }

# Check mode on a fresh hypervisor: reports what it would do, creates nothing.
play "$dir/playbooks/site.yml" --tags provision --check | tee "$work/check.log"
left=$( { $virsh list --all --name | grep -E '^it-site[12]$' || true; $virsh net-list --all --name | grep -x b2b-it-site || true; } )
[ -z "$left" ] || { echo "FAIL: check mode created: $left"; exit 1; }

# Interrupted runs: site.yml in a process group of its own gets SIGNAL (to the whole group, as a terminal's
# Ctrl-C or a job runner's cancel does) as soon as the shell test CONDITION holds.
interrupt_when() {
  local signal=$1 condition=$2 log=$3 waited=0
  setsid "${playbook[@]}" "$dir/playbooks/site.yml" --tags provision >"$log" 2>&1 &
  local pid=$!
  until eval "$condition"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "FAIL: site.yml ended before: $condition"; exit 1; }
    sleep 0.05
  done
  kill -s "$signal" -- "-$pid"
  until ! kill -0 -- "-$pid" 2>/dev/null; do
    sleep 0.2; waited=$((waited + 1))
    [ $waited -lt 300 ] || { echo "FAIL: site.yml still runs 60 s after $signal"; exit 1; }
  done
  wait "$pid" || true
  echo "site.yml got $signal when [$condition] held; its last task: $(grep '^TASK' "$log" | tail -n1)"
}
uploading() { compgen -G "$work/pool/.b2br-upload-*" >/dev/null; }
temporary_volumes() { ls -A "$work/pool" | grep '^\.b2br-upload-' || true; }

# SIGTERM while the base image is copied into the pool: no temporary volume stays, and a volume under a
# final name is whole (the same bytes as the cached image it was copied from).
interrupt_when TERM uploading "$work/interrupt-image.log"
[ -z "$(temporary_volumes)" ] || { echo "FAIL: SIGTERM left $(temporary_volumes)"; exit 1; }
cache=$("$dir/scripts/lab" image)   # the cached build site.yml copies from (same suite and packages)
for pair in debian-12.qcow2:base.qcow2 debian-12-vmlinuz:vmlinuz debian-12-initrd.img:initrd.img; do
  volume=$work/pool/${pair%%:*}
  [ ! -e "$volume" ] || cmp -s "$volume" "$cache/${pair#*:}" ||
    { echo "FAIL: $volume is not the whole $cache/${pair#*:}"; exit 1; }
done

# Ctrl-C (SIGINT) once the guest is defined, mid-provisioning.
interrupt_when INT "$virsh list --all --name | grep -qx it-site1" "$work/interrupt-guest.log"

play "$dir/playbooks/site.yml" --tags provision | tee "$work/first.log"
volumes=$(ls -A "$work/pool" | sort | tr '\n' ' ')
[ "$volumes" = "debian-12-initrd.img debian-12-vmlinuz debian-12.qcow2 it-site1-seed.iso it-site1.qcow2 it-site2-seed.iso it-site2.qcow2 " ] ||
  { echo "FAIL: after the interrupted runs and a rerun the pool holds: $volumes"; exit 1; }
for guest in it-site1 it-site2; do
  [ "$($virsh list --all --name | grep -cx $guest)" = 1 ] || { echo "FAIL: $guest is not defined exactly once"; exit 1; }
  grep -q "$guest at 192.168.152" "$work/first.log" || { echo "FAIL: the summary does not show $guest on the test network"; exit 1; }
  # The guest answers SSH as the provisioned user with the provisioned key.
  ip=$(grep -o "$guest at 192.168.152.[0-9]*" "$work/first.log" | head -n1 | awk '{print $3}')
  ssh -q -i "$work/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    "ansible@$ip" "test \"\$(hostname)\" = $guest && sudo -n true" || { echo "FAIL: SSH to $guest ($ip) as ansible"; exit 1; }
done

# Both guests run from one base image, kernel and initrd: every file in the pool is 0600 (libvirt's
# dynamic_ownership hands them to QEMU's user while guests run), none readable by other users.
stat -c '%a %U:%G %n' "$work"/pool/*
wide=$(find "$work/pool" -type f ! -perm 0600 -printf '%m %p\n')
[ -z "$wide" ] || { echo "FAIL: pool files not 0600: $wide"; exit 1; }

# The second run goes through ansible-runner with a private data dir, as AWX runs a job (docs/awx.md).
mkdir -p "$work/runner/project" "$work/runner/env"
printf -- "---\n- name: The collection's main job\n  ansible.builtin.import_playbook: born2beroot.virt.site\n" \
  > "$work/runner/project/site.yml"
cp "$work/vars.yml" "$work/runner/env/extravars"
start=$SECONDS
ANSIBLE_HOST_KEY_CHECKING=false ansible-runner run "$work/runner" -p site.yml \
  --inventory "$dir/examples/lab/inventory.yml" --cmdline '--tags provision' | tee "$work/second.log"
status=$(cat "$work"/runner/artifacts/*/status)
[ "$status" = successful ] || { echo "FAIL: ansible-runner reports $status"; exit 1; }
changed=$(recap_changed "$work/second.log")
echo "second run: changed=$changed in $((SECONDS - start)) s"
[ "$changed" = 0 ] || { echo "FAIL: the second run of site.yml changed $changed things"; exit 1; }

play "$dir/playbooks/destroy.yml"
left=$( { $virsh list --all --name | grep -E '^it-site[12]$' || true;
          $virsh net-list --all --name | grep -x b2b-it-site || true;
          $virsh vol-list b2b-it-site 2>/dev/null | awk '{print $1}' | grep -v '^debian-12' || true; } )
[ -z "$left" ] || { echo "FAIL: destroy.yml left: $left"; exit 1; }
passed=yes   # the pool keeps only the cached base image; cleanup removes it with the pool
echo "site_provision passed"
