"""Judging: a baseline host passes every check; each break fails exactly its check, saying why."""

from __future__ import annotations

import copy
import json

import pytest
from test_evaluate_parse import (
    BASELINE_SUDOERS,
    BONUS_LSBLK,
    CHAGE,
    DEBIAN_SUDOERS,
    FIREWALLD,
    MONITORING,
    SS,
    SSHD_T,
    UFW_VERBOSE,
)
from test_evaluate_password import BASELINE as PWQUALITY_BASELINE

from ansible_collections.born2beroot.virt.plugins.module_utils._evaluate_checks import CHECK_IDS, judge, summarize

SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin"
BADPASS = "Wrong password: this attempt has been logged."

EXPECT = {
    "login": "marvin",
    "hostname": "marvin42",
    "groups": ["user42", "sudo"],
    "sudo_group": "sudo",
    "distributions": ["Debian", "Rocky"],
    "ssh_port": 4242,
    "ssh_closed_ports": [22],
    "permit_root_login": "no",
    "firewall_ports": ["4242/tcp"],
    "password_max_days": 30,
    "password_min_days": 2,
    "password_warn_age": 7,
    "pwquality": PWQUALITY_BASELINE,
    "sudo_passwd_tries": 3,
    "sudo_badpass_message": "",
    "sudo_log_dir": "/var/log/sudo",
    "sudo_logfile": "/var/log/sudo/sudo.log",
    "sudo_log_io": True,
    "sudo_secure_path": SECURE_PATH,
    "monitoring_script": "/usr/local/bin/monitoring.sh",
    "monitoring_interval": 10,
    "disk_layout": "bonus",
    "disk_vg": "LVMGroup",
    "disk_volumes": {
        "root": "/",
        "swap": "[SWAP]",
        "home": "/home",
        "var": "/var",
        "srv": "/srv",
        "tmp": "/tmp",
        "var-log": "/var/log",
    },
    "test_user": "evaluator",
    "test_group": "evaluating",
    "skip": [],
    "gui_packages": ["xserver-xorg-core", "gdm3"],
    "firewall": "ufw",
    "mac": "apparmor",
    "pam_password_file": "/etc/pam.d/common-password",
    "bonus_packages": {
        "site": ["wordpress"],
        "web": ["lighttpd"],
        "php": ["php-fpm", "php-cgi"],
        "db": ["mariadb-server"],
        "forbidden": ["apache2", "apache2-bin", "nginx"],
        "service": ["fail2ban"],
    },
    "bonus_http_port": 80,
    "bonus_site_title": "",
}

BONUS_SS = (
    'LISTEN 0 1024 0.0.0.0:80 0.0.0.0:* users:(("lighttpd",pid=2301,fd=4))\n'
    'LISTEN 0 1024 [::]:80 [::]:* users:(("lighttpd",pid=2301,fd=5))\n'
    'LISTEN 0 80 127.0.0.1:3306 0.0.0.0:* users:(("mariadbd",pid=2102,fd=21))\n'
)
FRONT_PAGE = "<!DOCTYPE html><html><head><title>Born2beRoot by marvin</title></head><body>Hello</body></html>"
LOGIN_PAGE = '<form name="loginform" id="loginform"><input type="text" name="log" id="user_login"></form>'


