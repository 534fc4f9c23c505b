# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for what the evaluate role reads on a host (private API).

Pure functions from command output or file text to plain data: no I/O here, so every parser is
unit-tested with real samples. Runs on the managed host (Python 3.8+) and on the controller.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex

# --- KEY=value files: os-release, /etc/default/ufw, /etc/ufw/ufw.conf, /etc/selinux/config ------


def parse_shell_vars(text):
    """``KEY=value`` lines (values may be shell-quoted) -> dict; comments and other lines ignored."""
    found = {}
    for line in (text or "").splitlines():
        match = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if not match:
            continue
        try:
            words = shlex.split(match.group(2), comments=True)
        except ValueError:
            words = [match.group(2).strip()]
        found[match.group(1)] = " ".join(words)
    return found


def parse_key_values(text, separator=None):
    """``key value`` (or ``key = value``) lines -> dict, ``#`` comments skipped, last value wins.

    A line with a key only maps to True (pwquality.conf flags such as ``enforce_for_root``).
    """
    found = {}
    for line in (text or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if separator and separator in line:
            key, value = line.split(separator, 1)
        else:
            parts = line.split(None, 1)
            key, value = parts[0], parts[1] if len(parts) > 1 else True
        found[key.strip()] = value.strip() if isinstance(value, str) else value
    return found


# --- accounts ------------------------------------------------------------------------------------


def parse_chage(text):
    """``LC_ALL=C chage -l USER`` -> {'max': int|None, 'min': ..., 'warn': ...} (None when absent)."""
    keys = {
        "minimum number of days between password change": "min",
        "maximum number of days between password change": "max",
        "number of days of warning before password expires": "warn",
    }
    found = {"min": None, "max": None, "warn": None}
    for line in (text or "").splitlines():
        if ":" not in line:
            continue
        label, value = line.split(":", 1)
        key = keys.get(label.strip().lower())
        if key and re.match(r"^\s*-?\d+\s*$", value):
            found[key] = int(value)
    return found


# --- sshd and sockets ----------------------------------------------------------------------------


def parse_sshd_t(text):
    """``sshd -T`` -> {keyword: [values...]} with lower-case keywords (``port`` may repeat)."""
    found = {}
    for line in (text or "").splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            found.setdefault(parts[0].lower(), []).append(parts[1])
    return found


def parse_ss_listening(text):
    """``ss -Hltnp`` -> [{'address', 'port', 'process'}]; process is '' when ss shows no users."""
    sockets = []
    for line in (text or "").splitlines():
        fields = line.split()
        # State Recv-Q Send-Q Local Peer [Process]; the local address is the first host:port field.
        local = next((f for f in fields[1:] if re.search(r":\d+$", f)), None)
        if not local:
            continue
        address, port = local.rsplit(":", 1)
        process = re.search(r'users:\(\("([^"]+)"', line)
        sockets.append(
            {"address": address.strip("[]"), "port": int(port), "process": process.group(1) if process else ""}
        )
    return sockets


# --- firewalls -----------------------------------------------------------------------------------


def normalize_port(port):
    """'4242' -> '4242/tcp'; '80/TCP' -> '80/tcp'."""
    port = str(port).strip().lower()
    return port if "/" in port else port + "/tcp"


def parse_ufw_added(text):
    """``ufw show added`` -> ['allow 4242/tcp', ...] (the rule as typed after ``ufw``)."""
    return [line.strip()[4:].strip() for line in (text or "").splitlines() if line.strip().startswith("ufw ")]


def ufw_rule_ports(rules):
    """Ports that plain ``allow PORT[/proto]`` rules open -> sorted list; other rules in ``others``."""
    ports, others = set(), []
    for rule in rules:
        match = re.match(r"^allow\s+(?:in\s+)?(\d+(?::\d+)?(?:/(?:tcp|udp))?)$", rule)
        if match:
            ports.add(normalize_port(match.group(1)))
        else:
            others.append(rule)
    return sorted(ports), others


def parse_ufw_status(text):
    """``ufw status verbose`` -> {'active': bool|None, 'incoming': 'deny'|..., 'rules': [[to, action, from]]}."""
    status = {"active": None, "incoming": None, "rules": []}
    in_table = False
    for line in (text or "").splitlines():
        match = re.match(r"^Status:\s*(\w+)", line)
        if match:
            status["active"] = match.group(1).lower() == "active"
        match = re.match(r"^Default:\s*(\w+)\s*\(incoming\)", line)
        if match:
            status["incoming"] = match.group(1).lower()
        if re.match(r"^-{2,}", line.strip()):
            in_table = True
            continue
        if in_table and line.strip():
            cells = re.split(r"\s{2,}", line.strip())
            status["rules"].append(cells)
    return status


def parse_firewalld_list_all(text):
    """``firewall-cmd --list-all`` -> {'services': [...], 'ports': [...], ...} for the listed keys."""
    found = {}
    for line in (text or "").splitlines():
        match = re.match(r"^\s+([a-z][a-z -]*):\s*(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2).split()
    return found


# --- sudoers -------------------------------------------------------------------------------------

_SUDOERS_INCLUDE = re.compile(r"^[@#](include|includedir)\s+(\S.*?)\s*$")


def sudoers_logical_lines(text):
    """Lines of a sudoers file with backslash continuations joined: [(first line number, text)]."""
    lines, pending, start = [], "", 0
    for number, line in enumerate((text or "").splitlines(), 1):
        if not pending:
            start = number
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1] + " "
            continue
        lines.append((start, pending + line))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def sudoers_dir_entry_ok(name):
    """Whether sudo reads a file of an @includedir directory: no '.' in the name, no trailing '~'."""
    return bool(name) and "." not in name and not name.endswith("~")


def _strip_comment(line):
    """Drop a # comment, keeping '#' inside double quotes and '#<digits>' (uids)."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"' and (index == 0 or line[index - 1] != "\\"):
            quoted = not quoted
        elif char == "#" and not quoted and not re.match(r"#\d", line[index:]):
            return line[:index]
    return line


def _split_defaults_params(text):
    """'passwd_tries=3, badpass_message="a, b"' -> ['passwd_tries=3', 'badpass_message="a, b"']."""
    params, current, quoted, escaped = [], "", False, False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == '"':
            current += char
            quoted = not quoted
        elif char == "," and not quoted:
            params.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        params.append(current.strip())
    return params


def _unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return re.sub(r"\\(.)", r"\1", value)


def parse_sudoers_defaults(text, path="sudoers"):
    """Defaults entries and include directives of one sudoers file, in file order.

    Returns a list of dicts: ``{'kind': 'default', 'scope': '' | ':user' | '@host' | '!cmd' | '>runas',
    'name', 'op': '=' | '+=' | '-=' | 'on' | 'off', 'value', 'path', 'line'}`` or
    ``{'kind': 'include' | 'includedir', 'target', 'path', 'line'}`` (target resolved against the
    including file's directory, as sudo 1.9 does).
    """
    items = []
    for number, raw in sudoers_logical_lines(text):
        line = raw.strip()
        include = _SUDOERS_INCLUDE.match(line)
        if include:
            target = _unquote(include.group(2))
            if not target.startswith("/"):
                target = posixpath.join(posixpath.dirname(path), target)
            items.append({"kind": include.group(1), "target": target, "path": path, "line": number})
            continue
        line = _strip_comment(line).strip()
        match = re.match(r"^Defaults([:@!>]\s*[^\s]+)?\s+(.*)$", line)
        if not match:
            continue
        scope = re.sub(r"\s+", "", match.group(1) or "")
        for param in _split_defaults_params(match.group(2)):
            op_match = re.match(r"^(!*)\s*([A-Za-z_]+)\s*(?:(\+=|-=|=)\s*(.*))?$", param, re.S)
            if not op_match:
                continue
            bangs, name, op, value = op_match.groups()
            if op is None:
                op, value = ("off" if len(bangs) % 2 else "on"), None
            else:
                value = _unquote(value)
            items.append(
                {
                    "kind": "default",
                    "scope": scope,
                    "name": name,
                    "op": op,
                    "value": value,
                    "path": path,
                    "line": number,
                }
            )
    return items


def walk_sudoers(read_file, list_dir, root="/etc/sudoers", limit=128):
    """All Defaults of the sudoers policy in the order sudo reads them, following includes.

    ``read_file(path)`` returns the text or None; ``list_dir(path)`` returns the names or None. The
    same walk runs on the host with real I/O (to collect the files) and on the controller over the
    collected files, so both see one order. Returns (entries, files read in order, problems).
    """
    entries, files, problems = [], [], []

    def visit(path, depth):
        if depth > 8 or len(files) >= limit:
            problems.append("include depth or file limit reached at %s" % path)
            return
        text = read_file(path)
        if text is None:
            problems.append("cannot read %s" % path)
            return
        files.append(path)
        for item in parse_sudoers_defaults(text, path):
            if item["kind"] == "default":
                entries.append(item)
            elif item["kind"] == "include":
                visit(item["target"], depth + 1)
            else:
                names = list_dir(item["target"])
                if names is None:
                    continue  # a missing includedir is not an error for sudo either
                for name in sorted(n for n in names if sudoers_dir_entry_ok(n)):
                    visit(posixpath.join(item["target"], name), depth + 1)

    visit(root, 0)
    return entries, files, problems


def sudoers_effective(entries):
    """Global (unscoped) Defaults folded in order -> {name: value}; flags are True/False."""
    settings = {}
    for entry in entries:
        if entry["scope"]:
            continue
        name, op = entry["name"], entry["op"]
        if op == "on":
            settings[name] = True
        elif op == "off":
            settings[name] = False
        elif op == "=":
            settings[name] = entry["value"]
        elif op == "+=":
            previous = settings.get(name)
            settings[name] = ((previous + " ") if isinstance(previous, str) else "") + entry["value"]
        elif op == "-=":
            removed = entry["value"].split()
            settings[name] = " ".join(w for w in str(settings.get(name) or "").split() if w not in removed)
    return settings


def sudoers_scoped(entries):
    """Scoped Defaults (``Defaults:user !requiretty`` ...) as readable strings."""
    shown = []
    for entry in entries:
        if entry["scope"]:
            if entry["op"] in ("on", "off"):
                shown.append("Defaults%s %s%s" % (entry["scope"], "!" if entry["op"] == "off" else "", entry["name"]))
            else:
                shown.append("Defaults%s %s%s%s" % (entry["scope"], entry["name"], entry["op"], entry["value"]))
    return shown


# --- password quality ----------------------------------------------------------------------------

PWQUALITY_DEFAULTS = {
    "minlen": 8,
    "dcredit": 0,
    "ucredit": 0,
    "lcredit": 0,
    "ocredit": 0,
    "maxrepeat": 0,
    "usercheck": 1,
    "difok": 1,
    "enforce_for_root": False,
}
PWQUALITY_FLAGS = ("enforce_for_root", "local_users_only")


def parse_pwquality_conf(text):
    """pwquality.conf -> {key: int|str|True}."""
    found = {}
    for key, value in parse_key_values(text, separator="=").items():
        found[key] = _number_or_text(value)
    return found


def _number_or_text(value):
    if isinstance(value, str) and re.match(r"^-?\d+$", value):
        return int(value)
    return value


def pam_module_args(text, module, stack="password"):
    """Arguments of the first ``<stack> <control> <module>`` line of a PAM file -> dict, or None.

    ``reject_username`` becomes ``usercheck=1`` (the option's file form); flags map to True.
    """
    for line in (text or "").splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"^-?%s\s+(\[[^\]]*\]|\S+)\s+(\S+)(.*)$" % re.escape(stack), line)
        if not match or posixpath.basename(match.group(2)) != module:
            continue
        args = {}
        for word in match.group(3).split():
            if "=" in word:
                key, value = word.split("=", 1)
                args[key] = _number_or_text(value)
            elif word == "reject_username":
                args["usercheck"] = 1
            else:
                args[word] = True
        return args
    return None


def pwquality_effective(conf_texts, pam_args):
    """pam_pwquality's settings: library defaults, then the conf files in order, then PAM arguments."""
    settings = dict(PWQUALITY_DEFAULTS)
    for text in conf_texts:
        settings.update(parse_pwquality_conf(text))
    settings.update(pam_args or {})
    for flag in PWQUALITY_FLAGS:
        if flag in settings:
            settings[flag] = settings[flag] is True or str(settings[flag]).lower() in ("1", "true", "yes")
    return settings


# --- disks ---------------------------------------------------------------------------------------


def parse_lsblk(text):
    """``lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT`` -> flat list of devices with their ancestry.

    Each device: {'name', 'type', 'fstype', 'mounts': [...], 'parents': [names, nearest first]}.
    Accepts both ``mountpoint`` and ``mountpoints`` (util-linux 2.37+) keys.
    """
    data = json.loads(text) if isinstance(text, str) else text
    flat = []

    def visit(device, parents):
        mounts = device.get("mountpoints")
        if mounts is None:
            mounts = [device.get("mountpoint")]
        entry = {
            "name": device.get("name", ""),
            "type": device.get("type", ""),
            "fstype": device.get("fstype") or "",
            "mounts": [m for m in mounts if m],
            "parents": list(parents),
        }
        flat.append(entry)
        for child in device.get("children") or []:
            visit(child, [entry["name"]] + list(parents))

    for device in (data or {}).get("blockdevices", []):
        visit(device, [])
    return flat


def split_dm_name(name):
    """device-mapper name of an LV -> (vg, lv): 'LVMGroup-var--log' -> ('LVMGroup', 'var-log')."""
    match = re.match(r"^((?:[^-]|--)+)-((?:[^-]|--)+)$", name)
    if not match:
        return None, None
    return match.group(1).replace("--", "-"), match.group(2).replace("--", "-")


# --- cron ----------------------------------------------------------------------------------------


def parse_crontab(text, system=False, source="crontab"):
    """Cron lines -> [{'schedule': [5 fields] | '@special', 'user', 'command', 'source'}].

    ``system`` files (/etc/crontab, /etc/cron.d/*) have a user field after the schedule.
    """
    jobs = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", line):
            continue
        fields = line.split()
        if fields[0].startswith("@"):
            schedule, rest = fields[0], fields[1:]
        elif len(fields) >= 6:
            schedule, rest = fields[:5], fields[5:]
        else:
            continue
        user = rest.pop(0) if system and rest else None
        jobs.append({"schedule": schedule, "user": user, "command": " ".join(rest), "source": source})
    return jobs


def cron_field_values(field, low, high):
    """Values a cron field matches: '*/10' over 0-59 -> {0, 10, ..., 50}; None if unreadable."""
    values = set()
    for part in field.split(","):
        match = re.match(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?$", part)
        if not match:
            return None
        span, step = match.group(1), int(match.group(2) or 1)
        if step < 1:
            return None
        if span == "*":
            start, end = low, high
        elif "-" in span:
            start, end = (int(v) for v in span.split("-"))
        else:
            start = int(span)
            end = high if match.group(2) else start
        if start < low or end > high or start > end:
            return None
        values.update(range(start, end + 1, step))
    return values


# --- monitoring.sh output -----------------------------------------------------------------------

# field -> (label pattern, value pattern). Labels as the subject prints them, spacing and case free.
MONITORING_FIELDS = (
    ("architecture", r"arch(itecture)?", r"\S.*\d+\.\d+.*"),
    ("cpu_physical", r"cpu\s*physical", r"\d+"),
    ("vcpu", r"v\s*cpu", r"\d+"),
    ("memory", r"memory\s*usage", r"\d+(\.\d+)?\s*/\s*\d+(\.\d+)?\s*\w*\s*\(\s*\d+(\.\d+)?\s*%\s*\)"),
    ("disk", r"disk\s*usage", r"\d+(\.\d+)?\s*\w*\s*/\s*\d+(\.\d+)?\s*\w*\s*\(\s*\d+(\.\d+)?\s*%\s*\)"),
    ("cpu_load", r"cpu\s*load", r"\d+(\.\d+)?\s*%"),
    ("last_boot", r"last\s*boot", r"\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}"),
    ("lvm", r"lvm\s*use", r"(yes|no)"),
    ("tcp", r"connect(ion)?s?\s*tcp", r"\d+(\s+established)?"),
    ("users", r"user\s*log", r"\d+"),
    ("network", r"network", r"(ip\s*)?\d{1,3}(\.\d{1,3}){3}\s*\(\s*([0-9a-f]{2}:){5}[0-9a-f]{2}\s*\)"),
    ("sudo", r"sudo", r"\d+\s*cmd"),
)


def parse_monitoring(text):
    """The report of monitoring.sh -> {field: value}; a field is present only when its value fits.

    Also returns the raw labels seen, so a report can say what was printed instead.
    """
    values, seen = {}, {}
    for line in (text or "").splitlines():
        line = line.strip().lstrip("#").strip()
        if ":" not in line:
            continue
        label, value = line.split(":", 1)
        label, value = label.strip(), value.strip()
        for field, label_re, value_re in MONITORING_FIELDS:
            if field in values or not re.match(r"^(%s)$" % label_re, label, re.I):
                continue
            seen[field] = value
            if re.match(r"^(%s)$" % value_re, value, re.I):
                values[field] = value
            break
    return values, seen


# --- packages and cloud-init ---------------------------------------------------------------------


def parse_installed(text, manager, names):
    """{name: installed}, from the output of ``dpkg-query -W -f '${Package}\\t${Status}\\n' NAMES``
    or of ``rpm -q --qf '%{NAME}\\n' NAMES``."""
    installed = set()
    for line in (text or "").splitlines():
        if manager == "dpkg":
            fields = line.split("\t")
            if len(fields) == 2 and fields[1].strip() == "install ok installed":
                installed.add(fields[0].split(":", 1)[0])
        elif line.strip() in names:
            installed.add(line.strip())
    return {name: name in installed for name in names}


def cloud_init_preserve_hostname(texts):
    """The ``preserve_hostname`` cloud-init ends with (files in the order it reads them), or None."""
    value = None
    for text in texts:
        for line in (text or "").splitlines():
            match = re.match(r"^preserve_hostname\s*:\s*(\S+)", line)
            if match:
                value = match.group(1).strip("'\"").lower() in ("true", "yes", "on", "1")
    return value
