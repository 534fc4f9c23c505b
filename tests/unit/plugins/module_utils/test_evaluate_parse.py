"""Parsers of the evaluate role: real command output in, plain data out."""

from __future__ import annotations

import json

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _evaluate_parse as parse

SSHD_T = """port 4242
addressfamily any
listenaddress [::]:4242
listenaddress 0.0.0.0:4242
permitrootlogin no
passwordauthentication yes
"""

SS = """LISTEN 0      128          0.0.0.0:4242      0.0.0.0:*    users:(("sshd",pid=512,fd=3))
LISTEN 0      128             [::]:4242         [::]:*    users:(("sshd",pid=512,fd=4))
LISTEN 0      4096       127.0.0.54:53        0.0.0.0:*    users:(("systemd-resolve",pid=300,fd=19))
"""

UFW_VERBOSE = """Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
4242/tcp                   ALLOW IN    Anywhere
4242/tcp (v6)              ALLOW IN    Anywhere (v6)
"""

# firewall-cmd leaves a space after the colon of an empty key.
FIREWALLD = "\n".join(
    [
        "public (active)",
        "  target: default",
        "  icmp-block-inversion: no",
        "  interfaces: eth0",
        "  sources: ",
        "  services: cockpit dhcpv6-client ssh",
        "  ports: 4242/tcp",
        "  protocols: ",
        "  rich rules: ",
        "",
    ]
)

CHAGE = """Last password change\t\t\t\t\t: Nov 28, 2026
Password expires\t\t\t\t\t: Dec 28, 2026
Password inactive\t\t\t\t\t: never
Account expires\t\t\t\t\t\t: never
Minimum number of days between password change\t\t: 2
Maximum number of days between password change\t\t: 30
Number of days of warning before password expires\t: 7
"""

DEBIAN_SUDOERS = """#
# This file MUST be edited with the 'visudo' command as root.
Defaults\tenv_reset
Defaults\tmail_badpass
Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults\tuse_pty
root\tALL=(ALL:ALL) ALL
%sudo\tALL=(ALL:ALL) ALL
# See sudoers(5) for more information on "@include" directives:
@includedir /etc/sudoers.d
"""

BASELINE_SUDOERS = """#
# Ansible managed
#
Defaults\tpasswd_tries=3
Defaults\tbadpass_message="Wrong password: this attempt has been logged."
Defaults\tlogfile="/var/log/sudo/sudo.log"
Defaults\tlog_input,log_output
Defaults\tiolog_dir="/var/log/sudo"
Defaults\trequiretty
Defaults:ansible\t!requiretty
Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin"
"""


def test_shell_vars_unquote_and_skip_comments():
    text = 'NAME="Debian GNU/Linux"\nID=debian\n# ENABLED=no\nDEFAULT_INPUT_POLICY="DROP"  # drop\n'
    assert parse.parse_shell_vars(text) == {"NAME": "Debian GNU/Linux", "ID": "debian", "DEFAULT_INPUT_POLICY": "DROP"}


def test_sshd_t_keeps_every_port():
    assert parse.parse_sshd_t(SSHD_T + "port 22\n")["port"] == ["4242", "22"]
    assert parse.parse_sshd_t(SSHD_T)["permitrootlogin"] == ["no"]


def test_ss_listening_names_processes():
    sockets = parse.parse_ss_listening(SS)
    assert {(s["port"], s["process"]) for s in sockets} == {(4242, "sshd"), (53, "systemd-resolve")}
    assert sockets[1]["address"] == "::"


def test_ufw_added_rules_and_ports():
    rules = parse.parse_ufw_added(
        "Added user rules (see 'ufw status' for running firewall):\nufw allow 4242/tcp\nufw deny 23\n"
    )
    assert rules == ["allow 4242/tcp", "deny 23"]
    assert parse.ufw_rule_ports(rules) == (["4242/tcp"], ["deny 23"])
    assert parse.ufw_rule_ports(["allow 80", "allow 53/udp"]) == (["53/udp", "80/tcp"], [])
    assert parse.parse_ufw_added("Added user rules (see 'ufw status' for running firewall):\n(None)\n") == []


