#!/usr/bin/env bash
# Several hypervisors: a second libvirtd (scripts/lab second) next to the lab's, reached over qemu+tcp.
# The provision role defines each guest on the hypervisor named by its `hypervisor` (or per
# provision_placement), a rerun changes nothing, an unknown hypervisor fails naming the valid ones, the
# guest module takes `uri` per host, and the libvirt_guests inventory plugin merges both daemons' guests.
# Nothing boots.
set -euo pipefail
here=$PWD
dir=$PWD; until [ -d "$dir/playbooks" ] && [ -x "$dir/scripts/lab" ] || [ "$dir" = / ]; do dir=$(dirname "$dir"); done
[ -d "$dir/playbooks" ] || { echo "collection root not found above $PWD"; exit 1; }
work=$(mktemp -d /tmp/multi-hypervisor-XXXXXX)
chmod 755 "$work"
"$dir/scripts/lab" second start
eval "$("$dir/scripts/lab" env)"
export B2B_LAB_SECOND_URI
hv1="virsh -q -c $B2B_LAB_URI"
hv2="virsh -q -c $B2B_LAB_SECOND_URI"
guests="it-multi-a it-multi-b it-multi-c it-multi-d it-multi-e"
cleanup() {
  for g in $guests; do $hv1 undefine "$g" >/dev/null 2>&1 || true; done
  $hv1 vol-list b2b-it-multi 2>/dev/null | awk '{print $1}' | xargs -r -n1 $hv1 vol-delete --pool b2b-it-multi >/dev/null 2>&1 || true
  $hv1 pool-destroy b2b-it-multi >/dev/null 2>&1 || true; $hv1 pool-undefine b2b-it-multi >/dev/null 2>&1 || true
  $hv1 net-undefine b2b-it-multi >/dev/null 2>&1 || true
  "$dir/scripts/lab" second stop   # the second daemon's guests, pool and network go with its state directory
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
play() { ansible-playbook -i "$here/inventory.yml" -e "b2b_work=$work" "$here/provision.yml" "$@"; }
changed() { sed -n "s/^$1 *: .*changed=\([0-9]*\).*/\1/p" "$2" | tail -n1; }
guests_of() { $1 list --all --name | grep '^it-multi-' | sort | tr '\n' ' '; }

guests() { printf 'provision_guests:\n'; printf '  - %s\n' "$@"; }
guests '{name: it-multi-a, hypervisor: hv1}' '{name: it-multi-b, hypervisor: hv2}' '{name: it-multi-c}' > "$work/placed.yml"
guests '{name: it-multi-d}' '{name: it-multi-e}' > "$work/spread.yml"
guests '{name: it-multi-x, hypervisor: hv9}' > "$work/unknown.yml"

play -e "@$work/placed.yml" | tee "$work/first.log"
[ "$(guests_of "$hv1")" = "it-multi-a it-multi-c " ] || fail "hv1 holds: $(guests_of "$hv1") (want it-multi-a and it-multi-c)"
[ "$(guests_of "$hv2")" = "it-multi-b " ] || fail "hv2 holds: $(guests_of "$hv2") (want it-multi-b)"
[ "$($hv2 domstate it-multi-b)" = "shut off" ] || fail "it-multi-b is $($hv2 domstate it-multi-b), not shut off"
$hv2 vol-info --pool b2b-it-multi it-multi-b.qcow2 >/dev/null || fail "hv2 has no disk for it-multi-b"

play -e "@$work/placed.yml" | tee "$work/second.log"
for h in hv1 hv2; do
  [ "$(changed $h "$work/second.log")" = 0 ] || fail "the rerun changed $(changed $h "$work/second.log") things on $h"
done

play -e provision_placement=spread -e "@$work/spread.yml" >/dev/null
[ "$(guests_of "$hv1")" = "it-multi-a it-multi-c it-multi-d " ] || fail "spread: hv1 holds $(guests_of "$hv1")"
[ "$(guests_of "$hv2")" = "it-multi-b it-multi-e " ] || fail "spread: hv2 holds $(guests_of "$hv2")"

if play -e "@$work/unknown.yml" > "$work/unknown.log" 2>&1; then fail "a guest on an unknown hypervisor was accepted"; fi
grep -q "it-multi-x name a hypervisor (hv9) that is not a host of this play; valid: hv1, hv2" "$work/unknown.log" ||
  fail "the error does not name the guest, the bad hypervisor and the valid ones: $(grep -m1 msg "$work/unknown.log")"
if $hv1 dominfo it-multi-x >/dev/null 2>&1 || $hv2 dominfo it-multi-x >/dev/null 2>&1; then fail "it-multi-x was defined"; fi

# The guest module on one host of the inventory, with that host's uri: a second it-multi-a, on hv2.
ansible -i "$here/inventory.yml" hv2 -m born2beroot.virt.guest \
  -a '{"uri": "{{ provision_uri }}", "name": "it-multi-a", "state": "stopped", "virt_type": "qemu", "memory": "64MiB", "vcpus": 1, "interfaces": []}'
[ "$(guests_of "$hv2")" = "it-multi-a it-multi-b it-multi-e " ] || fail "hv2 holds $(guests_of "$hv2")"

cat > "$work/multi.libvirt_guests.yml" <<EOD
plugin: born2beroot.virt.libvirt_guests
uris: [$B2B_LAB_URI, $B2B_LAB_SECOND_URI]
address_sources: []
EOD
ansible-inventory -i "$work/multi.libvirt_guests.yml" --list > "$work/inventory.json"
python3 - "$work/inventory.json" "$B2B_LAB_URI" "$B2B_LAB_SECOND_URI" <<'EOD'
import json, sys
listing, first, second = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
hostvars = listing["_meta"]["hostvars"]
plain = lambda value: value.get("__ansible_unsafe", value) if isinstance(value, dict) else value  # noqa: E731
want = {"it-multi-a": first, "it-multi-c": first, "it-multi-d": first,
        "it-multi-b": second, "it-multi-e": second, "it-multi-a@2": second}
got = {host: plain(v["libvirt_uri"]) for host, v in hostvars.items() if host.startswith("it-multi-")}
assert got == want, "inventory: %s, want %s" % (got, want)
assert plain(hostvars["it-multi-a@2"]["libvirt_name"]) == "it-multi-a", hostvars["it-multi-a@2"]
tagged = set(listing["libvirt_tag_born2beroot"]["hosts"])
assert {"it-multi-a", "it-multi-b", "it-multi-c", "it-multi-d", "it-multi-e"} <= tagged, tagged
print("inventory merges both hypervisors:", sorted(got))
EOD
echo "multi_hypervisor passed"
