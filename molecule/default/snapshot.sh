#!/usr/bin/env bash
# What an evaluation must leave as it found it: accounts, groups, their files, hostname and
# firewall rules. Printed as "key: value" lines; verify.yml compares a run before and after.
set -u
for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/hostname /etc/hosts /etc/ufw/user.rules /etc/ufw/user6.rules /etc/ufw/ufw.conf; do
  echo "sha256 $f: $(sha256sum < "$f" | cut -c1-64)"
done
echo "users: $(getent passwd | cut -d: -f1 | sort | tr '\n' ' ')"
echo "groups: $(getent group | cut -d: -f1,4 | sort | tr '\n' ' ')"
echo "hostname: $(hostname)"
echo "homes: $(ls /home | tr '\n' ' ')"
echo "ufw rules: $(ufw show added | tail -n +2 | tr '\n' ';')"
echo "ufw: $(ufw status | head -n1)"
echo "cron: $(systemctl is-active cron)"
echo "monitoring.sh: $(stat -c '%a %U' /usr/local/bin/monitoring.sh) $(sha256sum < /usr/local/bin/monitoring.sh | cut -c1-64)"
