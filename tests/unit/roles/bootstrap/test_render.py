"""Exact configuration the bootstrap role produces, per OS family (Rocky cannot boot here)."""

from __future__ import annotations

import base64
import os
import subprocess

import pytest
from conftest import Renderer, load_yaml, role_file

PWQUALITY = [
    "minlen = 10",
    "ucredit = -1",
    "lcredit = -1",
    "dcredit = -1",
    "maxrepeat = 3",
    "usercheck = 1",
    "difok = 7",
    "enforce_for_root",
]


def config_lines(lines):
    return [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("family", ["Debian", "RedHat"])
def test_pwquality_conf_is_the_baseline_on_both_families(renderer, family):
    lines = renderer(family).template("pwquality.conf.j2")
    assert lines[0:3] == ["#", "# Ansible managed", "#"]
    assert config_lines(lines) == PWQUALITY


def test_pwquality_flags_are_written_only_when_true(debian):
    r = Renderer("Debian", bootstrap_pwquality={"minlen": 12, "enforce_for_root": False, "local_users_only": True})
    assert config_lines(r.template("pwquality.conf.j2")) == ["minlen = 12", "local_users_only"]


def sudoers(family, **overrides):
    return config_lines(Renderer(family, **overrides).template("sudoers.j2"))


def test_sudoers_drop_in_on_rocky_grants_the_sudo_group():
    assert sudoers("RedHat", bootstrap_sudo_requiretty_exempt=["ansible"]) == [
        "Defaults\tpasswd_tries=3",
        'Defaults\tbadpass_message="Wrong password: this attempt has been logged."',
        'Defaults\tlogfile="/var/log/sudo/sudo.log"',
        "Defaults\tlog_input,log_output",
        'Defaults\tiolog_dir="/var/log/sudo"',
        "Defaults\trequiretty",
        "Defaults:ansible\t!requiretty",
        'Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin"',
        "%sudo\tALL=(ALL:ALL) ALL",
    ]


def test_sudoers_drop_in_on_debian_leaves_the_group_rule_to_etc_sudoers():
    lines = sudoers("Debian")
    assert "Defaults\trequiretty" in lines
    assert not [line for line in lines if line.startswith("%") or "!requiretty" in line]


def test_sudoers_quotes_the_message():
    lines = sudoers("Debian", bootstrap_sudo_badpass_message='Say "please" \\ again', bootstrap_sudo_requiretty=False)
    assert 'Defaults\tbadpass_message="Say \\"please\\" \\\\ again"' in lines
    assert not [line for line in lines if "requiretty" in line]


@pytest.mark.parametrize(
    ("overrides", "ports"),
    [
        ({"__bootstrap_sshd_ports": [4242]}, ["Port 4242"]),
        ({"__bootstrap_sshd_ports": [22, 4242]}, ["Port 22", "Port 4242"]),
    ],
)
def test_sshd_drop_in(redhat, overrides, ports):
    lines = config_lines(
        Renderer("RedHat", bootstrap_ssh_options={"X11Forwarding": "no"}).template("sshd_config.j2", **overrides)
    )
    assert lines == ports + ["PermitRootLogin no", "X11Forwarding no"]


def test_rocky_variables(redhat):
    assert redhat.var("__bootstrap_packages") == [
        "sudo",
        "openssh-server",
        "firewalld",
        "libpwquality",
        "authselect",
        "policycoreutils",
        "policycoreutils-python-utils",
        "selinux-policy-targeted",
        "cronie",
    ]
    assert redhat.var("__bootstrap_package_manager") == "dnf"
    assert redhat.var("__bootstrap_pam_tool") == "authselect"
    assert redhat.var("__bootstrap_sshd_service") == "sshd"
    assert redhat.var("__bootstrap_cron_service") == "crond"
    assert redhat.var("__bootstrap_pam_password_file") == "/etc/pam.d/system-auth"
    assert redhat.var("__bootstrap_firewall_backend") == "firewalld"
    assert redhat.var("__bootstrap_mac") == "selinux"
    assert redhat.var("__bootstrap_firewall_preopen_argv") == ["firewall-cmd", "--add-port=4242/tcp"]
    assert redhat.var("__bootstrap_firewall_preopen_rcs") == [0, 252]


def test_debian_variables(debian):
    assert debian.var("__bootstrap_packages") == [
        "sudo",
        "openssh-server",
        "ufw",
        "libpam-pwquality",
        "cracklib-runtime",  # the dictionary pam_pwquality loads; without it every password is refused
        "apparmor",
        "cron",
    ]
    assert debian.var("__bootstrap_firewall_preopen_argv") == ["ufw", "allow", "4242/tcp"]
    assert debian.var("__bootstrap_package_manager") == "apt"
    assert debian.var("__bootstrap_pam_tool") == "pam-auth-update"
    assert debian.var("__bootstrap_sshd_service") == "ssh"
    assert debian.var("__bootstrap_pam_password_file") == "/etc/pam.d/common-password"


def test_every_family_file_defines_the_same_variables():
    assert sorted(load_yaml("vars", "Debian.yml")) == sorted(load_yaml("vars", "RedHat.yml"))


ROCKY_ZONE = """public (active)
  target: default
  interfaces: eth0
  services: cockpit dhcpv6-client ssh
  ports: 4242/tcp 8080/tcp
  forward-ports:
  source-ports: 9999/udp
"""


def test_firewalld_removes_the_default_services_and_undeclared_ports():
    r = Renderer("RedHat", __bootstrap_firewalld_zone={"stdout_lines": ROCKY_ZONE.splitlines()})
    assert r.var("__bootstrap_firewalld_list") == {
        "services": ["cockpit", "dhcpv6-client", "ssh"],
        "ports": ["4242/tcp", "8080/tcp"],
    }
    assert r.var("__bootstrap_firewalld_removals") == [
        "--remove-service=cockpit",
        "--remove-service=dhcpv6-client",
        "--remove-service=ssh",
        "--remove-port=8080/tcp",
    ]
    assert r.task_command(
        "firewall_firewalld.yml", "Remove services and ports nobody declared", item="--remove-service=ssh"
    ) == ("firewall-cmd --permanent --remove-service=ssh")


def test_firewalld_keeps_declared_ports_and_opens_missing_ones():
    r = Renderer(
        "RedHat",
        __bootstrap_firewalld_zone={"stdout_lines": ROCKY_ZONE.splitlines()},
        bootstrap_firewall_ports_web=["8080/tcp", 443],
    )
    assert r.var("__bootstrap_firewall_ports") == ["4242/tcp", "8080/tcp", "443/tcp"]
    assert r.var("__bootstrap_firewalld_removals") == [
        "--remove-service=cockpit",
        "--remove-service=dhcpv6-client",
        "--remove-service=ssh",
    ]
    missing = [p for p in r.var("__bootstrap_firewall_ports") if p not in r.var("__bootstrap_firewalld_list")["ports"]]
    assert [r.task_command("firewall_firewalld.yml", "Open the declared ports", item=p) for p in missing] == [
        "firewall-cmd --permanent --add-port=443/tcp"
    ]


SEMANAGE_BEFORE = """SELinux Port Type              Proto    Port Number

ssh_port_t                     tcp      22
unreserved_port_t              tcp      61000-61001, 1024-32767
xserver_port_t                 tcp      6000-6020
"""


def test_selinux_labels_the_ssh_port_with_semanage():
    r = Renderer("RedHat", __bootstrap_semanage_ports={"stdout_lines": SEMANAGE_BEFORE.splitlines()})
    assert r.var("__bootstrap_ssh_port_types") == []
    assert (
        r.task_command("ssh.yml", "Label the SSH port for SELinux")
        == "semanage port --add --type ssh_port_t --proto tcp 4242"
    )


def test_selinux_leaves_a_labelled_port_alone_and_relabels_a_taken_one():
    after = SEMANAGE_BEFORE.replace("tcp      22", "tcp      4242, 22")
    assert Renderer("RedHat", __bootstrap_semanage_ports={"stdout_lines": after.splitlines()}).var(
        "__bootstrap_ssh_port_types"
    ) == ["ssh_port_t"]
    taken = SEMANAGE_BEFORE + "http_port_t                    tcp      4242, 80\n"
    r = Renderer("RedHat", __bootstrap_semanage_ports={"stdout_lines": taken.splitlines()})
    assert r.var("__bootstrap_ssh_port_types") == ["http_port_t"]
    assert (
        r.task_command("ssh.yml", "Label the SSH port for SELinux")
        == "semanage port --modify --type ssh_port_t --proto tcp 4242"
    )


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ucq7Lpz2Wm", ""),
        ("Ucq7Lpz2W", "marvin: shorter than 10 characters"),
        ("ucq7lpz2wm", "marvin: needs at least 1 upper-case letter"),
        ("UCQ7LPZ2WM", "marvin: needs at least 1 lower-case letter"),
        ("UcqxLpzaWm", "marvin: needs at least 1 digit"),
        ("Ucq7Lpzzzz2W", "marvin: more than 3 identical characters in a row"),
        ("Ucq7Lpzzz2W", ""),
        ("Marvin42xyz", "marvin: contains the user name"),
        ("Nivram42xyz", "marvin: contains the user name"),
        (
            "abc",
            "marvin: needs at least 1 upper-case letter; marvin: needs at least 1 digit; "
            "marvin: shorter than 10 characters",
        ),
    ],
)
def test_password_policy_check(password, problem):
    assert Renderer("Debian", bootstrap_user_password=password).var("__bootstrap_password_problems") == problem