def test_ufw_status_active_and_inactive():
    status = parse.parse_ufw_status(UFW_VERBOSE)
    assert status["active"] is True and status["incoming"] == "deny"
    assert status["rules"][1] == ["4242/tcp (v6)", "ALLOW IN", "Anywhere (v6)"]
    assert parse.parse_ufw_status("Status: inactive\n")["active"] is False


def test_firewalld_list_all_reads_empty_and_spaced_keys():
    listed = parse.parse_firewalld_list_all(FIREWALLD)
    assert listed["services"] == ["cockpit", "dhcpv6-client", "ssh"]
    assert listed["ports"] == ["4242/tcp"]
    assert listed["rich rules"] == [] and listed["sources"] == []


def test_chage_reads_the_three_aging_values_and_none_when_absent():
    assert parse.parse_chage(CHAGE) == {"min": 2, "max": 30, "warn": 7}
    assert parse.parse_chage("chage: user 'x' does not exist in /etc/passwd") == {
        "min": None,
        "max": None,
        "warn": None,
    }


def test_login_defs_last_value_wins_and_comments_are_skipped():
    defs = parse.parse_key_values("#PASS_MAX_DAYS 1\nPASS_MAX_DAYS\t99999\nPASS_MAX_DAYS 30\nPASS_MIN_DAYS 2 # two\n")
    assert defs == {"PASS_MAX_DAYS": "30", "PASS_MIN_DAYS": "2"}


def _walk(files, dirs=None):
    entries, read, problems = parse.walk_sudoers(files.get, (dirs or {}).get)
    return parse.sudoers_effective(entries), parse.sudoers_scoped(entries), read, problems


def test_sudoers_walk_follows_includedir_in_order_and_later_values_win():
    files = {
        "/etc/sudoers": DEBIAN_SUDOERS,
        "/etc/sudoers.d/born2beroot": BASELINE_SUDOERS,
        "/etc/sudoers.d/README": "# comments only\n",
        "/etc/sudoers.d/ignored.conf": "Defaults passwd_tries=9\n",
    }
    dirs = {"/etc/sudoers.d": ["README", "born2beroot", "ignored.conf", "backup~"]}
    settings, scoped, read, problems = _walk(files, dirs)
    assert read == ["/etc/sudoers", "/etc/sudoers.d/README", "/etc/sudoers.d/born2beroot"]
    assert problems == []
    assert settings["passwd_tries"] == "3"
    assert settings["badpass_message"] == "Wrong password: this attempt has been logged."
    assert settings["log_input"] is True and settings["log_output"] is True and settings["requiretty"] is True
    assert settings["secure_path"].endswith(":/snap/bin")
    assert scoped == ["Defaults:ansible !requiretty"]


def test_sudoers_without_passwd_tries_has_none():
    lines = [line for line in BASELINE_SUDOERS.splitlines() if "passwd_tries" not in line]
    settings, _s, _r, _p = _walk({"/etc/sudoers": "\n".join(lines)})
    assert "passwd_tries" not in settings


def test_sudoers_syntax_variants():
    text = (
        'Defaults passwd_tries = 5, badpass_message="no, \\"really\\" # not a comment"  # comment\n'
        "Defaults !requiretty\n"
        "Defaults requiretty\n"
        'Defaults env_keep += "HOME"\n'
        "Defaults env_keep += LANG\n"
        "Defaults env_keep -= HOME\n"
        "Defaults\\\n  log_output\n"
        "#include /etc/extra\n"
        "@include relative\n"
    )
    settings, _s, read, problems = _walk({"/etc/sudoers": text, "/etc/extra": "Defaults !log_output\n"})
    assert settings["passwd_tries"] == "5"
    assert settings["badpass_message"] == 'no, "really" # not a comment'
    assert settings["requiretty"] is True
    assert settings["env_keep"] == "LANG"
    assert settings["log_output"] is False  # /etc/extra is read after the line that set it
    assert read == ["/etc/sudoers", "/etc/extra"]
    assert problems == ["cannot read /etc/relative"]


