#!/usr/bin/env bash
# Provisioning figures for docs/benchmarks.md (issue: image, hypervisor and provision roles).
#   scripts/lab exec bench/provision.sh [boot|site|parallel|cold]...   (default: boot site parallel)
# boot:     the guest's own boot time: the guest as site.yml defines it, from `virsh start` to its
#           SSH banner (polled every 0.2 s; the time its port opened is printed too).
# site:     playbooks/site.yml from nothing (cached image) to a guest answering SSH; then a rerun.
# boot and site run B2B_BENCH_ROUNDS times (default 3) and print each round and the median; site
#           also splits each run into the guest's boot in it and the overhead around it.
# parallel: two guests in one site.yml run vs one guest at a time.
# cold:     a cold debootstrap image build in a throwaway cache (needs the Debian archive: run it
#           outside the lab namespace, plain `bench/provision.sh cold`).
# Uses its own pool and network (b2b-bprov; bench/guest_module.py has b2b-bench) and removes everything it made.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$PWD/.collections ANSIBLE_HOST_KEY_CHECKING=false
work=$(mktemp -d /tmp/bench-provision-XXXXXX); chmod 755 "$work"
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"
virsh="virsh -q -c qemu:///system"

vars() {  # vars GUEST... -> a vars file for site.yml/destroy.yml with those guests ("name, key: value" adds keys)
  used_lab=yes
  {
    cat <<EOF
hypervisor_network_name: b2b-bprov
hypervisor_network_mode: isolated
hypervisor_network_cidr: 192.168.153.1/24
hypervisor_network_dhcp_range: {start: 192.168.153.10, end: 192.168.153.250}
hypervisor_pool_name: b2b-bprov
hypervisor_pool_path: $work/pool
image_pool: b2b-bprov
provision_pool: b2b-bprov
provision_network: b2b-bprov
provision_ssh_public_key: "$(cat "$work/id_ed25519.pub")"
provision_ssh_private_key_file: $work/id_ed25519
image_list: [{name: debian-12, os: debian, source: debootstrap, suite: bookworm}]
provision_guests:$([ $# -gt 0 ] || echo ' []')
EOF
    for g in "$@"; do echo "  - {name: $g}"; done
  } > "$work/vars.yml"
}
play() {  # play PLAYBOOK ARGS...: the last run's output stays in $work/last.log, all runs in play.log
  if ! ansible-playbook -i examples/lab/inventory.yml -e "@$work/vars.yml" "$@" > "$work/last.log" 2>&1; then
    cat "$work/last.log" >> "$work/play.log"; tail -n 30 "$work/last.log" >&2; echo "bench: ansible-playbook $* failed" >&2; return 1
  fi
  cat "$work/last.log" >> "$work/play.log"
}
seconds() { local s=$EPOCHREALTIME; "$@" || return; echo "$EPOCHREALTIME - $s" | bc; }
quiet() { "$@" >/dev/null; }
past() { [ "$SECONDS" -lt "$1" ] || { echo "bench: no SSH within 300 s" >&2; exit 1; }; }
unchanged() {  # the last play changed nothing on any host
  ! grep -E 'changed=[1-9]' "$work/last.log" >/dev/null || { grep -A5 'PLAY RECAP' "$work/last.log" >&2; echo "bench: rerun changed something" >&2; return 1; }
}
cleanup() {
  [ -n "${used_lab:-}" ] || { rm -rf "$work"; return; }   # `cold` alone touches no libvirt object
  vars bench1 bench2 bench3 bootbench; play playbooks/destroy.yml || true
  $virsh vol-list b2b-bprov 2>/dev/null | awk '{print $1}' | xargs -r -n1 $virsh vol-delete --pool b2b-bprov >/dev/null 2>&1 || true
  $virsh pool-destroy b2b-bprov >/dev/null 2>&1 || true; $virsh pool-undefine b2b-bprov >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
rounds=${B2B_BENCH_ROUNDS:-3}

lease_ip() { $virsh domifaddr "$1" --source lease 2>/dev/null | awk '$3 == "ipv4" {sub("/.*", "", $4); print $4}'; }

watch_guest() {  # NAME: prints "STARTED OPEN UP", the times NAME began to run, its SSH port accepted
  # a connection and sshd first sent its banner (under TCG that comes 1-3 s after the accept; the
  # guest answers SSH, and Ansible can go on, only then)
  local ip="" deadline=$((SECONDS + 300))
  until [ "$($virsh domstate "$1" 2>/dev/null)" = running ]; do sleep 0.2; past "$deadline"; done
  local started=$EPOCHREALTIME
  until [ -n "$ip" ]; do ip=$(lease_ip "$1"); sleep 0.2; past "$deadline"; done
  until timeout 1 bash -c "exec 3<>/dev/tcp/$ip/22" 2>/dev/null; do sleep 0.2; past "$deadline"; done
  local open=$EPOCHREALTIME
  until timeout 5 bash -c "exec 3<>/dev/tcp/$ip/22 && head -c 4 <&3" 2>/dev/null | grep -q '^SSH-'; do sleep 0.2; past "$deadline"; done
  echo "$started $open $EPOCHREALTIME"
}

bench_boot() {
  # The guest's own boot: site.yml defines bootbench exactly as it provisions guests (state
  # stopped: disk, seed and domain, not started); the clock runs from `virsh start` to its SSH banner.
  local i t start open up all=()
  for ((i = 1; i <= rounds; i++)); do
    vars "bootbench, state: stopped"
    play playbooks/site.yml --tags provision
    start=$EPOCHREALTIME
    $virsh start bootbench >/dev/null
    read -r _ open up < <(watch_guest bootbench)
    t=$(echo "$up - $start" | bc); all+=("$t")
    echo "boot: round $i: virsh start to SSH answering: $t s (port open after $(echo "$open - $start" | bc) s)"
    vars bootbench; play playbooks/destroy.yml
  done
  echo "boot: the guest's own boot to SSH, median of $rounds: $(printf '%s\n' "${all[@]}" | median) s"
}

bench_site() {
  # Besides the whole run, a watcher times the run's own boot (libvirt says running -> SSH banner,
  # polled as in `boot`): the rest is Ansible's overhead, before the start and after SSH answered,
  # without the spread between two different boots.
  local i t s started open up all=() again=() over=()
  vars bench1
  for ((i = 1; i <= rounds; i++)); do
    watch_guest bench1 > "$work/watch" &
    s=$EPOCHREALTIME; play playbooks/site.yml --tags provision; t=$(echo "$EPOCHREALTIME - $s" | bc); all+=("$t")
    wait $!; read -r started open up < "$work/watch"
    over+=("$(echo "$t - ($up - $started)" | bc)")
    echo "site: round $i: site.yml from nothing to bench1 answering SSH (cached image): $t s;" \
      "its boot $(echo "$up - $started" | bc) s (port open after $(echo "$open - $started" | bc) s)," \
      "before it $(echo "$started - $s" | bc) s, after it $(echo "$s + $t - $up" | bc) s"
    t=$(seconds play playbooks/site.yml --tags provision); unchanged; again+=("$t")
    echo "site: round $i: rerun on the running guest (changed=0): $t s"
    play playbooks/destroy.yml
  done
  echo "site: from nothing to SSH, median of $rounds: $(printf '%s\n' "${all[@]}" | median) s;" \
    "overhead beyond its own boot, median: $(printf '%s\n' "${over[@]}" | median) s; rerun median: $(printf '%s\n' "${again[@]}" | median) s"
}

bench_parallel() {
  local t
  vars bench1 bench2
  t=$(seconds play playbooks/site.yml --tags provision)
  echo "parallel: two guests in one site.yml run: $t s"
  t=$(seconds play playbooks/site.yml --tags provision); unchanged
  echo "parallel: rerun on the two running guests (changed=0): $t s"
  play playbooks/destroy.yml
  local total=0
  for g in bench1 bench2; do
    vars "$g"; t=$(seconds play playbooks/site.yml --tags provision); total=$(echo "$total + $t" | bc); play playbooks/destroy.yml
  done
  echo "parallel: the same two guests one site.yml run after the other: $total s"
}

bench_cold() {
  local t
  t=$(seconds quiet roles/image/files/build-debian-image --cache "$work/cold")
  echo "cold: debootstrap image build, empty cache: $t s"
}

export WORK=$work
for what in "${@:-boot site parallel}"; do for w in $what; do "bench_$w"; done; done