def test_password_policy_check_covers_root_and_skips_hashes():
    r = Renderer("Debian", bootstrap_root_password="short1A", bootstrap_user_password_hash="$6$x$y")
    assert r.var("__bootstrap_password_problems") == "root: shorter than 10 characters"


def test_positive_credits_count_towards_the_length():
    r = Renderer("Debian", bootstrap_user_password="Abcdefg12", bootstrap_pwquality={"minlen": 10, "dcredit": 1})
    assert r.var("__bootstrap_password_problems") == ""


@pytest.mark.parametrize(
    ("sudo_user", "pipelining", "exempt", "refused"),
    [
        ("ansible", True, [], True),
        ("ansible", True, ["ansible"], False),
        ("ansible", False, [], False),
        ("", True, [], False),
    ],
)
def test_requiretty_guard(sudo_user, pipelining, exempt, refused):
    task = Renderer("Debian").task("preflight.yml", "Refuse a sudo configuration that would cut Ansible off")
    r = Renderer(
        "Debian",
        ansible_facts={**Renderer("Debian").var("ansible_facts"), "env": {"SUDO_USER": sudo_user} if sudo_user else {}},
        ansible_pipelining=pipelining,
        bootstrap_sudo_requiretty_exempt=exempt,
    )
    assert r.expr("{{ %s }}" % task["ansible.builtin.assert"]["that"].strip()) is not refused


