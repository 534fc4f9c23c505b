# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judge the evidence gathered on a host against the Born2beRoot baseline (private API). Pure.

``judge(evidence, expect)`` returns one check per item of the baseline: ``{'id', 'title',
'status': 'pass' | 'fail' | 'skip', 'reason', 'evidence': [lines]}``. A check fails when any part
observed is wrong, is skipped when nothing observed is wrong but a part could not be observed
(no password given, exercises off, check mode), and passes only when every part was observed.
"""

from __future__ import annotations

import contextlib
import html
import re

from ansible_collections.born2beroot.virt.plugins.module_utils import _evaluate_parse as parse
from ansible_collections.born2beroot.virt.plugins.module_utils._evaluate_password import refusal_matches

SUDO_DEFAULT_BADPASS = "Sorry, try again."


class Check:
    """Collects what one check saw; ``result()`` decides the status from it."""

    def __init__(self, check_id, title):
        self.id, self.title = check_id, title
        self.evidence, self.failures, self.unobserved = [], [], []

    def see(self, line):
        self.evidence.append(str(line))
        return self

    def expect(self, ok, what):
        """Record a requirement: ``what`` describes it with what was found; a False ``ok`` fails the check."""
        self.evidence.append(("ok: " if ok else "WRONG: ") + what)
        if not ok:
            self.failures.append(what)
        return ok

    def missing(self, why):
        self.evidence.append("not observed: " + why)
        self.unobserved.append(why)

    def result(self):
        if self.failures:
            status, reason = "fail", "; ".join(self.failures)
        elif self.unobserved:
            status, reason = "skip", "; ".join(self.unobserved)
        else:
            status, reason = "pass", ""
        return {"id": self.id, "title": self.title, "status": status, "reason": reason, "evidence": self.evidence}


def _exercised(check, ev, key, partial=False):
    """The evidence of one exercise, or None after telling the check why it is absent.

    An exercise that was skipped as a whole (its ``skipped`` says why) makes the check a skip,
    unless ``partial``: then the parts it did run are still judged.
    """
    part = ev.get(key)
    if part is not None:
        if part.get("error"):
            check.expect(False, "the exercise raised %s" % part["error"])
            return None
        if part.get("skipped") and not partial:
            check.missing(part["skipped"])
            return None
        return part
    run = ev.get("exercise") or {}
    if run.get("status") == "failed":
        check.expect(False, "the exercise task failed before this part ran: %s" % run.get("message", ""))
    else:
        check.missing(run.get("message") or "the exercises did not run")
    return None


def _tail(text, lines=6):
    return " | ".join(line.strip() for line in (text or "").strip().splitlines()[-lines:] if line.strip())


# --- system --------------------------------------------------------------------------------------


def check_os(c, ev, ex):
    info = ev.get("os") or {}
    c.see("os-release: %s" % (info.get("pretty_name") or info.get("name") or "unknown"))
    allowed = [d.lower() for d in ex["distributions"]]
    names = {str(info.get("id", "")).lower(), str(info.get("name", "")).split(" ", maxsplit=1)[0].lower()}
    c.expect(
        bool(names & set(allowed)), "distribution %s is one of %s" % (info.get("name"), ", ".join(ex["distributions"]))
    )


def check_no_gui(c, ev, ex):
    packages = ev.get("packages") or {}
    installed = sorted(p for p in ex["gui_packages"] if packages.get(p))
    c.expect(not installed, "graphical packages installed: %s" % (", ".join(installed) or "none"))
    running = ev.get("gui_processes") or []
    c.expect(not running, "graphical processes running: %s" % (", ".join(running) or "none"))
    target = ev.get("default_target") or ""
    c.expect(target != "graphical.target", "boots to %s" % (target or "an unknown target"))


def check_login_groups(c, ev, ex):
    login = ev.get("login") or {}
    if not c.expect(login.get("exists", False), "user %s exists" % ex["login"]):
        return
    groups = login.get("groups") or []
    c.see("id -nG %s: %s" % (ex["login"], " ".join(groups)))
    for group in ex["groups"]:
        c.expect(group in groups, "%s is in group %s" % (ex["login"], group))


def check_hostname(c, ev, ex):
    host = ev.get("hostname") or {}
    c.expect(
        host.get("running") == ex["hostname"], "running hostname %r, wanted %r" % (host.get("running"), ex["hostname"])
    )
    c.expect(
        host.get("static") == ex["hostname"], "/etc/hostname says %r, wanted %r" % (host.get("static"), ex["hostname"])
    )
    c.see("getent hosts %s: %s" % (host.get("running"), host.get("resolves") or "not resolved"))


def check_hostname_change(c, ev, ex):
    change = _exercised(c, ev, "x_hostname")
    if change is None:
        return
    temp = change.get("temp")
    c.expect(
        change.get("running") == temp,
        "after the change the running hostname is %r (set %r)" % (change.get("running"), temp),
    )
    c.expect(
        change.get("static") == temp, "after the change /etc/hostname says %r (set %r)" % (change.get("static"), temp)
    )
    cloud = (ev.get("hostname") or {}).get("cloud_init") or {}
    if cloud.get("installed"):
        c.expect(
            cloud.get("preserve_hostname") is True,
            "cloud-init is installed and preserve_hostname is %s (it resets the name at boot unless true)"
            % cloud.get("preserve_hostname"),
        )
    seen = (ev.get("restore") or {}).get("hostname_seen")
    if change.get("kept_for_reboot"):
        if seen is None:
            c.missing("the reboot step did not report the hostname")
        else:
            c.expect(
                seen.get("running") == temp,
                "after the reboot the hostname is %r (set %r)" % (seen.get("running"), temp),
            )
    else:
        c.see("reboot step off (evaluate_hostname_reboot): persistence judged from /etc/hostname and cloud-init")
    restored = change.get("restored") or (ev.get("restore") or {}).get("hostname_restored")
    original = change.get("original")
    if restored is None:
        c.missing("the hostname restore did not report")
    else:
        c.expect(
            restored.get("running") == original and restored.get("static") == original,
            "hostname restored to %r (running %r, /etc/hostname %r)"
            % (original, restored.get("running"), restored.get("static")),
        )


def check_user_create(c, ev, ex):
    user = _exercised(c, ev, "x_user")
    if user is None:
        return
    c.expect(
        user.get("group_rc") == 0,
        "groupadd %s: exit %s %s" % (ex["test_group"], user.get("group_rc"), user.get("group_err", "")),
    )
    c.expect(
        user.get("user_rc") == 0,
        "useradd %s: exit %s %s" % (ex["test_user"], user.get("user_rc"), user.get("user_err", "")),
    )
    c.expect(
        user.get("good_rc") == 0,
        "a compliant %s-character password was %s %s"
        % (
            user.get("good_length"),
            "accepted" if user.get("good_rc") == 0 else "refused:",
            _tail(user.get("good_out"), 2),
        ),
    )
    c.expect(
        ex["test_group"] in (user.get("groups") or []),
        "id -nG %s: %s" % (ex["test_user"], " ".join(user.get("groups") or [])),
    )
    c.expect(user.get("removed") is True, "user and group removed afterwards: %s" % user.get("removed"))


def check_partitions(c, ev, ex):
    if ex["disk_layout"] == "none":
        c.missing("evaluate_disk_layout is none")
        return
    devices = _lsblk(c, ev)
    if devices is None:
        return
    crypts = [d["name"] for d in devices if d["type"] == "crypt"]
    volumes = [d for d in devices if d["type"] == "lvm" and any(p in crypts for p in d["parents"])]
    for device in devices:
        c.see(
            "%s%s %s %s" % ("  " * len(device["parents"]), device["name"], device["type"], " ".join(device["mounts"]))
        )
    c.expect(bool(crypts), "encrypted devices: %s" % (", ".join(crypts) or "none"))
    c.expect(len(volumes) >= 2, "LVM volumes on an encrypted device: %d (at least 2 wanted)" % len(volumes))


def _lsblk(c, ev):
    try:
        return parse.parse_lsblk(ev.get("lsblk") or "")
    except ValueError as exc:
        c.expect(False, "lsblk -J output unreadable: %s" % exc)
        return None


def check_partitions_bonus(c, ev, ex):
    if ex["disk_layout"] != "bonus":
        c.missing("evaluate_disk_layout is %s, not bonus" % ex["disk_layout"])
        return
    devices = _lsblk(c, ev)
    if devices is None:
        return
    crypts = {d["name"] for d in devices if d["type"] == "crypt"}
    boot = [d for d in devices if "/boot" in d["mounts"] and d["type"] == "part" and not (set(d["parents"]) & crypts)]
    c.expect(bool(boot), "/boot on a plain partition: %s" % (boot[0]["name"] if boot else "none"))
    volumes = {}
    for device in devices:
        vg, lv = parse.split_dm_name(device["name"])
        if device["type"] == "lvm" and vg == ex["disk_vg"] and set(device["parents"]) & crypts:
            volumes[lv] = device
    for lv, mount in ex["disk_volumes"].items():
        device = volumes.get(lv)
        mounts = device["mounts"] if device else []
        ok = device is not None and (mount in mounts or (mount == "[SWAP]" and device["fstype"] == "swap"))
        c.expect(
            ok,
            "LV %s/%s on an encrypted device mounted at %s: %s"
            % (ex["disk_vg"], lv, mount, " ".join(mounts) if device else "missing"),
        )


# --- sudo ----------------------------------------------------------------------------------------


def _sudoers(ev):
    sudo = ev.get("sudo") or {}
    files, dirs = sudo.get("files") or {}, sudo.get("dirs") or {}
    entries, _read, problems = parse.walk_sudoers(files.get, dirs.get)
    return parse.sudoers_effective(entries), parse.sudoers_scoped(entries), problems


def check_sudo_installed(c, ev, ex):
    sudo = ev.get("sudo") or {}
    c.expect(
        bool(sudo.get("binary")),
        "sudo binary: %s (%s)" % (sudo.get("binary") or "missing", sudo.get("version") or "no version"),
    )
    c.expect(
        bool((ev.get("packages") or {}).get("sudo")),
        "package sudo installed: %s" % bool((ev.get("packages") or {}).get("sudo")),
    )
    c.expect(sudo.get("visudo_rc") == 0, "visudo -c: %s" % _tail(sudo.get("visudo_out"), 4))


def _sudo_run(c, ev, name, need_password=False):
    run = _exercised(c, ev, "x_sudo", partial=True)
    if run is None:
        return None
    part = run.get(name)
    if part is None:
        c.missing(run.get("skipped") or ("no evaluate_user_password given" if need_password else "sudo was not run"))
    return part


def check_sudo_user(c, ev, ex):
    ok = c.expect(
        ex["sudo_group"] in ((ev.get("login") or {}).get("groups") or []),
        "%s is in group %s" % (ex["login"], ex["sudo_group"]),
    )
    run = _sudo_run(c, ev, "success", need_password=True)
    if run is None or not ok:
        return
    c.expect(
        run.get("rc") == 0,
        "sudo printenv PATH as %s with the password: exit %s, %s"
        % (ex["login"], run.get("rc"), _tail(run.get("transcript"))),
    )


def check_sudo_passwd_tries(c, ev, ex):
    settings, _scoped, _problems = _sudoers(ev)
    tries = settings.get("passwd_tries")
    if tries is None:
        c.expect(False, "passwd_tries is not set in sudoers (only sudo's built-in default applies)")
    else:
        c.expect(
            str(tries) == str(ex["sudo_passwd_tries"]),
            "sudoers sets passwd_tries=%s, wanted %s" % (tries, ex["sudo_passwd_tries"]),
        )
    run = _sudo_run(c, ev, "wrong")
    if run is None:
        return
    prompts = len(re.findall(r"password for", run.get("transcript") or "", re.I))
    c.expect(
        prompts == int(ex["sudo_passwd_tries"]), "sudo asked for the password %d times with wrong passwords" % prompts
    )
    c.expect(
        bool(re.search(r"%d incorrect password attempt" % int(ex["sudo_passwd_tries"]), run.get("transcript") or "")),
        "sudo ended with: %s" % _tail(run.get("transcript"), 1),
    )


def check_sudo_badpass_message(c, ev, ex):
    settings, _scoped, _problems = _sudoers(ev)
    message = settings.get("badpass_message")
    if ex["sudo_badpass_message"]:
        c.expect(
            message == ex["sudo_badpass_message"],
            "badpass_message is %r, wanted %r" % (message, ex["sudo_badpass_message"]),
        )
    else:
        c.expect(
            bool(message) and message != SUDO_DEFAULT_BADPASS, "badpass_message is %r (a custom one wanted)" % message
        )
    run = _sudo_run(c, ev, "wrong")
    if run is None or not message:
        return
    shown = (run.get("transcript") or "").count(message)
    prompts = len(re.findall(r"password for", run.get("transcript") or "", re.I))
    # sudo prints it after each wrong password but the last, which ends with "N incorrect password attempts".
    c.expect(
        shown >= 1 and shown in (prompts - 1, prompts),
        "the message was shown %d times after %d wrong passwords" % (shown, prompts),
    )


def check_sudo_logs(c, ev, ex):
    settings, _scoped, _problems = _sudoers(ev)
    c.expect(
        settings.get("logfile") == ex["sudo_logfile"],
        "logfile is %r, wanted %r" % (settings.get("logfile"), ex["sudo_logfile"]),
    )
    if ex["sudo_log_io"]:
        for flag in ("log_input", "log_output"):
            c.expect(
                settings.get(flag) is True, "%s is %s" % (flag, "set" if settings.get(flag) is True else "not set")
            )
        c.expect(
            settings.get("iolog_dir") == ex["sudo_log_dir"],
            "iolog_dir is %r, wanted %r" % (settings.get("iolog_dir"), ex["sudo_log_dir"]),
        )
    run = _sudo_run(c, ev, "success", need_password=True)
    if run is None:
        return
    added = re.sub(r"\s*\n\s+", " ", run.get("log_added") or "")  # sudo wraps long log lines
    c.expect(
        bool(re.search(r"\b%s\b.*COMMAND=\S*printenv PATH" % re.escape(ex["login"]), added)),
        "%s got a line for the command: %s" % (ex["sudo_logfile"], _tail(added, 2) or "nothing new"),
    )
    if ex["sudo_log_io"]:
        before, after = run.get("io_before"), run.get("io_after")
        c.expect(
            isinstance(after, int) and isinstance(before, int) and after > before,
            "I/O log sessions in %s: %s before, %s after" % (ex["sudo_log_dir"], before, after),
        )


def check_sudo_requiretty(c, ev, ex):
    settings, scoped, _problems = _sudoers(ev)
    c.expect(
        settings.get("requiretty") is True,
        "requiretty is %s" % ("set" if settings.get("requiretty") is True else "not set"),
    )
    exempt = [line for line in scoped if "requiretty" in line]
    if exempt:
        c.see("exemptions: %s" % "; ".join(exempt))
    run = _sudo_run(c, ev, "notty")
    if run is None:
        return
    c.expect(
        bool(re.search(r"must have a tty|terminal is required", run.get("output") or "")) and run.get("rc") != 0,
        "sudo without a terminal: exit %s, %s" % (run.get("rc"), _tail(run.get("output"), 2)),
    )


def check_sudo_secure_path(c, ev, ex):
    settings, _scoped, _problems = _sudoers(ev)
    c.expect(settings.get("secure_path") == ex["sudo_secure_path"], "secure_path is %r" % settings.get("secure_path"))
    run = _sudo_run(c, ev, "success", need_password=True)
    if run is None:
        return
    lines = [line.strip() for line in (run.get("transcript") or "").splitlines() if line.strip()]
    c.expect(
        bool(lines) and lines[-1] == ex["sudo_secure_path"],
        "PATH under sudo: %s" % (lines[-1] if lines else "nothing printed"),
    )


# --- firewall ------------------------------------------------------------------------------------


def check_firewall_active(c, ev, ex):
    fw = ev.get("firewall") or {}
    if ex["firewall"] == "ufw":
        status = parse.parse_ufw_status(fw.get("status"))
        c.expect(
            status["active"] is True,
            "ufw status: %s" % ((fw.get("status") or "nothing").strip().splitlines() or [""])[0],
        )
        conf = parse.parse_shell_vars(fw.get("ufw_conf"))
        c.expect(
            conf.get("ENABLED") == "yes", "/etc/ufw/ufw.conf ENABLED=%s (starts at boot when yes)" % conf.get("ENABLED")
        )
    else:
        c.expect(
            (fw.get("state") or "").strip() == "running", "firewall-cmd --state: %s" % (fw.get("state") or "").strip()
        )
    c.expect(fw.get("enabled") == "enabled", "systemctl is-enabled %s: %s" % (ex["firewall"], fw.get("enabled")))


def check_firewall_ports(c, ev, ex):
    fw = ev.get("firewall") or {}
    wanted = sorted(parse.normalize_port(p) for p in ex["firewall_ports"])
    if ex["firewall"] == "ufw":
        ports, others = parse.ufw_rule_ports(parse.parse_ufw_added(fw.get("added")))
        c.expect(ports == wanted, "ufw allows %s, wanted only %s" % (", ".join(ports) or "nothing", ", ".join(wanted)))
        c.expect(not others, "other ufw rules: %s" % ("; ".join(others) or "none"))
        policy = parse.parse_shell_vars(fw.get("default")).get("DEFAULT_INPUT_POLICY")
        c.expect(policy in ("DROP", "REJECT"), "default incoming policy %s" % policy)
        return
    for kind in ("runtime", "permanent"):
        listed = parse.parse_firewalld_list_all(fw.get(kind))
        ports = sorted(parse.normalize_port(p) for p in listed.get("ports", []))
        c.expect(
            ports == wanted,
            "firewalld %s ports %s, wanted only %s" % (kind, ", ".join(ports) or "none", ", ".join(wanted)),
        )
        c.expect(
            not listed.get("services"),
            "firewalld %s services: %s" % (kind, ", ".join(listed.get("services") or []) or "none"),
        )


def check_firewall_rule(c, ev, ex):
    rule = _exercised(c, ev, "x_firewall")
    if rule is None:
        return
    c.expect(
        rule.get("add_rc") == 0 and rule.get("listed_after_add") is True,
        "rule for %s added and listed: exit %s, %s"
        % (rule.get("port"), rule.get("add_rc"), _tail(rule.get("add_out"), 1)),
    )
    c.expect(
        rule.get("delete_rc") == 0 and rule.get("listed_after_delete") is False,
        "rule deleted and gone: exit %s, %s" % (rule.get("delete_rc"), _tail(rule.get("delete_out"), 1)),
    )


# --- ssh -----------------------------------------------------------------------------------------


def check_ssh_port(c, ev, ex):
    sshd = ev.get("sshd") or {}
    config = parse.parse_sshd_t(sshd.get("effective"))
    if not c.expect(
        sshd.get("rc") == 0, ("sshd -T: exit %s %s" % (sshd.get("rc"), _tail(sshd.get("error"), 1))).strip()
    ):
        return
    ports = sorted(set(int(p) for p in config.get("port", [])))
    c.expect(
        ports == [int(ex["ssh_port"])],
        "sshd -T ports: %s, wanted only %s" % (", ".join(map(str, ports)) or "none", ex["ssh_port"]),
    )
    listening = sorted({s["port"] for s in parse.parse_ss_listening(sshd.get("listening")) if s["process"] == "sshd"})
    if listening:
        c.expect(listening == [int(ex["ssh_port"])], "sshd listens on %s" % ", ".join(map(str, listening)))
    else:
        c.see("ss shows no sshd sockets with their process")
    remote = ev.get("remote")
    if remote is None:
        c.missing("the controller did not probe the ports")
        return
    banners = remote.get("ports") or {}
    main = banners.get(str(ex["ssh_port"])) or {}
    c.expect(
        (main.get("banner") or "").startswith("SSH-"),
        "from the controller, port %s answers %r" % (ex["ssh_port"], main.get("banner") or main.get("error")),
    )
    for port in ex["ssh_closed_ports"]:
        seen = banners.get(str(port)) or {}
        c.expect(
            not (seen.get("banner") or "").startswith("SSH-"),
            "from the controller, port %s: %s" % (port, seen.get("banner") or seen.get("error") or "closed"),
        )


def _attempts(c, attempts, account):
    for attempt in attempts:
        c.see(
            "ssh %s@ with %s: %s"
            % (
                account,
                attempt.get("method"),
                "logged in" if attempt.get("accepted") else _tail(attempt.get("output"), 1),
            )
        )


def check_ssh_root(c, ev, ex):
    config = parse.parse_sshd_t((ev.get("sshd") or {}).get("effective"))
    value = (config.get("permitrootlogin") or ["unknown"])[0]
    c.expect(
        value == ex["permit_root_login"], "sshd -T permitrootlogin %s, wanted %s" % (value, ex["permit_root_login"])
    )
    attempts = (ev.get("remote") or {}).get("root")
    if not attempts:
        c.missing("no root credential to try (evaluate_root_password or evaluate_ssh_identity_file)")
        return
    _attempts(c, attempts, "root")
    c.expect(
        not any(a.get("accepted") for a in attempts),
        "root could log in over SSH" if any(a.get("accepted") for a in attempts) else "every root login was refused",
    )


def check_ssh_user(c, ev, ex):
    attempts = (ev.get("remote") or {}).get("user")
    if not attempts:
        c.missing("no credential for %s (evaluate_user_password or evaluate_ssh_identity_file)" % ex["login"])
        return
    _attempts(c, attempts, ex["login"])
    c.expect(
        any(a.get("accepted") for a in attempts),
        "%s %s log in on port %s"
        % (ex["login"], "could" if any(a.get("accepted") for a in attempts) else "could not", ex["ssh_port"]),
    )


# --- passwords -----------------------------------------------------------------------------------


def _aging_matches(aging, ex):
    return (aging.get("max"), aging.get("min"), aging.get("warn")) == (
        ex["password_max_days"],
        ex["password_min_days"],
        ex["password_warn_age"],
    )


def check_password_aging(c, ev, ex):
    aging = ev.get("aging") or {}
    defs = parse.parse_key_values(aging.get("login_defs"))
    for key, wanted in (
        ("PASS_MAX_DAYS", ex["password_max_days"]),
        ("PASS_MIN_DAYS", ex["password_min_days"]),
        ("PASS_WARN_AGE", ex["password_warn_age"]),
    ):
        c.expect(str(defs.get(key)) == str(wanted), "login.defs %s %s, wanted %s" % (key, defs.get(key), wanted))
    for account, text in sorted((aging.get("chage") or {}).items()):
        found = parse.parse_chage(text)
        c.expect(
            _aging_matches(found, ex),
            "chage -l %s: max %s, min %s, warn %s" % (account, found["max"], found["min"], found["warn"]),
        )
    new = (ev.get("x_user") or {}).get("aging")
    if new:
        c.expect(
            _aging_matches(new, ex),
            "new user %s: max %s, min %s, warn %s" % (ex["test_user"], new["max"], new["min"], new["warn"]),
        )


def check_password_quality(c, ev, ex):
    quality = ev.get("pwquality") or {}
    args = parse.pam_module_args(quality.get("pam"), "pam_pwquality.so")
    c.expect(
        args is not None, "pam_pwquality in %s: %s" % (ex["pam_password_file"], "yes" if args is not None else "no")
    )
    settings = parse.pwquality_effective(quality.get("conf") or [], args)
    for key, wanted in sorted(ex["pwquality"].items()):
        have = settings.get(key)
        same = (bool(have) == bool(wanted)) if isinstance(wanted, bool) else str(have) == str(wanted)
        c.expect(same, "%s = %s, wanted %s" % (key, have, wanted))
    user = _exercised(c, ev, "x_user")
    if user is None:
        return
    for attempt in user.get("rules") or []:
        refused = attempt.get("rc") != 0
        right = refused and refusal_matches(attempt["rule"], attempt.get("output"))
        c.expect(
            right,
            "%s: a %d-character password breaking only this rule was %s: %s"
            % (
                attempt["rule"],
                attempt["length"],
                "refused" if refused else "ACCEPTED",
                _tail(attempt.get("output"), 2),
            ),
        )
    difok = user.get("difok")
    if difok:
        c.expect(
            refusal_matches("difok", difok.get("transcript")),
            "difok: a new password one character away from the old one: %s" % _tail(difok.get("transcript"), 2),
        )
    changed = user.get("changed")
    if changed:
        c.expect(
            bool(re.search(r"updated successfully", changed.get("transcript") or "")),
            "the user then changed to a different password: %s" % _tail(changed.get("transcript"), 1),
        )


# --- mandatory access control ---------------------------------------------------------------------


def check_mac(c, ev, ex):
    mac = ev.get("mac") or {}
    if ex["mac"] == "apparmor":
        enabled = (mac.get("aa_enabled") or "").strip() == "Yes" or (mac.get("module_enabled") or "").strip() == "Y"
        c.expect(
            enabled,
            "AppArmor enabled in the kernel: aa-enabled %r, module %r"
            % ((mac.get("aa_enabled") or "").strip(), (mac.get("module_enabled") or "").strip()),
        )
        c.expect(mac.get("service") == "enabled", "systemctl is-enabled apparmor: %s" % mac.get("service"))
        if mac.get("profiles"):
            c.see(mac["profiles"].strip().splitlines()[0])
    else:
        c.expect(
            (mac.get("getenforce") or "").strip() == "Enforcing",
            "getenforce: %s" % (mac.get("getenforce") or "").strip(),
        )
        config = parse.parse_shell_vars(mac.get("config")).get("SELINUX")
        c.expect(config == "enforcing", "/etc/selinux/config SELINUX=%s" % config)


# --- monitoring ----------------------------------------------------------------------------------


def check_monitoring_script(c, ev, ex):
    mon = ev.get("monitoring") or {}
    script = mon.get("script") or {}
    if not c.expect(script.get("exists", False), "%s exists" % ex["monitoring_script"]):
        return
    c.see("mode %s, sha256 %s" % (script.get("mode"), script.get("sha256")))
    c.expect("bash" in (mon.get("shebang") or ""), "first line %r (a bash script wanted)" % mon.get("shebang"))
    run = mon.get("run") or {}
    c.expect(run.get("rc") == 0, "running it: exit %s" % run.get("rc"))
    c.expect(not (run.get("stderr") or "").strip(), "stderr: %s" % (_tail(run.get("stderr"), 2) or "empty"))


def _monitoring_jobs(mon, script):
    jobs = []
    for tab in mon.get("crontabs") or []:
        for job in parse.parse_crontab(tab.get("text"), system=tab.get("system", False), source=tab.get("source", "")):
            if script in job["command"] or re.search(
                r"(^|[\s/])%s\b" % re.escape(script.rsplit("/", 1)[-1]), job["command"]
            ):
                jobs.append(job)
    return jobs


def check_monitoring_cron(c, ev, ex):
    mon = ev.get("monitoring") or {}
    service = mon.get("cron") or {}
    c.expect(service.get("active") == "active", "cron service: %s" % service.get("active"))
    c.expect(service.get("enabled") == "enabled", "cron at boot: %s" % service.get("enabled"))
    every = set(range(0, 60, int(ex["monitoring_interval"])))
    jobs = _monitoring_jobs(mon, ex["monitoring_script"])
    timed = [j for j in jobs if isinstance(j["schedule"], list)]
    for job in jobs:
        c.see(
            "%s: %s %s"
            % (
                job["source"],
                job["schedule"] if isinstance(job["schedule"], str) else " ".join(job["schedule"]),
                job["command"],
            )
        )
    good = [
        j
        for j in timed
        if parse.cron_field_values(j["schedule"][0], 0, 59) == every and j["schedule"][1:] == ["*", "*", "*", "*"]
    ]
    c.expect(bool(good), "a job runs %s every %s minutes" % (ex["monitoring_script"], ex["monitoring_interval"]))
    walls = [j for j in good if re.search(r"\bwall\b", j["command"])] or (
        [True] if mon.get("script_calls_wall") else []
    )
    c.expect(
        bool(walls), "the report is broadcast with wall: %s" % ("yes" if walls else "no wall in the job or the script")
    )


def check_monitoring_output(c, ev, ex):
    mon = ev.get("monitoring") or {}
    run = mon.get("run") or {}
    if not c.expect(
        bool(run.get("stdout")), "the script printed %d lines" % len((run.get("stdout") or "").splitlines())
    ):
        return
    values, seen = parse.parse_monitoring(run["stdout"])
    for field, _label, _value in parse.MONITORING_FIELDS:
        if field in values:
            c.see("%s: %s" % (field, values[field]))
        else:
            c.expect(
                False,
                "field %s %s" % (field, "has an unexpected value %r" % seen[field] if field in seen else "is missing"),
            )
    if "vcpu" in values and mon.get("nproc"):
        c.expect(
            int(values["vcpu"]) == int(mon["nproc"]), "vCPU %s, the kernel counts %s" % (values["vcpu"], mon["nproc"])
        )
    devices = []
    with contextlib.suppress(ValueError):
        devices = parse.parse_lsblk(ev.get("lsblk") or "")
    if "lvm" in values and devices:
        uses = any(d["type"] == "lvm" for d in devices)
        c.expect(
            values["lvm"].lower() == ("yes" if uses else "no"),
            "LVM use %s, lsblk %s LVM volumes" % (values["lvm"], "shows" if uses else "shows no"),
        )


def check_monitoring_cron_stop(c, ev, ex):
    stop = _exercised(c, ev, "x_cron")
    if stop is None:
        return
    c.expect(
        stop.get("stop_rc") == 0 and stop.get("after_stop") != "active",
        "systemctl stop %s: exit %s, then %s" % (stop.get("service"), stop.get("stop_rc"), stop.get("after_stop")),
    )
    c.expect(
        stop.get("start_rc") == 0 and stop.get("after_start") == "active",
        "systemctl start %s: exit %s, then %s" % (stop.get("service"), stop.get("start_rc"), stop.get("after_start")),
    )
    before = ((ev.get("monitoring") or {}).get("script")) or {}
    after = stop.get("script_after") or {}
    c.expect(
        (before.get("sha256"), before.get("mode")) == (after.get("sha256"), after.get("mode")),
        "script unchanged: sha256 %s mode %s before, sha256 %s mode %s after"
        % (str(before.get("sha256"))[:12], before.get("mode"), str(after.get("sha256"))[:12], after.get("mode")),
    )


# --- bonus ---------------------------------------------------------------------------------------
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _bonus_installed(c, ev, ex, key, what):
    """The bonus evidence when one of the ``key`` packages is installed; else the check is skipped."""
    bonus = ev.get("bonus") or {}
    names = (ex.get("bonus_packages") or {}).get(key) or []
    present = [n for n in names if (bonus.get("packages") or {}).get(n)]
    if not present:
        c.missing("%s is not installed (%s): bonus not attempted" % (what, " or ".join(names) or "no package known"))
        return None
    c.see("installed: %s" % ", ".join(present))
    return bonus


def _page(c, page, path):
    page = page or {}
    c.expect(
        page.get("status") == 200,
        "GET %s: HTTP %s%s" % (path, page.get("status"), " (%s)" % page["error"] if page.get("error") else ""),
    )
    return page.get("body") or ""


def check_bonus_wordpress(c, ev, ex):
    bonus = _bonus_installed(c, ev, ex, "site", "WordPress")
    if bonus is None:
        return
    packages, names = bonus.get("packages") or {}, ex.get("bonus_packages") or {}
    for key, what in (("web", "lighttpd"), ("php", "PHP"), ("db", "MariaDB")):
        have = [n for n in names.get(key, []) if packages.get(n)]
        c.expect(bool(have), "%s installed: %s" % (what, ", ".join(have) or "no"))
    forbidden = [n for n in names.get("forbidden", []) if packages.get(n)]
    c.expect(not forbidden, "Apache or NGINX installed: %s" % (", ".join(forbidden) or "none"))
    port = int(ex["bonus_http_port"])
    listeners = [s for s in parse.parse_ss_listening((ev.get("sshd") or {}).get("listening")) if s["port"] == port]
    processes = sorted({s["process"] or "unknown" for s in listeners})
    c.expect(processes == ["lighttpd"], "port %d is served by %s" % (port, ", ".join(processes) or "nothing"))
    body = _page(c, bonus.get("front_page"), "/")
    title = re.search(r"<title[^>]*>([^<]*)</title>", body, re.I)
    title = html.unescape(title.group(1)).strip() if title else ""
    wanted = ex.get("bonus_site_title") or ""
    c.expect(
        bool(title) and wanted in title,
        "the front page's title is %r%s" % (title, ", wanted %r" % wanted if wanted else ""),
    )
    login = _page(c, bonus.get("login_page"), "/wp-login.php")
    c.expect(
        'name="log"' in login,
        "wp-login.php shows %s" % ("the login form" if 'name="log"' in login else "no login form"),
    )
    _check_mariadb(c, bonus.get("mariadb"))


def _check_mariadb(c, db):
    if not db:
        c.expect(False, "MariaDB is not installed")
        return
    for key, who in (("root_tcp", "root"), ("unknown_tcp", "an unknown user")):
        attempt = db.get(key) or {}
        c.expect(
            attempt.get("rc") not in (0, None),
            "MariaDB over TCP %s %s: %s"
            % ("refuses" if attempt.get("rc") not in (0, None) else "ACCEPTS", who, _tail(attempt.get("error"), 1)),
        )
    accounts = db.get("accounts") or {}
    if not c.expect(accounts.get("rc") == 0, "reading mysql.user: %s" % (_tail(accounts.get("error"), 1) or "ok")):
        return
    rows = [line.split("\t") + [""] for line in (accounts.get("out") or "").splitlines()]
    anonymous = sorted("''@'%s'" % row[1] for row in rows if row[0] == "")
    remote_root = sorted("root@'%s'" % row[1] for row in rows if row[0] == "root" and row[1] not in LOCAL_HOSTS)
    c.expect(not anonymous, "anonymous accounts: %s" % (", ".join(anonymous) or "none"))
    c.expect(not remote_root, "root accounts for other hosts: %s" % (", ".join(remote_root) or "none"))
    databases = (db.get("databases") or {}).get("out") or ""
    c.expect(
        "test" not in databases.split(), "test database: %s" % ("present" if "test" in databases.split() else "none")
    )
    addresses = sorted({s["address"] for s in parse.parse_ss_listening(db.get("listening"))})
    c.expect(
        all(a.startswith("127.") or a == "::1" for a in addresses),
        "MariaDB listens on %s" % (", ".join(addresses) or "no TCP port (socket only)"),
    )


def check_bonus_fail2ban(c, ev, ex):
    bonus = _bonus_installed(c, ev, ex, "service", "fail2ban")
    if bonus is None:
        return
    f2b = bonus.get("fail2ban") or {}
    c.expect(f2b.get("active") == "active", "fail2ban service: %s" % f2b.get("active"))
    c.expect(f2b.get("enabled") == "enabled", "fail2ban at boot: %s" % f2b.get("enabled"))
    if not c.expect(
        f2b.get("status_rc") == 0,
        "jail sshd: %s" % (_tail(f2b.get("status"), 1) if f2b.get("status_rc") else "running"),
    ):
        return
    jail = f2b.get("jail") or {}
    c.see(
        "maxretry %s, findtime %s s, bantime %s s" % (jail.get("maxretry"), jail.get("findtime"), jail.get("bantime"))
    )
    ports = {action: port for action, port in (f2b.get("ports") or {}).items() if port}
    guarded = [a for a, p in ports.items() if str(ex["ssh_port"]) in re.split(r"[,:\s]+", p)]
    c.expect(
        bool(guarded),
        "the jail's actions block port %s: %s"
        % (ex["ssh_port"], "; ".join("%s %s" % item for item in sorted(ports.items())) or "no action with a port"),
    )


# --- the evaluation itself ------------------------------------------------------------------------

SNAPSHOT_KEYS = ("users", "groups", "hostname", "etc_hostname", "firewall_rules", "cron_active", "script")


def check_cleanup(c, ev, ex):
    before, after = ev.get("state"), ev.get("after")
    if before is None or after is None:
        c.missing("no before/after snapshot (the restore step did not run)")
        return
    for key in SNAPSHOT_KEYS:
        same = before.get(key) == after.get(key)
        if isinstance(before.get(key), list) and isinstance(after.get(key), list) and not same:
            added = sorted(set(map(str, after[key])) - set(map(str, before[key])))
            gone = sorted(set(map(str, before[key])) - set(map(str, after[key])))
            c.expect(False, "%s changed: added %s, removed %s" % (key, added or "nothing", gone or "nothing"))
        else:
            c.expect(
                same, "%s %s" % (key, "unchanged" if same else "changed: %r -> %r" % (before.get(key), after.get(key)))
            )
    for action in (ev.get("restore") or {}).get("actions") or []:
        c.see("restore step: %s" % action)


# id, title (formatted with the expectations), judge
CATALOGUE = (
    ("os", "Operating system is {distributions_text}", check_os),
    ("no_gui", "No graphical environment", check_no_gui),
    ("login_groups", "{login} is in groups {groups_text}", check_login_groups),
    ("hostname", "Hostname is {hostname}", check_hostname),
    ("hostname_change", "Hostname can be changed, persists, and is restored", check_hostname_change),
    ("user_create", "A new user with a compliant password joins group {test_group} (then removed)", check_user_create),
    ("partitions", "At least two encrypted LVM partitions", check_partitions),
    ("partitions_bonus", "Bonus layout: /boot and LVs of {disk_vg} on an encrypted partition", check_partitions_bonus),
    ("sudo_installed", "sudo is installed and its rules are valid", check_sudo_installed),
    ("sudo_user", "{login} runs commands as root with sudo", check_sudo_user),
    ("sudo_passwd_tries", "sudo allows {sudo_passwd_tries} password attempts", check_sudo_passwd_tries),
    ("sudo_badpass_message", "sudo prints a custom message after a wrong password", check_sudo_badpass_message),
    ("sudo_logs", "sudo logs commands to {sudo_logfile} and their input/output", check_sudo_logs),
    ("sudo_requiretty", "sudo requires a terminal (requiretty)", check_sudo_requiretty),
    ("sudo_secure_path", "sudo restricts PATH (secure_path)", check_sudo_secure_path),
    ("firewall_active", "The firewall ({firewall}) is active and starts at boot", check_firewall_active),
    ("firewall_ports", "The firewall opens only {firewall_ports_text}", check_firewall_ports),
    ("firewall_rule", "A firewall rule can be added and deleted", check_firewall_rule),
    ("ssh_port", "SSH listens only on port {ssh_port}", check_ssh_port),
    ("ssh_root", "SSH refuses root", check_ssh_root),
    ("ssh_user", "SSH accepts {login}", check_ssh_user),
    (
        "password_aging",
        "Password aging {password_max_days}/{password_min_days}/{password_warn_age} days",
        check_password_aging,
    ),
    ("password_quality", "Password quality rules are set and enforced", check_password_quality),
    ("mac", "{mac_name} is active", check_mac),
    ("monitoring_script", "{monitoring_script} exists and runs", check_monitoring_script),
    ("monitoring_cron", "cron broadcasts the report every {monitoring_interval} minutes", check_monitoring_cron),
    ("monitoring_output", "The report shows every field", check_monitoring_output),
    ("monitoring_cron_stop", "cron can be stopped without editing the script", check_monitoring_cron_stop),
    ("bonus_wordpress", "Bonus: WordPress on lighttpd, PHP and MariaDB, no Apache or NGINX", check_bonus_wordpress),
    ("bonus_fail2ban", "Bonus: fail2ban guards SSH on port {ssh_port}", check_bonus_fail2ban),
    ("cleanup", "The evaluation left the host as it found it", check_cleanup),
)
CHECK_IDS = tuple(entry[0] for entry in CATALOGUE)


def _title_values(ex):
    values = dict(ex)
    values["distributions_text"] = " or ".join(ex["distributions"])
    values["groups_text"] = " and ".join(ex["groups"])
    values["firewall_ports_text"] = ", ".join(ex["firewall_ports"])
    values["mac_name"] = "AppArmor" if ex["mac"] == "apparmor" else "SELinux (enforcing)"
    return values


def judge(evidence, expect):
    """Every check of the catalogue, in order, judged from ``evidence`` against ``expect``."""
    values = _title_values(expect)
    skip = set(expect.get("skip") or [])
    results = []
    for check_id, title, judge_one in CATALOGUE:
        check = Check(check_id, title.format(**values))
        if check_id in skip:
            check.missing("listed in evaluate_skip")
        else:
            try:
                judge_one(check, evidence, expect)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                check.expect(False, "evidence could not be judged: %s: %s" % (type(exc).__name__, exc))
        results.append(check.result())
    return results


def summarize(checks):
    counts = {status: sum(1 for c in checks if c["status"] == status) for status in ("pass", "fail", "skip")}
    return {
        "passed": counts["pass"],
        "failed": counts["fail"],
        "skipped": counts["skip"],
        "line": "%d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"]),
        "failed_ids": [c["id"] for c in checks if c["status"] == "fail"],
        "not_passed": [
            "%s %s: %s" % (c["status"].upper(), c["id"], c["reason"]) for c in checks if c["status"] != "pass"
        ],
    }
