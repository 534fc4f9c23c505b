#!/usr/bin/env bash
# Whole site.yml rerun on two running, bootstrapped guests (issue: scale, speed and AWX, figure 4):
#   flock -o /var/lib/born2beroot-lab/boot.lock bench/site_rerun.sh [--reboot] [--mitogen]
# Runs make demo's job with bench/two-guests.yml. A guest that is not running yet is first made by a
# full run (printed, not the figure). --reboot reboots both guests first: a rerun after a reboot must
# change nothing either. --mitogen runs every playbook with Mitogen's strategy (B2B_MITOGEN=1).
# Then times the rerun and fails unless it changed nothing on any host.
# The guests stay (make demo-destroy removes them).
set -euo pipefail
cd "$(dirname "$0")/.."
reboot=no
for arg; do
  case $arg in
    --reboot) reboot=yes ;;
    --mitogen) export B2B_MITOGEN=1 ;;
    *) echo "usage: bench/site_rerun.sh [--reboot] [--mitogen]" >&2; exit 2 ;;
  esac
done
log=$(mktemp /tmp/bench-site-rerun-XXXXXX.log)
virsh="virsh -q -c qemu:///system"
demo() { scripts/demo -e @bench/two-guests.yml > "$log" 2>&1 || { tail -n 40 "$log" >&2; echo "bench: scripts/demo failed ($log)" >&2; exit 1; }; }
seconds() { local s=$EPOCHREALTIME; "$@"; echo "$EPOCHREALTIME - $s" | bc; }
guests=$(sed -n 's/^  - name: //p' bench/two-guests.yml)

running=yes
for g in $guests; do [ "$($virsh domstate "$g" 2>/dev/null)" = running ] || running=no; done
if [ "$running" = no ]; then echo "setup: first run (guests made, bootstrapped, evaluated): $(seconds demo) s"; fi
if [ "$reboot" = yes ]; then
  for g in $guests; do
    ip=$($virsh domifaddr "$g" --source lease | awk '$3 == "ipv4" {sub("/.*", "", $4); print $4}')
    $virsh reboot "$g" >/dev/null
    # Down, then up again: the rerun starts on guests that answer SSH, as after any reboot.
    scripts/lab exec bash -c "ssh_up() { timeout 2 bash -c 'exec 3<>/dev/tcp/$ip/4242' 2>/dev/null; }
      for _ in \$(seq 300); do ssh_up || break; sleep 0.5; done; for _ in \$(seq 300); do ssh_up && exit; sleep 1; done; exit 1" ||
      { echo "bench: $g did not come back on port 4242" >&2; exit 1; }
  done
  echo "reboot: both guests rebooted and answer SSH again"
fi
t=$(seconds demo)
if grep -E '^[a-z0-9]+ +: .*changed=[1-9]' "$log" >&2; then echo "bench: the rerun changed something ($log)" >&2; exit 1; fi
grep -A3 'PLAY RECAP' "$log"
echo "rerun: whole site.yml on $(echo $guests | wc -w) running guests (changed=0, strategy $([ "${B2B_MITOGEN:-0}" = 1 ] && echo mitogen_linear || echo linear)): $t s"
rm -f "$log"