def bonus_evidence():
    """WordPress on lighttpd with MariaDB and fail2ban, as the probe reads them (lab guest of molecule/bonus)."""
    return {
        "packages": {
            "wordpress": True,
            "lighttpd": True,
            "php-fpm": True,
            "php-cgi": False,
            "mariadb-server": True,
            "apache2": False,
            "apache2-bin": False,
            "nginx": False,
            "fail2ban": True,
        },
        "front_page": {"status": 200, "url": "http://192.168.150.20/", "body": FRONT_PAGE},
        "login_page": {"status": 200, "url": "http://127.0.0.1:80/wp-login.php", "body": LOGIN_PAGE},
        "mariadb": {
            "root_tcp": {"rc": 1, "out": "", "error": "ERROR 1698 (28000): Access denied for user 'root'@'localhost'"},
            "unknown_tcp": {
                "rc": 1,
                "out": "",
                "error": "ERROR 1045 (28000): Access denied for user 'b2b_evaluate_nobody'@'localhost'",
            },
            "accounts": {
                "rc": 0,
                "out": "mariadb.sys\tlocalhost\nmysql\tlocalhost\nroot\tlocalhost\nwordpress\tlocalhost\n",
                "error": "",
            },
            "databases": {
                "rc": 0,
                "out": "information_schema\nmysql\nperformance_schema\nsys\nwordpress\n",
                "error": "",
            },
            "listening": "LISTEN 0 80 127.0.0.1:3306 0.0.0.0:*",
        },
        "fail2ban": {
            "active": "active",
            "enabled": "enabled",
            "status_rc": 0,
            "status": "Status for the jail: sshd\n|- Filter\n|  |- Currently failed: 0\n`- Actions",
            "jail": {"maxretry": "3", "bantime": "600", "findtime": "600", "actions": "iptables-multiport"},
            "ports": {"iptables-multiport": "4242"},
        },
    }


# As sudo 1.9 prints it (captured from the lab guest): no message after the last attempt.
WRONG_TRIES = (
    "[sudo] password for marvin: \n%s\n[sudo] password for marvin: \n%s\n[sudo] password for marvin: \n"
    "sudo: 3 incorrect password attempts\n" % (BADPASS, BADPASS)
)
SCRIPT = {"sha256": "ab" * 32, "mode": "0755"}
STATE = {
    "users": ["marvin:x:1000:1000::/home/marvin:/bin/bash", "root:x:0:0:root:/root:/bin/bash"],
    "groups": ["sudo:x:27:marvin", "user42:x:1001:marvin"],
    "hostname": "marvin42",
    "etc_hostname": "marvin42\n",
    "firewall_rules": ["allow 4242/tcp"],
    "cron_active": "active",
    "script": SCRIPT,
}