def test_aging_applies_to_existing_humans_and_root():
    passwd = {
        "root": ["x", "0"],
        "daemon": ["x", "1"],
        "marvin": ["x", "1000"],
        "bob": ["x", "1001"],
        "nobody": ["x", "65534"],
    }
    r = Renderer("Debian", ansible_facts={"getent_passwd": passwd})
    assert r.var("__bootstrap_aging_accounts") == ["root", "marvin", "bob"]
    r = Renderer("Debian", ansible_facts={"getent_passwd": passwd}, bootstrap_password_aging_exclude=["bob"])
    assert r.var("__bootstrap_aging_accounts") == ["root", "marvin"]
    r = Renderer(
        "Debian", ansible_facts={"getent_passwd": {"root": ["x", "0"]}}, bootstrap_password_aging_existing_users=False
    )
    assert r.var("__bootstrap_aging_accounts") == ["root"]


FIELDS = [
    "Architecture",
    "CPU physical",
    "vCPU",
    "Memory Usage",
    "Disk Usage",
    "CPU load",
    "Last boot",
    "LVM use",
    "Connections TCP",
    "User log",
    "Network",
    "Sudo",
]


def test_monitoring_script_prints_every_field_without_stderr(tmp_path, debian):
    script = tmp_path / "monitoring.sh"
    script.write_text("\n".join(debian.template("monitoring.sh.j2")) + "\n")
    done = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, timeout=30, env={"PATH": os.environ["PATH"]}, check=False
    )
    assert done.returncode == 0
    assert done.stderr == ""
    labels = [line.strip().lstrip("#").split(":")[0].strip() for line in done.stdout.splitlines()]
    assert labels == FIELDS
    assert done.stdout.splitlines()[-1].strip() == "#Sudo : 0 cmd"  # no sudo log on this machine


def test_argument_specs_cover_every_default():
    specs = load_yaml("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load_yaml("defaults", "main.yml")
    assert sorted(specs) == sorted(set(defaults) | {"bootstrap_login"})
    for name, value in defaults.items():
        if "{{" not in str(value):
            assert specs[name].get("default") == value, name
    assert os.path.isfile(role_file("README.md"))


def test_rocky_selects_an_authselect_profile_only_when_none_is(redhat):
    task = redhat.task("pam_redhat.yml", "Select an authselect profile")
    assert task["when"] == "__bootstrap_authselect.rc != 0"
    assert redhat.task_command("pam_redhat.yml", "Select an authselect profile") == "authselect select minimal --force"
    check = redhat.task("pam_redhat.yml", "Check that pam_pwquality is in the password stack")[
        "ansible.builtin.assert"
    ]["that"]
    stack = (
        "password    requisite     pam_pwquality.so local_users_only\npassword    sufficient    pam_unix.so sha512\n"
    )
    r = Renderer("RedHat", __bootstrap_pam_stack={"content": base64.b64encode(stack.encode()).decode()})
    assert r.expr("{{ %s }}" % check) is True
    r = Renderer(
        "RedHat", __bootstrap_pam_stack={"content": base64.b64encode(b"password sufficient pam_unix.so\n").decode()}
    )
    assert r.expr("{{ %s }}" % check) is False
