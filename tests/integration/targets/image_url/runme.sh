#!/usr/bin/env bash
# The image role's `url` source: a download with a good checksum is cached and imported into the
# pool, a rerun changes nothing, and a bad checksum fails naming the image and leaves neither a
# cached file nor a volume behind. The "official image" is a small qcow2 served over HTTP.
set -euo pipefail
dir=$PWD; until [ -d "$dir/playbooks" ] && [ -x "$dir/scripts/lab" ] || [ "$dir" = / ]; do dir=$(dirname "$dir"); done
[ -d "$dir/playbooks" ] || { echo "collection root not found above $PWD"; exit 1; }
work=$(mktemp -d /tmp/image-url-XXXXXX)
chmod 755 "$work"   # QEMU (another user) must reach the pool directory inside it
virsh="virsh -q -c qemu:///system"
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  $virsh vol-list b2b-it-url 2>/dev/null | awk '{print $1}' | xargs -r -n1 $virsh vol-delete --pool b2b-it-url >/dev/null || true
  $virsh pool-destroy b2b-it-url >/dev/null 2>&1 || true
  $virsh pool-undefine b2b-it-url >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www"
qemu-img create -q -f qcow2 "$work/www/tiny.qcow2" 16M
sum=$(sha256sum < "$work/www/tiny.qcow2" | cut -c1-64)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$port" >"$work/http.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/tiny.qcow2" && break; sleep 0.1; done

cat > "$work/play.yml" <<EOD
- name: Provide a base image from a URL
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  pre_tasks:
    - name: A pool for the test
      born2beroot.virt.pool:
        name: b2b-it-url
        path: $work/pool
  roles:
    - role: born2beroot.virt.image
      image_pool: b2b-it-url
      image_cache_dir: $work/cache
EOD
play() { ansible-playbook -i localhost, "$work/play.yml" -e "@$1" "${@:2}"; }
recap() { sed -n "s/^localhost *: .*$1=\([0-9]*\).*/\1/p" "$2" | tail -n1; }
printf 'image_list: [{name: tiny, os: debian, source: url, url: "http://127.0.0.1:%s/tiny.qcow2", checksum: "sha256:%s"}]\n' \
  "$port" "$sum" > "$work/good.yml"
printf 'image_list: [{name: tiny-bad, os: debian, source: url, url: "http://127.0.0.1:%s/tiny.qcow2", checksum: "sha256:%s"}]\n' \
  "$port" "$(printf '0%.0s' $(seq 64))" > "$work/bad.yml"

play "$work/good.yml" | tee "$work/first.log"
[ "$(recap changed "$work/first.log")" -ge 2 ] || { echo "FAIL: the first run changed nothing"; exit 1; }
$virsh vol-list b2b-it-url | grep -q '^ *tiny.qcow2 ' || { echo "FAIL: tiny.qcow2 is not in the pool"; exit 1; }
cmp "$work/www/tiny.qcow2" "$work/cache/downloads/tiny.qcow2" || { echo "FAIL: the cached download differs"; exit 1; }

play "$work/good.yml" | tee "$work/second.log"
[ "$(recap changed "$work/second.log")" = 0 ] || { echo "FAIL: the second run changed something"; exit 1; }

if play "$work/bad.yml" > "$work/bad.log" 2>&1; then cat "$work/bad.log"; echo "FAIL: a bad checksum passed"; exit 1; fi
grep -q "tiny-bad" "$work/bad.log" && grep -qi "checksum" "$work/bad.log" ||
  { cat "$work/bad.log"; echo "FAIL: the error does not name the image and the checksum"; exit 1; }
grep -i "checksum" "$work/bad.log" | head -n3
[ ! -e "$work/cache/downloads/tiny-bad.qcow2" ] || { echo "FAIL: a download with a bad checksum was cached"; exit 1; }
! $virsh vol-list b2b-it-url | grep -q 'tiny-bad' || { echo "FAIL: a volume was made from a bad download"; exit 1; }
echo "image_url passed"
