# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the evaluate_probe module does on the host (private API): gather evidence, exercise, restore.

Three phases. ``inspect`` only reads, and takes a snapshot of what the exercises may touch.
``exercise`` does what an examiner does at the keyboard: sudo with wrong and right passwords, a
test user with weak passwords, a temporary firewall rule, stopping cron, a temporary hostname;
each exercise undoes its own objects in a ``finally``. ``restore`` removes whatever is still left
(it runs in the role's ``always:``, even when ``exercise`` died) and takes the snapshot again.
Judging is left to _evaluate_checks, on the controller.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import urllib.error

from ansible.module_utils.urls import open_url

from ansible_collections.born2beroot.virt.plugins.module_utils import _evaluate_parse as parse
from ansible_collections.born2beroot.virt.plugins.module_utils._evaluate_host import (
    converse,
    count_files_named,
    file_facts,
    getent_lines,
    list_dir,
    out,
    read_from,
    read_text,
    run,
    which,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._evaluate_password import (
    make_password,
    similar_password,
    weak_variants,
)

GUI_PROCESSES = ("Xorg", "Xwayland", "gdm", "gdm3", "lightdm", "sddm", "gnome-shell", "kwin_x11", "kwin_wayland", "xdm")
SUDO_PROMPT = r"password for [^:\n]*: *$"
CURRENT_PROMPT = r"(?i)current[^:\n]*password: *$"
NEW_PROMPT = r"(?i)(^|\n)\s*new[^:\n]*password: *$"
RETYPE_PROMPT = r"(?i)retype[^:\n]*password: *$"
PASSWD_END = r"(?i)BAD PASSWORD|too similar|updated successfully|error|failure"


def systemctl(verb, unit=None):
    """What ``systemctl VERB [UNIT]`` prints (is-active and is-enabled print their answer on failure too)."""
    _rc, stdout, stderr = run(["systemctl", verb] + ([unit] if unit else []))
    return (stdout.strip() or stderr.strip()).splitlines()[0] if (stdout.strip() or stderr.strip()) else ""


def _names(lines):
    return {line.split(":", 1)[0] for line in lines}


def _mask(text, secrets):
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


# --- inspect -------------------------------------------------------------------------------------


def inspect(p):
    plat, ex, login = p["platform"], p["expect"], p["login"]
    ev = {}
    release = parse.parse_shell_vars(read_text("/etc/os-release") or "")
    ev["os"] = {
        "id": release.get("ID", ""),
        "name": release.get("NAME", ""),
        "version_id": release.get("VERSION_ID", ""),
        "pretty_name": release.get("PRETTY_NAME", ""),
    }
    ev["packages"] = installed_packages(plat, list(plat["gui_packages"]) + ["sudo"])
    ev["gui_processes"] = sorted(
        {(read_text("/proc/%s/comm" % pid) or "").strip() for pid in os.listdir("/proc") if pid.isdigit()}
        & set(GUI_PROCESSES)
    )
    ev["default_target"] = systemctl("get-default")
    rc, stdout, _err = run(["id", "-nG", login])
    ev["login"] = {"exists": rc == 0, "groups": stdout.split() if rc == 0 else []}
    running = socket.gethostname()
    ev["hostname"] = {
        "running": running,
        "static": (read_text("/etc/hostname") or "").strip(),
        "resolves": out(["getent", "hosts", running]),
        "cloud_init": _cloud_init(),
    }
    rc, stdout, stderr = run(["lsblk", "-J", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINT"])
    ev["lsblk"] = stdout if rc == 0 else ""
    ev["sudo"] = _sudo_inspect(ex)
    rc, stdout, stderr = run(["sshd", "-T"])
    ev["sshd"] = {"rc": rc, "effective": stdout, "error": stderr, "listening": out(["ss", "-Hltnp"])}
    ev["firewall"] = _firewall_inspect(plat)
    defs = read_text("/etc/login.defs") or ""
    ev["aging"] = {
        "login_defs": "\n".join(line for line in defs.splitlines() if line.startswith("PASS_")),
        "chage": {account: out(["chage", "-l", account]) for account in (login, "root") if account},
    }
    conf_d = "/etc/security/pwquality.conf.d"
    conf_files = ["/etc/security/pwquality.conf"] + [
        os.path.join(conf_d, n) for n in list_dir(conf_d) or [] if n.endswith(".conf")
    ]
    ev["pwquality"] = {
        "conf": [read_text(f) or "" for f in conf_files],
        "pam": read_text(plat["pam_password_file"]) or "",
    }
    ev["mac"] = _mac_inspect(plat)
    ev["monitoring"] = _monitoring_inspect(plat, ex)
    ev["bonus"] = _bonus_inspect(plat, ex)
    rules = parse.parse_ufw_added(ev["firewall"]["added"]) if plat["firewall"] == "ufw" else None
    ev["state"] = snapshot(p, rules)
    return ev


def installed_packages(plat, names):
    if plat["package_manager"] == "dpkg":
        _rc, stdout, _err = run(["dpkg-query", "-W", "-f", "${Package}\t${Status}\n"] + names)
    else:
        _rc, stdout, _err = run(["rpm", "-q", "--qf", "%{NAME}\n"] + names)
    return parse.parse_installed(stdout, plat["package_manager"], names)


def _cloud_init():
    if not (which("cloud-init") or os.path.isdir("/etc/cloud")):
        return {"installed": False}
    files = ["/etc/cloud/cloud.cfg"] + [
        "/etc/cloud/cloud.cfg.d/" + n for n in list_dir("/etc/cloud/cloud.cfg.d") or [] if n.endswith(".cfg")
    ]
    return {"installed": True, "preserve_hostname": parse.cloud_init_preserve_hostname(read_text(f) for f in files)}


def _sudo_files():
    files, dirs = {}, {}

    def reader(path):
        text = read_text(path)
        if text is not None:
            files[path] = text
        return text

    def lister(path):
        names = list_dir(path)
        if names is not None:
            dirs[path] = names
        return names

    entries, _read, problems = parse.walk_sudoers(reader, lister)
    return files, dirs, parse.sudoers_effective(entries), problems


def sudo_log_paths(ex):
    """Where sudo writes its log and I/O logs: from sudoers, else where the baseline wants them."""
    _files, _dirs, settings, _problems = _sudo_files()
    logfile = settings.get("logfile") if isinstance(settings.get("logfile"), str) else ex["sudo_logfile"]
    iolog_dir = settings.get("iolog_dir") if isinstance(settings.get("iolog_dir"), str) else ex["sudo_log_dir"]
    return logfile, iolog_dir


def _sudo_inspect(ex):
    binary = which("sudo") or ""
    files, dirs, _settings, problems = _sudo_files()
    rc, stdout, stderr = run(["visudo", "-c"])
    version = out([binary, "-V"]).splitlines() if binary else []
    return {
        "binary": binary,
        "version": version[0] if version else "",
        "files": files,
        "dirs": dirs,
        "problems": problems,
        "visudo_rc": rc,
        "visudo_out": stdout + stderr,
    }


def _firewall_inspect(plat):
    if plat["firewall"] == "ufw":
        return {
            "status": out(["ufw", "status", "verbose"]) or run(["ufw", "status", "verbose"])[2],
            "added": out(["ufw", "show", "added"]),
            "ufw_conf": read_text("/etc/ufw/ufw.conf") or "",
            "default": read_text("/etc/default/ufw") or "",
            "enabled": systemctl("is-enabled", "ufw"),
        }
    rc, stdout, stderr = run(["firewall-cmd", "--state"])
    return {
        "state": stdout.strip() or stderr.strip(),
        "runtime": out(["firewall-cmd", "--list-all"]),
        "permanent": out(["firewall-cmd", "--permanent", "--list-all"]),
        "enabled": systemctl("is-enabled", "firewalld"),
    }


def _mac_inspect(plat):
    if plat["mac"] == "apparmor":
        rc, stdout, stderr = run(["aa-enabled"])
        status = run(["aa-status"])[1].splitlines()
        return {
            "aa_enabled": stdout.strip() or stderr.strip(),
            "module_enabled": read_text("/sys/module/apparmor/parameters/enabled") or "",
            "service": systemctl("is-enabled", "apparmor"),
            "profiles": status[0] if status else "",
        }
    return {"getenforce": out(["getenforce"]), "config": read_text("/etc/selinux/config") or ""}


def _monitoring_inspect(plat, ex):
    script = ex["monitoring_script"]
    facts = file_facts(script)
    text = read_text(script) or ""
    crontabs = []
    rc, stdout, _err = run(["crontab", "-l", "-u", "root"])
    if rc == 0:
        crontabs.append({"source": "crontab of root", "text": stdout, "system": False})
    for path in ["/etc/crontab"] + [
        "/etc/cron.d/" + n for n in list_dir("/etc/cron.d") or [] if parse.sudoers_dir_entry_ok(n)
    ]:
        content = read_text(path)
        if content is not None:
            crontabs.append({"source": path, "text": content, "system": True})
    result = {
        "script": facts,
        "shebang": text.splitlines()[0] if text else "",
        "script_calls_wall": bool(re.search(r"\bwall\b", text)),
        "crontabs": crontabs,
        "cron": {
            "active": systemctl("is-active", plat["cron_service"]),
            "enabled": systemctl("is-enabled", plat["cron_service"]),
        },
        "nproc": os.cpu_count(),
    }
    if facts.get("exists"):
        executable = int(facts["mode"], 8) & 0o111
        rc, stdout, stderr = run([script] if executable else ["bash", script], timeout=60)
        result["run"] = {"rc": rc, "stdout": stdout, "stderr": stderr, "executable": bool(executable)}
    return result


# --- bonus: WordPress on lighttpd + MariaDB + PHP, fail2ban ----------------------------------------

HTTP_TIMEOUT = 60  # PHP under emulation is slow


def http_get(url):
    """GET ``url`` (redirects followed) -> {'status', 'url', 'body' (first 64 KiB), 'error'}."""
    try:
        with open_url(url, timeout=HTTP_TIMEOUT, use_proxy=False) as response:
            return {"status": response.status, "url": response.geturl(), "body": _text(response.read(65536))}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "url": url, "body": _text(exc.read(65536)), "error": str(exc)}
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return {"status": None, "url": url, "body": "", "error": str(exc)}


def _text(data):
    return data.decode("utf-8", "replace")


def _mysql(args, sql):
    rc, stdout, stderr = run(["mysql", "--batch", "--skip-column-names"] + args + ["-e", sql])
    return {"rc": rc, "out": stdout, "error": stderr.strip()}


def _bonus_inspect(plat, ex):
    """Packages of the bonus; the site, MariaDB and fail2ban as far as they are installed (read only)."""
    names = plat.get("bonus") or {}
    wanted = sorted(
        {name for key in ("site", "web", "php", "db", "forbidden", "service") for name in names.get(key, [])}
    )
    result = {"packages": installed_packages(plat, wanted) if wanted else {}}
    if any(result["packages"].get(name) for name in names.get("site", []) + names.get("web", [])):
        base = "http://127.0.0.1:%d" % int(ex.get("bonus_http_port", 80))
        result["front_page"] = http_get(base + "/")
        result["login_page"] = http_get(base + "/wp-login.php")
    if any(result["packages"].get(name) for name in names.get("db", [])):
        result["mariadb"] = {
            # Over TCP, as a remote client would be seen; the probe's own access is root's socket.
            "root_tcp": _mysql(["--protocol=TCP", "-h", "127.0.0.1", "-u", "root"], "SELECT 1"),
            "unknown_tcp": _mysql(["--protocol=TCP", "-h", "127.0.0.1", "-u", "b2b_evaluate_nobody"], "SELECT 1"),
            "accounts": _mysql([], "SELECT User, Host FROM mysql.user"),
            "databases": _mysql([], "SHOW DATABASES"),
            "listening": out(["ss", "-Hltn", "sport = :3306"]),
        }
    if any(result["packages"].get(name) for name in names.get("service", [])):
        jail = {}
        for key in ("maxretry", "bantime", "findtime", "actions"):
            jail[key] = out(["fail2ban-client", "get", "sshd", key])
        actions = [a.strip() for a in re.split(r"[,\n]", jail["actions"]) if a.strip() and not a.startswith("The jail")]
        rc, stdout, stderr = run(["fail2ban-client", "status", "sshd"])
        result["fail2ban"] = {
            "active": systemctl("is-active", "fail2ban"),
            "enabled": systemctl("is-enabled", "fail2ban"),
            "status_rc": rc,
            "status": (stdout + stderr).strip(),
            "jail": jail,
            "ports": {a: out(["fail2ban-client", "get", "sshd", "action", a, "port"]) for a in actions},
        }
    return result


# --- snapshot (before and after) ------------------------------------------------------------------


def firewall_rules(plat):
    if plat["firewall"] == "ufw":
        return parse.parse_ufw_added(out(["ufw", "show", "added"]))
    rules = []
    for kind, extra in (("runtime", []), ("permanent", ["--permanent"])):
        listed = parse.parse_firewalld_list_all(out(["firewall-cmd"] + extra + ["--list-all"]))
        rules += [
            "%s %s %s" % (kind, key, " ".join(listed.get(key, []))) for key in ("services", "ports", "rich rules")
        ]
    return rules


def port_rule_present(port, rules):
    number = parse.normalize_port(port).split("/", maxsplit=1)[0]
    return any(re.search(r"(^|\D)%s(\D|$)" % re.escape(number), rule) for rule in rules)


def snapshot(p, rules=None):
    """What the exercises may touch. ``rules``: the firewall rules when just read (ufw is slow to start)."""
    plat, ex = p["platform"], p["expect"]
    users, groups = getent_lines("passwd"), getent_lines("group")
    rules = firewall_rules(plat) if rules is None else rules
    script = file_facts(ex["monitoring_script"])
    return {
        "users": users,
        "groups": groups,
        "hostname": socket.gethostname(),
        "etc_hostname": read_text("/etc/hostname"),
        "firewall_rules": rules,
        "cron_active": systemctl("is-active", plat["cron_service"]),
        "script": {"sha256": script.get("sha256"), "mode": script.get("mode")},
        "test_user_exists": p["test_user"] in _names(users),
        "test_user_group_exists": p["test_user"] in _names(groups),
        "test_group_exists": p["test_group"] in _names(groups),
        "test_home_exists": os.path.exists(os.path.join("/home", p["test_user"])),
        "temp_port_present": port_rule_present(p["temp_port"], rules),
    }


# --- exercise ------------------------------------------------------------------------------------


def exercise(p, state, rng):
    """Every exercise in turn; one that raises is reported as an error and the next still runs."""
    ev = {}
    for key, action in (
        ("x_sudo", _x_sudo),
        ("x_user", _x_user),
        ("x_firewall", _x_firewall),
        ("x_cron", _x_cron),
        ("x_hostname", _x_hostname),
    ):
        try:
            ev[key] = action(p, state, rng)
        except Exception as exc:  # noqa: BLE001 - reported as the check's evidence
            ev[key] = {"error": "%s: %s" % (type(exc).__name__, exc)}
    return ev


def _x_sudo(p, state, rng):
    login, password = p["login"], p["user_password"]
    if run(["id", "-u", login])[0] != 0:
        return {"skipped": "user %s does not exist" % login}
    result = {}
    # The right password first: with pam_faillock, the wrong ones below could lock the account.
    if password:
        logfile, iolog_dir = sudo_log_paths(p["expect"])
        size = os.path.getsize(logfile) if os.path.isfile(logfile) else 0
        io_before = count_files_named(iolog_dir, "log")
        steps = [(SUDO_PROMPT, password)]
        rc, transcript = converse(["sudo", "-k", "printenv", "PATH"], steps, timeout=60, settle=30, user=login)
        result["success"] = {
            "rc": rc,
            "transcript": transcript,
            "log_added": read_from(logfile, size),
            "io_before": io_before,
            "io_after": count_files_named(iolog_dir, "log"),
        }
    else:
        result["skipped"] = "no evaluate_user_password given"
    wrong = ["Nope-%d-%06d" % (n, rng.randrange(10**6)) for n in range(10)]
    locks_before = _faillock_entries(login)
    rc, stdout, stderr = run(["su", "-", login, "-c", "sudo -S -k true"], stdin=wrong[0] + "\n")
    result["notty"] = {"rc": rc, "output": (stdout + stderr).replace(wrong[0], "***")}
    steps = [(SUDO_PROMPT, w) for w in wrong]
    rc, transcript = converse(["sudo", "-k", "true"], steps, timeout=60, settle=10, user=login)
    result["wrong"] = {"rc": rc, "transcript": transcript}
    if locks_before == 0 and _faillock_entries(login) > 0:
        run(["faillock", "--user", login, "--reset"])
        result["faillock_reset"] = True
    return result


def _faillock_entries(login):
    if not which("faillock"):
        return 0
    return len(re.findall(r"^\s*\d{4}-\d{2}-\d{2}", out(["faillock", "--user", login]), re.M))


def _x_user(p, state, rng):
    user, group = p["test_user"], p["test_group"]
    if any(
        state.get(k) for k in ("test_user_exists", "test_user_group_exists", "test_group_exists", "test_home_exists")
    ):
        return {"skipped": "user %s, its group or home, or group %s existed before: left alone" % (user, group)}
    policy = p["expect"]["pwquality"]
    result, made_user, made_group = {}, False, False
    secrets = []
    try:
        rc, _o, err = run(["groupadd", group])
        result.update(group_rc=rc, group_err=err.strip())
        made_group = rc == 0
        rc, _o, err = run(["useradd", "-m", "-s", "/bin/bash", user])
        result.update(user_rc=rc, user_err=err.strip())
        made_user = rc == 0
        if not made_user:
            return result
        run(["usermod", "-aG", group, user])
        good = make_password(rng, policy, user)
        secrets.append(good)
        rc, stdout, stderr = run(["chpasswd"], stdin="%s:%s\n" % (user, good))
        result.update(good_rc=rc, good_out=_mask(stdout + stderr, secrets), good_length=len(good))
        result["groups"] = out(["id", "-nG", user]).split()
        result["aging"] = parse.parse_chage(out(["chage", "-l", user]))
        result["rules"] = []
        for rule, weak in weak_variants(good, policy, user, rng):
            secrets.append(weak)
            rc, stdout, stderr = run(["chpasswd"], stdin="%s:%s\n" % (user, weak))
            result["rules"].append(
                {"rule": rule, "length": len(weak), "rc": rc, "output": _mask(stdout + stderr, secrets)}
            )
        if int(policy.get("difok", 0)) > 1:
            run(["chpasswd"], stdin="%s:%s\n" % (user, good))
            run(["chage", "-m", "0", user])  # the policy's minimum age would forbid the change
            similar = similar_password(good, rng)
            steps = [(CURRENT_PROMPT, good), (NEW_PROMPT, similar), (RETYPE_PROMPT, similar)]
            rc, transcript = converse(["passwd"], steps, timeout=30, settle=5, stop=PASSWD_END, user=user)
            result["difok"] = {"rc": rc, "transcript": transcript}
            current = similar if "updated successfully" in transcript else good
            other = make_password(rng, policy, user, avoid=current)
            steps = [(CURRENT_PROMPT, current), (NEW_PROMPT, other), (RETYPE_PROMPT, other)]
            rc, transcript = converse(["passwd"], steps, timeout=30, settle=5, stop=PASSWD_END, user=user)
            result["changed"] = {"rc": rc, "transcript": transcript}
    finally:
        if made_user:
            run(["userdel", "-r", user])
        groups = _names(getent_lines("group"))
        if made_group and group in groups:
            run(["groupdel", group])
        if made_user and user in groups and not state.get("test_user_group_exists"):
            run(["groupdel", user])  # the user's own group, where userdel leaves it
        names, groups = _names(getent_lines("passwd")), _names(getent_lines("group"))
        result["removed"] = not (
            {user} & names or {user, group} & groups or os.path.exists(os.path.join("/home", user))
        )
    return result


def _ufw_has(port):
    return ("allow " + port) in parse.parse_ufw_added(out(["ufw", "show", "added"]))


def _firewalld_has(port):
    return out(["firewall-cmd", "--query-port=" + port]) == "yes"


def _x_firewall(p, state, rng):
    plat, port = p["platform"], parse.normalize_port(p["temp_port"])
    if state.get("temp_port_present"):
        return {
            "skipped": "the firewall already has a rule for %s: left alone (choose evaluate_firewall_test_port)" % port
        }
    if plat["firewall"] == "ufw":
        add, delete, has = ["ufw", "allow", port], ["ufw", "delete", "allow", port], _ufw_has
    else:  # runtime only: the permanent configuration is never touched
        add, delete, has = (
            ["firewall-cmd", "--add-port=" + port],
            ["firewall-cmd", "--remove-port=" + port],
            _firewalld_has,
        )
    result = {"port": port}
    try:
        rc, stdout, stderr = run(add)
        result.update(add_rc=rc, add_out=stdout + stderr, listed_after_add=has(port))
        rc, stdout, stderr = run(delete)
        result.update(delete_rc=rc, delete_out=stdout + stderr, listed_after_delete=has(port))
    finally:
        if result.get("listed_after_delete") is not False and has(port):
            run(delete)
    return result


def _x_cron(p, state, rng):
    service = p["platform"]["cron_service"]
    if state.get("cron_active") != "active":
        return {"skipped": "%s was not running: not stopped" % service}
    result = {"service": service}
    try:
        result["stop_rc"] = run(["systemctl", "stop", service])[0]
        result["after_stop"] = systemctl("is-active", service)
        result["start_rc"] = run(["systemctl", "start", service])[0]
        result["after_start"] = systemctl("is-active", service)
    finally:
        if systemctl("is-active", service) != "active":
            run(["systemctl", "start", service])
    facts = file_facts(p["expect"]["monitoring_script"])
    result["script_after"] = {"sha256": facts.get("sha256"), "mode": facts.get("mode")}
    return result


def set_hostname(name):
    """hostnamectl (static and transient names), else /etc/hostname and hostname(1)."""
    rc, _out, err = (
        run(["hostnamectl", "--static", "--transient", "set-hostname", name]) if which("hostnamectl") else (127, "", "")
    )
    if rc != 0:
        with open("/etc/hostname", "w") as handle:
            handle.write(name + "\n")
        rc, _out, err = run(["hostname", name])
    return rc, err.strip()


def restore_hostname(name, text):
    """Back to ``name``, and /etc/hostname back to its exact former text."""
    set_hostname(name)
    if text is not None and read_text("/etc/hostname") != text:
        with open("/etc/hostname", "w") as handle:
            handle.write(text)
    return {"running": socket.gethostname(), "static": (read_text("/etc/hostname") or "").strip()}


def _x_hostname(p, state, rng):
    temp, original = p["temp_hostname"], state["hostname"]
    result = {"temp": temp, "original": original, "kept_for_reboot": bool(p["keep_hostname"])}
    try:
        rc, err = set_hostname(temp)
        result.update(
            rc=rc, error_text=err, running=socket.gethostname(), static=(read_text("/etc/hostname") or "").strip()
        )
    finally:
        if not p["keep_hostname"]:
            result["restored"] = restore_hostname(original, state.get("etc_hostname"))
    return result


# --- restore -------------------------------------------------------------------------------------


def restore(p, state):
    """Remove what an exercise left (it may have died half-way) and snapshot the host again."""
    plat, actions = p["platform"], []
    result = {"hostname_seen": {"running": socket.gethostname(), "static": (read_text("/etc/hostname") or "").strip()}}
    users, groups = _names(getent_lines("passwd")), _names(getent_lines("group"))
    if p["test_user"] in users and not state.get("test_user_exists"):
        run(["userdel", "-r", p["test_user"]])
        actions.append("removed user %s" % p["test_user"])
    groups = _names(getent_lines("group"))
    for name, key in ((p["test_user"], "test_user_group_exists"), (p["test_group"], "test_group_exists")):
        if name in groups and not state.get(key):
            run(["groupdel", name])
            actions.append("removed group %s" % name)
    home = os.path.join("/home", p["test_user"])
    if (
        os.path.isdir(home)
        and not state.get("test_home_exists")
        and p["test_user"] not in _names(getent_lines("passwd"))
    ):
        shutil.rmtree(home, ignore_errors=True)
        actions.append("removed %s" % home)
    if socket.gethostname() != state["hostname"] or read_text("/etc/hostname") != state.get("etc_hostname"):
        result["hostname_restored"] = restore_hostname(state["hostname"], state.get("etc_hostname"))
        actions.append("hostname back to %s" % state["hostname"])
    port = parse.normalize_port(p["temp_port"])
    if not state.get("temp_port_present") and port_rule_present(port, firewall_rules(plat)):
        run(
            ["ufw", "delete", "allow", port] if plat["firewall"] == "ufw" else ["firewall-cmd", "--remove-port=" + port]
        )
        actions.append("deleted the firewall rule for %s" % port)
    if state.get("cron_active") == "active" and systemctl("is-active", plat["cron_service"]) != "active":
        run(["systemctl", "start", plat["cron_service"]])
        actions.append("started %s again" % plat["cron_service"])
    result["actions"] = actions
    return result
