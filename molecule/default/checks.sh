#!/usr/bin/env bash
# Behavioural checks of the Born2beRoot baseline, run as root inside the guest by verify.yml.
#   checks.sh LOGIN PASSWORD SSH_PORT
# Prints "PASS <check>" or "FAIL <check>: <what was seen>" for every check; verify.yml asserts that
# each check it expects printed PASS, so a check that silently did not run fails too.
set -u
login=$1 password=$2 port=$3
# debian or redhat: the family decides the firewall, the MAC and package checks.
. /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in *" debian "*) family=debian ;; *) family=redhat ;; esac
echo "FAMILY $family"
probe=b2bprobe          # throw-away account for the password rules; removed at the end
probe_pw=Kx9mVq2Lrt     # meets every rule, so only the rule under test can reject a variant of it

report() { if [ "$2" = ok ]; then echo "PASS $1"; else echo "FAIL $1: $(printf '%s' "$3" | tr '\n' ' ' | cut -c1-400)"; fi; }
# check NAME COMMAND...: passes when COMMAND succeeds.
check() { local name=$1 out; shift; if out=$("$@" 2>&1); then report "$name" ok; else report "$name" no "$out"; fi; }
# expect NAME PATTERN TEXT: passes when TEXT matches the extended regex PATTERN.
expect() { if grep -Eq -- "$2" <<<"$3"; then report "$1" ok; else report "$1" no "$3"; fi; }
# in_tty USER INPUT COMMAND: run COMMAND as USER with a controlling terminal (script's pty), its
# standard input read from a file holding INPUT. Typing into the pty would not do: sudo and passwd
# flush pending terminal input before each prompt.
in_tty() {
  local input; input=$(mktemp); chmod 644 "$input"; printf '%b' "$2" > "$input"
  su - "$1" -c "script -qec '$3 < $input' /dev/null" 2>&1 | tr -d '\r\000'
  rm -f "$input"
}

# --- hostname and accounts ---------------------------------------------------------------------
expect hostname "^${login}42\$" "$(hostname)"
check hostname_resolves getent hosts "$(hostname)"
groups=$(id -nG "$login")
expect login_in_user42 '(^| )user42( |$)' "$groups"
expect login_in_sudo '(^| )sudo( |$)' "$groups"

# --- ssh ---------------------------------------------------------------------------------------
effective=$(sshd -T 2>&1)
expect sshd_port_only_4242 "^port ${port}\$" "$(grep '^port ' <<<"$effective")"
expect sshd_permitrootlogin_no '^permitrootlogin no$' "$(grep '^permitrootlogin ' <<<"$effective")"
listening=$(ss -Hltn | awk '{print $4}' | sed 's/.*://' | sort -u | tr '\n' ' ')
expect listens_on_4242_not_22 "^${port} \$" "$listening"

# --- firewall ----------------------------------------------------------------------------------
if [ "$family" = debian ]; then
  ufw_status=$(ufw status)
  expect ufw_active '^Status: active$' "$(head -n1 <<<"$ufw_status")"
  expect ufw_only_4242 "^${port}/tcp,${port}/tcp \\(v6\\),\$" "$(awk 'NR > 4 && NF {print $1 ($2 == "(v6)" ? " (v6)" : "")}' <<<"$ufw_status" | tr '\n' ',')"
  expect ufw_denies_incoming 'Default: deny \(incoming\)' "$(ufw status verbose)"
  expect ufw_enabled_at_boot '^ENABLED=yes$' "$(grep '^ENABLED=' /etc/ufw/ufw.conf)"
  check ufw_service_enabled systemctl is-enabled ufw
else
  check firewalld_running firewall-cmd --state
  check firewalld_enabled_at_boot systemctl is-enabled firewalld
  expect firewalld_no_services '^$' "$(firewall-cmd --list-services)"
  expect firewalld_only_4242 "^${port}/tcp\$" "$(firewall-cmd --list-ports)"
fi

# --- password aging ----------------------------------------------------------------------------
for key in PASS_MAX_DAYS:30 PASS_MIN_DAYS:2 PASS_WARN_AGE:7; do
  expect "login_defs_${key%%:*}" "^${key%%:*}[[:space:]]+${key##*:}\$" "$(grep "^${key%%:*}" /etc/login.defs)"
done
for user in "$login" root; do
  aging=$(chage -l "$user" | awk -F': ' '/^Minimum/ {min = $2} /^Maximum/ {max = $2} /^Number of days of warning/ {warn = $2} END {print max "/" min "/" warn}')
  expect "chage_${user}_30_2_7" '^30/2/7$' "$aging"
done

# --- password quality, through PAM (chpasswd as root: enforce_for_root applies) ----------------
useradd -m "$probe" 2>/dev/null
reject() {  # reject NAME PASSWORD PATTERN: chpasswd must refuse PASSWORD with a message matching PATTERN
  local out; out=$(echo "$probe:$2" | chpasswd 2>&1) && { report "$1" no "accepted: $out"; return; }
  expect "$1" "$3" "$out"
}
check pwquality_accepts_a_good_password bash -c "echo '$probe:$probe_pw' | chpasswd"
reject pwquality_minlen Kx9mVq2Lr 'shorter than 10'
reject pwquality_ucredit kx9mvq2lrt 'less than 1 uppercase'
reject pwquality_lcredit KX9MVQ2LRT 'less than 1 lowercase'
reject pwquality_dcredit KxqmVqbLrt 'less than 1 digit'
reject pwquality_maxrepeat Kx9mVqqqq2Lrt 'more than 3 same characters'
reject pwquality_reject_username "Kx9${probe}2L" 'user name'
# difok applies when a user changes their own password (the old one is known then).
chage -m 0 "$probe"
out=$(in_tty "$probe" "${probe_pw}\n${probe_pw%?}s\n${probe_pw%?}s\n" passwd)
expect pwquality_difok 'too similar|not enough character|different' "$out"
out=$(in_tty "$probe" "${probe_pw}\nWp4nZt8Hqc\nWp4nZt8Hqc\n" passwd)
expect passwd_accepts_a_different_password 'updated successfully' "$out"
userdel -r "$probe" 2>/dev/null

