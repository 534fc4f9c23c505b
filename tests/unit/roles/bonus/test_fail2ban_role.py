"""The fail2ban role's SSH jail, per OS family."""

from __future__ import annotations

import pytest
from bonus_renderer import Renderer


def jail(family, **overrides):
    lines = Renderer("fail2ban", family, **overrides).template("jail.local.j2").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_the_debian_jail_guards_the_born2beroot_port_from_the_journal():
    assert jail("Debian", fail2ban_maxretry=3, fail2ban_ignore_addresses=["192.168.150.1"]) == [
        "[sshd]",
        "enabled = true",
        "port = 4242",
        "backend = systemd",
        "maxretry = 3",
        "findtime = 10m",
        "bantime = 10m",
        "banaction = iptables-multiport",
        "ignoreip = 127.0.0.1/8 ::1 192.168.150.1",
    ]


def test_rocky_bans_through_firewalld():
    assert "banaction = firewallcmd-rich-rules" in jail("RedHat")


@pytest.mark.parametrize(
    ("value", "valid"),
    [("600", True), ("10m", True), ("1h30m", True), ("-1", True), ("1d", True), ("ten", False), ("10 m", False)],
)
def test_the_time_pattern_takes_fail2ban_times(value, valid):
    renderer = Renderer("fail2ban", "Debian", probe=value)
    assert renderer.expr("{{ probe is regex(__fail2ban_time_pattern) }}") is valid