def good_evidence():
    """What the probes report on a baseline Debian host with the bonus disk layout."""
    return {
        "os": {
            "id": "debian",
            "name": "Debian GNU/Linux",
            "version_id": "12",
            "pretty_name": "Debian GNU/Linux 12 (bookworm)",
        },
        "packages": {"xserver-xorg-core": False, "gdm3": False, "sudo": True},
        "gui_processes": [],
        "default_target": "multi-user.target",
        "login": {"exists": True, "groups": ["marvin", "sudo", "user42"]},
        "hostname": {
            "running": "marvin42",
            "static": "marvin42",
            "resolves": "127.0.1.1 marvin42",
            "cloud_init": {"installed": True, "preserve_hostname": True},
        },
        "lsblk": json.dumps(BONUS_LSBLK),
        "sudo": {
            "binary": "/usr/bin/sudo",
            "version": "Sudo version 1.9.13p3",
            "files": {"/etc/sudoers": DEBIAN_SUDOERS, "/etc/sudoers.d/born2beroot": BASELINE_SUDOERS},
            "dirs": {"/etc/sudoers.d": ["README", "born2beroot"]},
            "problems": [],
            "visudo_rc": 0,
            "visudo_out": "/etc/sudoers: parsed OK\n/etc/sudoers.d/born2beroot: parsed OK\n",
        },
        "sshd": {"rc": 0, "effective": SSHD_T, "error": "", "listening": SS + BONUS_SS},
        "firewall": {
            "status": UFW_VERBOSE,
            "added": "Added user rules (see 'ufw status' for running firewall):\nufw allow 4242/tcp\n",
            "ufw_conf": "ENABLED=yes\nLOGLEVEL=low\n",
            "default": 'DEFAULT_INPUT_POLICY="DROP"\n',
            "enabled": "enabled",
        },
        "aging": {
            "login_defs": "PASS_MAX_DAYS\t30\nPASS_MIN_DAYS\t2\nPASS_WARN_AGE\t7",
            "chage": {"marvin": CHAGE, "root": CHAGE},
        },
        "pwquality": {
            "conf": [
                "minlen = 10\nucredit = -1\nlcredit = -1\ndcredit = -1\n"
                "maxrepeat = 3\nusercheck = 1\ndifok = 7\nenforce_for_root\n"
            ],
            "pam": "password\trequisite\tpam_pwquality.so retry=3\npassword\t[success=1 default=ignore]\tpam_unix.so\n",
        },
        "mac": {
            "aa_enabled": "Yes",
            "module_enabled": "Y\n",
            "service": "enabled",
            "profiles": "apparmor module is loaded.",
        },
        "monitoring": {
            "script": dict(SCRIPT, exists=True, uid=0, size=2062),
            "shebang": "#!/bin/bash",
            "script_calls_wall": False,
            "crontabs": [
                {
                    "source": "crontab of root",
                    "text": "#Ansible: born2beroot monitoring\n*/10 * * * * /usr/local/bin/monitoring.sh | wall\n",
                    "system": False,
                }
            ],
            "cron": {"active": "active", "enabled": "enabled"},
            "nproc": 1,
            "run": {
                "rc": 0,
                "stdout": MONITORING.replace("LVM use: no", "LVM use: yes"),
                "stderr": "",
                "executable": True,
            },
        },
        "bonus": bonus_evidence(),
        "state": copy.deepcopy(STATE),
        "exercise": {"status": "done", "message": "the exercise did not report this part"},
        "x_sudo": {
            "success": {
                "rc": 0,
                "transcript": "[sudo] password for marvin: \n%s\n" % SECURE_PATH,
                "log_added": "Nov 28 02:50:01 : marvin : TTY=pts/1 ; PWD=/home/marvin ; USER=root ;\n"
                "    COMMAND=/usr/bin/printenv PATH\n",
                "io_before": 4,
                "io_after": 5,
            },
            "notty": {"rc": 1, "output": "sudo: sorry, you must have a tty to run sudo\n"},
            "wrong": {"rc": 1, "transcript": WRONG_TRIES},
        },
        "x_user": {
            "group_rc": 0,
            "group_err": "",
            "user_rc": 0,
            "user_err": "",
            "good_rc": 0,
            "good_out": "",
            "good_length": 12,
            "groups": ["evaluator", "evaluating"],
            "aging": {"max": 30, "min": 2, "warn": 7},
            "rules": [
                {
                    "rule": "minlen",
                    "length": 9,
                    "rc": 1,
                    "output": "BAD PASSWORD: The password is shorter than 10 characters\n",
                },
                {
                    "rule": "ucredit",
                    "length": 12,
                    "rc": 1,
                    "output": "BAD PASSWORD: The password contains less than 1 uppercase letters\n",
                },
                {
                    "rule": "lcredit",
                    "length": 12,
                    "rc": 1,
                    "output": "BAD PASSWORD: The password contains less than 1 lowercase letters\n",
                },
                {
                    "rule": "dcredit",
                    "length": 12,
                    "rc": 1,
                    "output": "BAD PASSWORD: The password contains less than 1 digits\n",
                },
                {
                    "rule": "maxrepeat",
                    "length": 16,
                    "rc": 1,
                    "output": "BAD PASSWORD: The password contains more than 3 same characters consecutively\n",
                },
                {
                    "rule": "usercheck",
                    "length": 21,
                    "rc": 1,
                    "output": "BAD PASSWORD: The password contains the user name in some form\n",
                },
            ],
            "difok": {
                "rc": -1,
                "transcript": "New password: \nBAD PASSWORD: The password is too similar to the old one",
            },
            "changed": {
                "rc": 0,
                "transcript": "Retype new password: \npasswd: password updated successfully",
            },
            "removed": True,
        },
        "x_firewall": {
            "port": "8080/tcp",
            "add_rc": 0,
            "add_out": "Rule added\nRule added (v6)\n",
            "listed_after_add": True,
            "delete_rc": 0,
            "delete_out": "Rule deleted\n",
            "listed_after_delete": False,
        },
        "x_cron": {
            "service": "cron",
            "stop_rc": 0,
            "after_stop": "inactive",
            "start_rc": 0,
            "after_start": "active",
            "script_after": dict(SCRIPT),
        },
        "x_hostname": {
            "temp": "evaluating42",
            "original": "marvin42",
            "kept_for_reboot": False,
            "rc": 0,
            "error_text": "",
            "running": "evaluating42",
            "static": "evaluating42",
            "restored": {"running": "marvin42", "static": "marvin42"},
        },
        "restore": {"hostname_seen": {"running": "marvin42", "static": "marvin42"}, "actions": []},
        "after": copy.deepcopy(STATE),
        "remote": {
            "ports": {
                "4242": {"open": True, "banner": "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "error": ""},
                "22": {"open": False, "banner": "", "error": "Connection refused"},
            },
            "user": [{"method": "password", "rc": 0, "accepted": True, "output": "marvin"}],
            "root": [
                {
                    "method": "password",
                    "rc": 255,
                    "accepted": False,
                    "output": "root@192.168.150.20: Permission denied (publickey,password).",
                }
            ],
        },
    }


def by_id(evidence, expect=None):
    return {c["id"]: c for c in judge(evidence, expect or EXPECT)}


def statuses(evidence, expect=None):
    return {i: c["status"] for i, c in by_id(evidence, expect).items()}


def test_the_baseline_host_passes_every_check():
    checks = judge(good_evidence(), EXPECT)
    assert [c["id"] for c in checks] == list(CHECK_IDS)
    assert {c["id"]: c["reason"] for c in checks if c["status"] != "pass"} == {}
    assert summarize(checks)["line"] == "%d passed, 0 failed, 0 skipped" % len(CHECK_IDS)


def test_titles_carry_the_expected_values():
    checks = by_id(good_evidence())
    assert checks["ssh_port"]["title"] == "SSH listens only on port 4242"
    assert checks["password_aging"]["title"] == "Password aging 30/2/7 days"
    assert checks["mac"]["title"] == "AppArmor is active"


def break_ssh_on_22(ev):
    ev["sshd"]["effective"] = "port 22\n" + SSHD_T
    ev["sshd"]["listening"] += 'LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=512,fd=5))\n'
    ev["remote"]["ports"]["22"] = {"open": True, "banner": "SSH-2.0-OpenSSH_9.2p1", "error": ""}


def break_passwd_tries(ev):
    files = ev["sudo"]["files"]
    files["/etc/sudoers.d/born2beroot"] = files["/etc/sudoers.d/born2beroot"].replace("Defaults\tpasswd_tries=3\n", "")


def break_ufw_disabled(ev):
    ev["firewall"].update(status="Status: inactive", ufw_conf="ENABLED=no\n")


def break_root_login(ev):
    ev["sshd"]["effective"] = SSHD_T.replace("permitrootlogin no", "permitrootlogin yes")
    ev["remote"]["root"][0].update(rc=0, accepted=True, output="root")


def break_extra_port(ev):
    ev["firewall"]["added"] += "ufw allow 80\n"


def break_aging(ev):
    ev["aging"]["chage"]["root"] = CHAGE.replace(": 30", ": 99999")


def break_pwquality(ev):
    ev["pwquality"]["conf"] = ["minlen = 8\n"]
    ev["x_user"]["rules"][0].update(rc=0, output="")


def break_no_tty(ev):
    ev["sudo"]["files"]["/etc/sudoers.d/born2beroot"] = BASELINE_SUDOERS.replace("Defaults\trequiretty\n", "")
    ev["x_sudo"]["notty"] = {"rc": 1, "output": "[sudo] password for marvin: Sorry, try again.\n"}


def break_cron_schedule(ev):
    ev["monitoring"]["crontabs"][0]["text"] = "*/15 * * * * /usr/local/bin/monitoring.sh | wall\n"


def break_script_edit(ev):
    ev["x_cron"]["script_after"] = {"sha256": "cd" * 32, "mode": "0644"}


def break_monitoring_field(ev):
    ev["monitoring"]["run"]["stdout"] = MONITORING.replace("\t#Sudo : 12 cmd\n", "")


def break_gui(ev):
    ev["packages"]["gdm3"] = True
    ev["default_target"] = "graphical.target"


def break_mac(ev):
    ev["mac"].update(aa_enabled="No - disabled at boot.", module_enabled="N\n")


def break_hostname(ev):
    ev["hostname"].update(running="debian", static="debian")


def break_groups(ev):
    ev["login"]["groups"] = ["marvin", "sudo"]


def break_cleanup(ev):
    ev["after"]["users"] = ev["after"]["users"] + ["evaluator:x:1002:1002::/home/evaluator:/bin/bash"]


def break_badpass(ev):
    ev["sudo"]["files"]["/etc/sudoers.d/born2beroot"] = BASELINE_SUDOERS.replace(
        'Defaults\tbadpass_message="%s"\n' % BADPASS, ""
    )
    ev["x_sudo"]["wrong"]["transcript"] = WRONG_TRIES.replace(BADPASS, "Sorry, try again.")


def break_logs(ev):
    ev["x_sudo"]["success"].update(log_added="", io_after=4)


def break_secure_path(ev):
    ev["x_sudo"]["success"]["transcript"] = "[sudo] password for marvin: \n/usr/bin:/bin\n"
    ev["sudo"]["files"]["/etc/sudoers.d/born2beroot"] = BASELINE_SUDOERS.replace(":/snap/bin", "")


def break_disk(ev):
    ev["lsblk"] = json.dumps(
        {
            "blockdevices": [
                {
                    "name": "vda",
                    "type": "disk",
                    "mountpoint": None,
                    "children": [{"name": "vda1", "type": "part", "mountpoint": "/"}],
                }
            ]
        }
    )


def break_firewall_rule(ev):
    ev["x_firewall"].update(
        listed_after_delete=True, delete_rc=1, delete_out="ERROR: Could not delete non-existent rule"
    )


def break_user_create(ev):
    ev["x_user"].update(good_rc=1, good_out="BAD PASSWORD: it is based on a dictionary word", removed=False)


def break_hostname_persistence(ev):
    ev["hostname"]["cloud_init"]["preserve_hostname"] = False


def break_ssh_user(ev):
    ev["remote"]["user"][0].update(rc=255, accepted=False, output="Permission denied (publickey).")


def break_apache_on_80(ev):
    ev["bonus"]["packages"]["apache2"] = True
    ev["sshd"]["listening"] = ev["sshd"]["listening"].replace('"lighttpd",pid=2301', '"apache2",pid=2301')


def break_remote_root(ev):
    ev["bonus"]["mariadb"]["accounts"]["out"] += "root\t%\n\tlocalhost\n"
    ev["bonus"]["mariadb"]["root_tcp"] = {"rc": 0, "out": "1\n", "error": ""}
    ev["bonus"]["mariadb"]["listening"] = "LISTEN 0 80 0.0.0.0:3306 0.0.0.0:*"


def break_site_down(ev):
    ev["bonus"]["front_page"] = {"status": 500, "url": "http://127.0.0.1:80/", "body": "", "error": "HTTP Error 500"}
    ev["bonus"]["login_page"] = {
        "status": None,
        "url": "http://127.0.0.1:80/wp-login.php",
        "body": "",
        "error": "timed out",
    }


def break_jail_port(ev):
    ev["bonus"]["fail2ban"]["ports"] = {"iptables-multiport": "ssh"}
    ev["bonus"]["fail2ban"]["enabled"] = "disabled"


def break_script(ev):
    ev["monitoring"]["run"].update(rc=1, stderr="line 9: bc: command not found\n")
    ev["monitoring"]["shebang"] = "#!/bin/sh"


@pytest.mark.parametrize(
    "breaker, failed, why",
    [
        (break_ssh_on_22, {"ssh_port"}, "sshd -T ports: 22, 4242, wanted only 4242"),
        (break_passwd_tries, {"sudo_passwd_tries"}, "passwd_tries is not set in sudoers"),
        (break_ufw_disabled, {"firewall_active"}, "ufw status: Status: inactive"),
        (break_root_login, {"ssh_root"}, "permitrootlogin yes"),
        (break_extra_port, {"firewall_ports"}, "ufw allows 4242/tcp, 80/tcp"),
        (break_aging, {"password_aging"}, "chage -l root: max 99999"),
        (break_pwquality, {"password_quality"}, "minlen: a 9-character password breaking only this rule was ACCEPTED"),
        (break_no_tty, {"sudo_requiretty"}, "requiretty is not set"),
        (break_cron_schedule, {"monitoring_cron"}, "every 10 minutes"),
        (break_script_edit, {"monitoring_cron_stop"}, "script unchanged"),
        (break_monitoring_field, {"monitoring_output"}, "field sudo is missing"),
        (break_gui, {"no_gui"}, "graphical packages installed: gdm3"),
        (break_mac, {"mac"}, "AppArmor enabled in the kernel"),
        (break_hostname, {"hostname"}, "running hostname 'debian', wanted 'marvin42'"),
        (break_groups, {"login_groups"}, "marvin is in group user42"),
        (break_cleanup, {"cleanup"}, "users changed: added ['evaluator"),
        (break_badpass, {"sudo_badpass_message"}, "badpass_message is None"),
        (break_logs, {"sudo_logs"}, "I/O log sessions in /var/log/sudo: 4 before, 4 after"),
        (break_secure_path, {"sudo_secure_path"}, "PATH under sudo: /usr/bin:/bin"),
        (break_disk, {"partitions", "partitions_bonus", "monitoring_output"}, "encrypted devices: none"),
        (break_firewall_rule, {"firewall_rule"}, "rule deleted and gone: exit 1"),
        (break_user_create, {"user_create"}, "refused: BAD PASSWORD"),
        (break_hostname_persistence, {"hostname_change"}, "preserve_hostname is False"),
        (break_ssh_user, {"ssh_user"}, "marvin could not log in"),
        (break_script, {"monitoring_script"}, "first line '#!/bin/sh'"),
        (break_apache_on_80, {"bonus_wordpress"}, "Apache or NGINX installed: apache2"),
        (break_remote_root, {"bonus_wordpress"}, "MariaDB over TCP ACCEPTS root"),
        (break_site_down, {"bonus_wordpress"}, "GET /: HTTP 500 (HTTP Error 500)"),
        (break_jail_port, {"bonus_fail2ban"}, "fail2ban at boot: disabled"),
    ],
)
def test_each_break_fails_exactly_its_checks_and_says_why(breaker, failed, why):
    ev = good_evidence()
    breaker(ev)
    checks = by_id(ev)
    assert {i for i, c in checks.items() if c["status"] == "fail"} == failed
    assert {i for i, c in checks.items() if c["status"] == "skip"} == set()
    first = sorted(failed)[0] if breaker is not break_disk else "partitions"
    assert why in checks[first]["reason"], checks[first]["reason"]


def test_the_three_breaks_of_the_negative_scenario_together():
    ev = good_evidence()
    for breaker in (break_ssh_on_22, break_passwd_tries, break_ufw_disabled):
        breaker(ev)
    summary = summarize(judge(ev, EXPECT))
    assert summary["failed_ids"] == ["sudo_passwd_tries", "firewall_active", "ssh_port"]
    assert summary["line"] == "%d passed, 3 failed, 0 skipped" % (len(CHECK_IDS) - 3)
    assert summary["not_passed"][0].startswith("FAIL sudo_passwd_tries: passwd_tries is not set in sudoers")


def test_without_passwords_the_checks_that_need_them_are_skipped_never_passed():
    ev = good_evidence()
    del ev["x_sudo"]["success"]
    ev["x_sudo"]["skipped"] = "no evaluate_user_password given"
    ev["remote"]["user"], ev["remote"]["root"] = [], []
    checks = by_id(ev)
    skipped = {i for i, c in checks.items() if c["status"] == "skip"}
    assert skipped == {"sudo_user", "sudo_logs", "sudo_secure_path", "ssh_root", "ssh_user"}
    assert "no evaluate_user_password given" in checks["sudo_logs"]["reason"]


def test_a_wrong_configuration_still_fails_when_the_behaviour_could_not_be_observed():
    ev = good_evidence()
    break_secure_path(ev)
    del ev["x_sudo"]["success"]
    assert by_id(ev)["sudo_secure_path"]["status"] == "fail"


@pytest.mark.parametrize(
    "status, message, expected",
    [
        ("disabled", "exercises turned off (evaluate_exercise: false)", "skip"),
        ("check_mode", "check mode: nothing exercised", "skip"),
        ("failed", "the module crashed", "fail"),
    ],
)
def test_without_exercises_their_checks_are_skipped_or_failed(status, message, expected):
    ev = good_evidence()
    for key in ("x_sudo", "x_user", "x_firewall", "x_cron", "x_hostname", "restore", "after"):
        del ev[key]
    ev["exercise"] = {"status": status, "message": message}
    checks = by_id(ev)
    exercised = {"hostname_change", "user_create", "firewall_rule", "password_quality", "monitoring_cron_stop"}
    exercised |= {
        "sudo_user",
        "sudo_passwd_tries",
        "sudo_badpass_message",
        "sudo_logs",
        "sudo_requiretty",
        "sudo_secure_path",
    }
    assert {i for i, c in checks.items() if c["status"] == expected} >= exercised
    assert checks["cleanup"]["status"] == "skip"
    assert checks["ssh_port"]["status"] == "pass"


def test_an_exercise_that_raised_fails_its_check():
    ev = good_evidence()
    ev["x_firewall"] = {"error": "FileNotFoundError: ufw"}
    check = by_id(ev)["firewall_rule"]
    assert check["status"] == "fail" and "FileNotFoundError" in check["reason"]


def test_existing_test_user_is_left_alone_and_reported_as_skip():
    ev = good_evidence()
    ev["x_user"] = {"skipped": "user evaluator, its group or home, or group evaluating existed before: left alone"}
    checks = by_id(ev)
    assert checks["user_create"]["status"] == "skip" and checks["password_quality"]["status"] == "skip"


def test_disk_layouts():
    assert statuses(good_evidence(), dict(EXPECT, disk_layout="mandatory"))["partitions_bonus"] == "skip"
    none = by_id(good_evidence(), dict(EXPECT, disk_layout="none"))
    assert none["partitions"]["status"] == "skip" and none["partitions"]["reason"] == "evaluate_disk_layout is none"
    ev = good_evidence()
    lsblk = json.loads(ev["lsblk"])
    lsblk["blockdevices"][0]["children"][0]["mountpoint"] = None  # /boot not mounted
    ev["lsblk"] = json.dumps(lsblk)
    checks = by_id(ev)
    assert checks["partitions"]["status"] == "pass" and checks["partitions_bonus"]["status"] == "fail"


def test_lvm_use_must_agree_with_lsblk():
    ev = good_evidence()
    ev["monitoring"]["run"]["stdout"] = MONITORING  # says "LVM use: no" on an LVM host
    assert "LVM use no, lsblk shows LVM volumes" in by_id(ev)["monitoring_output"]["reason"]


def test_hostname_persistence_after_the_reboot_step():
    ev = good_evidence()
    ev["x_hostname"].update(kept_for_reboot=True)
    del ev["x_hostname"]["restored"]
    ev["restore"] = {
        "hostname_seen": {"running": "evaluating42", "static": "evaluating42"},
        "hostname_restored": {"running": "marvin42", "static": "marvin42"},
        "actions": ["hostname back to marvin42"],
    }
    assert by_id(ev)["hostname_change"]["status"] == "pass"
    ev["restore"]["hostname_seen"]["running"] = "b2b-mol-debian"
    assert "after the reboot the hostname is 'b2b-mol-debian'" in by_id(ev)["hostname_change"]["reason"]


def test_rocky_firewalld_and_selinux():
    ex = dict(
        EXPECT, firewall="firewalld", mac="selinux", gui_packages=["gdm"], pam_password_file="/etc/pam.d/system-auth"
    )
    ev = good_evidence()
    clean = FIREWALLD.replace("cockpit dhcpv6-client ssh", "")
    ev["firewall"] = {"state": "running", "runtime": clean, "permanent": clean, "enabled": "enabled"}
    ev["mac"] = {"getenforce": "Enforcing", "config": "SELINUX=enforcing\nSELINUXTYPE=targeted\n"}
    ev["packages"] = {"gdm": False, "sudo": True}
    checks = by_id(ev, ex)
    assert [checks[i]["status"] for i in ("firewall_active", "firewall_ports", "mac")] == ["pass"] * 3
    assert checks["mac"]["title"] == "SELinux (enforcing) is active"
    ev["firewall"]["permanent"] = FIREWALLD
    ev["mac"]["getenforce"] = "Permissive"
    checks = by_id(ev, ex)
    assert "firewalld permanent services: cockpit, dhcpv6-client, ssh" in checks["firewall_ports"]["reason"]
    assert "getenforce: Permissive" in checks["mac"]["reason"]


def test_evaluate_skip_reports_skip():
    check = by_id(good_evidence(), dict(EXPECT, skip=["mac"]))["mac"]
    assert check["status"] == "skip" and check["reason"] == "listed in evaluate_skip"


def test_evidence_that_cannot_be_judged_fails_the_check():
    ev = good_evidence()
    ev["x_user"]["rules"] = [{"rule": "minlen"}]  # no length: a broken probe, not a pass
    check = by_id(ev)["password_quality"]
    assert check["status"] == "fail" and "could not be judged" in check["reason"]


def test_custom_badpass_message_must_match_when_given():
    check = by_id(good_evidence(), dict(EXPECT, sudo_badpass_message="Nope."))["sudo_badpass_message"]
    assert check["status"] == "fail" and "wanted 'Nope.'" in check["reason"]


def test_a_custom_message_that_sudo_never_shows_fails():
    ev = good_evidence()
    ev["x_sudo"]["wrong"]["transcript"] = WRONG_TRIES.replace(BADPASS, "Sorry, try again.")
    check = by_id(ev)["sudo_badpass_message"]
    assert check["status"] == "fail" and "shown 0 times after 3 wrong passwords" in check["reason"]


def test_bonus_breaks_name_each_wrong_part():
    ev = good_evidence()
    break_apache_on_80(ev)
    break_remote_root(ev)
    break_jail_port(ev)
    checks = by_id(ev)
    wordpress = checks["bonus_wordpress"]["reason"]
    for part in (
        "port 80 is served by apache2",
        "anonymous accounts: ''@'localhost'",
        "root accounts for other hosts: root@'%'",
        "MariaDB listens on 0.0.0.0",
    ):
        assert part in wordpress
    assert "the jail's actions block port 4242: iptables-multiport ssh" in checks["bonus_fail2ban"]["reason"]


def test_without_the_bonus_services_the_bonus_checks_are_skipped_never_passed():
    ev = good_evidence()
    ev["bonus"] = {"packages": {name: False for name in bonus_evidence()["packages"]}}
    checks = by_id(ev)
    assert {i for i, c in checks.items() if c["status"] != "pass"} == {"bonus_wordpress", "bonus_fail2ban"}
    assert checks["bonus_wordpress"]["status"] == checks["bonus_fail2ban"]["status"] == "skip"
    assert checks["bonus_wordpress"]["reason"] == "WordPress is not installed (wordpress): bonus not attempted"
    assert checks["bonus_fail2ban"]["reason"] == "fail2ban is not installed (fail2ban): bonus not attempted"


def test_the_site_title_is_judged_when_one_is_expected():
    expect = dict(EXPECT, bonus_site_title="Marvin's blog")
    reason = by_id(good_evidence(), expect)["bonus_wordpress"]["reason"]
    assert reason == "the front page's title is 'Born2beRoot by marvin', wanted \"Marvin's blog\""
    ev = good_evidence()
    ev["bonus"]["front_page"]["body"] = FRONT_PAGE.replace("Born2beRoot by marvin", "Marvin&#039;s blog")
    assert by_id(ev, expect)["bonus_wordpress"]["status"] == "pass"