# --- sudo ----------------------------------------------------------------------------------------
out=$(echo "$password" | su - "$login" -c 'sudo -S -k true' 2>&1)
expect sudo_requiretty 'must have a tty' "$out"
# Three prompts; the custom message after the first two failures, sudo's own count after the third.
out=$(in_tty "$login" 'wrong1\nwrong2\nwrong3\n' 'sudo -S -k true')
expect sudo_asks_3_times '^3$' "$(grep -o "password for ${login}" <<<"$out" | wc -l)"
expect sudo_badpass_message '^2$' "$(grep -o 'Wrong password: this attempt has been logged\.' <<<"$out" | wc -l)"
expect sudo_3_incorrect_attempts '3 incorrect password attempts' "$out"
marker=$(mktemp)
log_lines=$(wc -l < /var/log/sudo/sudo.log)
out=$(in_tty "$login" "${password}\n" 'sudo -S -k printenv PATH')
expect sudo_with_the_password_and_secure_path '(^|: )/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin$' "$(tail -n1 <<<"$out")"
expect sudo_logfile "${login} : TTY=[^;]+ ; PWD=[^;]+ ; USER=root ; (TSID=[^;]+ ; )?COMMAND=/usr/bin/printenv PATH" \
  "$(tail -n +$((log_lines + 1)) /var/log/sudo/sudo.log | tr -s '\n ' '  ')"
iologs=$(find /var/log/sudo -name log -newer "$marker" -path '*/00/*' -exec grep -l "${login}" {} + 2>/dev/null | wc -l)
expect sudo_io_log_written '^[1-9]' "$iologs"
check sudoers_valid visudo -c
rm -f "$marker"

# --- AppArmor, cron, monitoring ------------------------------------------------------------------
if [ "$family" = debian ]; then
  expect apparmor_enabled '^Yes$' "$(aa-enabled 2>&1)"
  check apparmor_service_enabled systemctl is-enabled apparmor
  check cron_active systemctl is-active cron
else
  expect selinux_enforcing '^Enforcing$' "$(getenforce)"
  expect selinux_enforcing_at_boot '^SELINUX=enforcing$' "$(grep '^SELINUX=' /etc/selinux/config)"
  expect selinux_ssh_port "^ssh_port_t +tcp +.*\\b${port}\\b" "$(semanage port -l | grep '^ssh_port_t')"
  expect pam_pwquality_in_system_auth 'pam_pwquality' "$(grep '^password' /etc/pam.d/system-auth)"
  check cron_active systemctl is-active crond
fi
expect cron_entry '^\*/10 \* \* \* \* /usr/local/bin/monitoring\.sh \| wall$' "$(crontab -l -u root | grep -v '^#')"
errors=$(mktemp)
report_out=$(bash /usr/local/bin/monitoring.sh 2>"$errors"); rc=$?
expect monitoring_no_stderr "^0:\$" "$rc:$(cat "$errors")"
rm -f "$errors"
while IFS='|' read -r name pattern; do
  expect "monitoring_$name" "^[[:space:]]*#$pattern\$" "$report_out"
done <<'FIELDS'
architecture|Architecture: Linux .+
cpu_physical|CPU physical : [1-9][0-9]*
vcpu|vCPU : 1
memory|Memory Usage: [0-9]+/[0-9]+MB \([0-9.]+%\)
disk|Disk Usage: [0-9]+/[0-9]+Gb \([0-9]+%\)
cpu_load|CPU load: [0-9.]+%
last_boot|Last boot: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}
lvm|LVM use: (yes|no)
tcp|Connections TCP : [1-9][0-9]* ESTABLISHED
users|User log: [0-9]+
network|Network: IP [0-9.]+ \(([0-9a-f]{2}:){5}[0-9a-f]{2}\)
sudo|Sudo : [1-9][0-9]* cmd
FIELDS

# --- packages ------------------------------------------------------------------------------------
if [ "$family" = debian ]; then
  expect no_recommends_installed '^$' "$(dpkg-query -W -f '${Package} ${Status}\n' exim4-base exim4-daemon-light 2>/dev/null | grep 'install ok installed')"
  expect no_graphical_server '^$' "$(dpkg-query -W -f '${Package} ${Status}\n' xserver-xorg-core xwayland gdm3 lightdm sddm 2>/dev/null | grep 'install ok installed')"
else
  expect no_graphical_server '^$' "$(rpm -q --qf '%{NAME}\n' xorg-x11-server-Xorg xorg-x11-server-Xwayland gdm sddm lightdm 2>/dev/null | grep -v 'not installed')"
fi
expect boots_to_text '^multi-user.target$' "$(systemctl get-default)"
