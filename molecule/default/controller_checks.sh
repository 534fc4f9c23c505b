#!/usr/bin/env bash
# Checks made from the controller (inside the lab namespace), as an examiner's laptop would.
#   controller_checks.sh ADDRESS IDENTITY_FILE SSH_PORT LOGIN
# Same output contract as checks.sh: one "PASS <check>" or "FAIL <check>: ..." line per check.
set -u
ip=$1 key=$2 port=$3 login=$4
report() { if [ "$2" = ok ]; then echo "PASS $1"; else echo "FAIL $1: $(printf '%s' "$3" | tr '\n' ' ' | cut -c1-300)"; fi; }
ssh_to() { ssh -i "$key" -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o ConnectTimeout=10 -o LogLevel=ERROR "$@"; }

if out=$(timeout 5 bash -c "exec 3<>/dev/tcp/$ip/22" 2>&1); then report port_22_closed no "port 22 accepted a connection"; else report port_22_closed ok; fi
banner=$(timeout 5 bash -c "exec 3<>/dev/tcp/$ip/$port; head -c 8 <&3" 2>&1)
if [ "$banner" = "SSH-2.0-" ]; then report ssh_answers_on_4242 ok; else report ssh_answers_on_4242 no "$banner"; fi
# root has the key (cloud-init wrote it), so only PermitRootLogin can refuse it.
if out=$(ssh_to "root@$ip" true 2>&1); then report ssh_refuses_root no "root logged in"; else
  if grep -q 'Permission denied' <<<"$out"; then report ssh_refuses_root ok; else report ssh_refuses_root no "$out"; fi
fi
out=$(ssh_to "$login@$ip" id -un 2>&1)
if [ "$out" = "$login" ]; then report ssh_login_with_key ok; else report ssh_login_with_key no "$out"; fi