def test_sudoers_include_loop_is_bounded():
    _settings, _s, read, problems = _walk({"/etc/sudoers": "@include /etc/sudoers\n"})
    assert len(read) <= 10 and problems


def test_pwquality_effective_layers_defaults_conf_and_pam_arguments():
    conf = "# minlen = 8\nminlen = 10\nucredit = -1\nenforce_for_root\n"
    pam = "password\trequisite\t\t\tpam_pwquality.so retry=3 difok=7 reject_username\n"
    args = parse.pam_module_args(pam, "pam_pwquality.so")
    assert args == {"retry": 3, "difok": 7, "usercheck": 1}
    settings = parse.pwquality_effective([conf], args)
    assert settings["minlen"] == 10 and settings["ucredit"] == -1 and settings["difok"] == 7
    assert settings["enforce_for_root"] is True and settings["lcredit"] == 0


def test_pam_module_args_none_when_the_module_is_not_in_the_stack():
    stack = (
        "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n# password requisite pam_pwquality.so\n"
    )
    assert parse.pam_module_args(stack, "pam_pwquality.so") is None
    assert parse.pam_module_args("password requisite /usr/lib/security/pam_pwquality.so\n", "pam_pwquality.so") == {}


BONUS_LSBLK = {
    "blockdevices": [
        {
            "name": "sda",
            "type": "disk",
            "fstype": None,
            "mountpoint": None,
            "children": [
                {"name": "sda1", "type": "part", "fstype": "ext4", "mountpoint": "/boot"},
                {"name": "sda2", "type": "part", "fstype": None, "mountpoint": None},
                {
                    "name": "sda5",
                    "type": "part",
                    "fstype": "crypto_LUKS",
                    "mountpoint": None,
                    "children": [
                        {
                            "name": "sda5_crypt",
                            "type": "crypt",
                            "fstype": "LVM2_member",
                            "mountpoint": None,
                            "children": [
                                {"name": "LVMGroup-root", "type": "lvm", "fstype": "ext4", "mountpoint": "/"},
                                {"name": "LVMGroup-swap", "type": "lvm", "fstype": "swap", "mountpoint": "[SWAP]"},
                                {"name": "LVMGroup-home", "type": "lvm", "fstype": "ext4", "mountpoint": "/home"},
                                {"name": "LVMGroup-var", "type": "lvm", "fstype": "ext4", "mountpoint": "/var"},
                                {"name": "LVMGroup-srv", "type": "lvm", "fstype": "ext4", "mountpoint": "/srv"},
                                {"name": "LVMGroup-tmp", "type": "lvm", "fstype": "ext4", "mountpoint": "/tmp"},
                                {
                                    "name": "LVMGroup-var--log",
                                    "type": "lvm",
                                    "fstype": "ext4",
                                    "mountpoint": "/var/log",
                                },
                            ],
                        }
                    ],
                },
            ],
        }
    ]
}


def test_lsblk_flattens_with_ancestry_and_both_mount_keys():
    devices = parse.parse_lsblk(json.dumps(BONUS_LSBLK))
    varlog = next(d for d in devices if d["name"] == "LVMGroup-var--log")
    assert varlog["parents"] == ["sda5_crypt", "sda5", "sda"] and varlog["mounts"] == ["/var/log"]
    newer = parse.parse_lsblk('{"blockdevices": [{"name": "vda", "type": "disk", "mountpoints": [null]}]}')
    assert newer == [{"name": "vda", "type": "disk", "fstype": "", "mounts": [], "parents": []}]
    with pytest.raises(ValueError):
        parse.parse_lsblk("lsblk: unknown column")


def test_split_dm_name_undoubles_dashes():
    assert parse.split_dm_name("LVMGroup-var--log") == ("LVMGroup", "var-log")
    assert parse.split_dm_name("vg--a-lv") == ("vg-a", "lv")
    assert parse.split_dm_name("sda5_crypt") == (None, None)


def test_crontab_jobs_user_and_system_files():
    jobs = parse.parse_crontab(
        "# m h dom mon dow command\nSHELL=/bin/bash\n*/10 * * * * /usr/local/bin/monitoring.sh | wall\n@reboot /x\n"
    )
    assert (
        jobs[0]["schedule"] == ["*/10", "*", "*", "*", "*"]
        and jobs[0]["command"] == "/usr/local/bin/monitoring.sh | wall"
    )
    assert jobs[1]["schedule"] == "@reboot"
    system = parse.parse_crontab("17 * * * * root cd / && run-parts --report /etc/cron.hourly\n", system=True)
    assert system[0]["user"] == "root" and system[0]["command"].startswith("cd /")


@pytest.mark.parametrize(
    "field, values",
    [
        ("*/10", set(range(0, 60, 10))),
        ("0,10,20,30,40,50", set(range(0, 60, 10))),
        ("0-59/10", set(range(0, 60, 10))),
        ("5/10", set(range(5, 60, 10))),
        ("*", set(range(60))),
        ("7", {7}),
        ("61", None),
        ("*/0", None),
        ("x", None),
    ],
)
def test_cron_field_values(field, values):
    assert parse.cron_field_values(field, 0, 59) == values


MONITORING = """\t#Architecture: Linux marvin42 6.1.0-27-cloud-amd64 #1 SMP Debian 6.1.115-1 x86_64 GNU/Linux
\t#CPU physical : 1
\t#vCPU : 1
\t#Memory Usage: 120/470MB (25.53%)
\t#Disk Usage: 1/10Gb (12%)
\t#CPU load: 3.2%
\t#Last boot: 2026-11-28 02:19
\t#LVM use: no
\t#Connections TCP : 1 ESTABLISHED
\t#User log: 0
\t#Network: IP 192.168.150.224 (52:54:00:c9:88:92)
\t#Sudo : 12 cmd
"""


def test_monitoring_output_has_every_field():
    values, _seen = parse.parse_monitoring(MONITORING)
    assert sorted(f[0] for f in parse.MONITORING_FIELDS) == sorted(values)
    assert values["network"] == "IP 192.168.150.224 (52:54:00:c9:88:92)"


def test_monitoring_output_missing_and_malformed_fields():
    text = MONITORING.replace("\t#Sudo : 12 cmd\n", "").replace("(25.53%)", "")
    values, seen = parse.parse_monitoring(text)
    assert "sudo" not in values and "sudo" not in seen
    assert "memory" not in values and seen["memory"] == "120/470MB"


def test_installed_packages_dpkg_and_rpm():
    dpkg = "sudo\tinstall ok installed\nlightdm\tdeinstall ok config-files\n"
    assert parse.parse_installed(dpkg, "dpkg", ["sudo", "lightdm", "gdm3"]) == {
        "sudo": True,
        "lightdm": False,
        "gdm3": False,
    }
    rpm = "sudo\npackage gdm is not installed\n"
    assert parse.parse_installed(rpm, "rpm", ["sudo", "gdm"]) == {"sudo": True, "gdm": False}


def test_cloud_init_preserve_hostname_last_file_wins():
    assert parse.cloud_init_preserve_hostname(["preserve_hostname: false\n", "preserve_hostname: true\n"]) is True
    assert parse.cloud_init_preserve_hostname(["users: [default]\n"]) is None
    assert parse.cloud_init_preserve_hostname(["preserve_hostname: true\n", "preserve_hostname: false\n"]) is False
