# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired spec vs the existing guest (private API, pure Python).

``reconcile`` turns the user's spec into the complete desired spec of an existing guest:
unmanaged fields keep their current value, disks keep their targets, NICs their MACs,
``q35`` matches ``pc-q35-7.2``. ``changed_fields`` then lists what really differs and
``classify`` splits it into what a running guest can take live and what needs a restart.
"""

from __future__ import annotations

import json

from ansible_collections.born2beroot.virt.plugins.module_utils._guest_spec import DISK_BUSES, FIELDS

# Fields a running guest takes without a restart (given the conditions in ``classify``).
LIVE_FIELDS = ("memory", "vcpus", "disks", "interfaces", "description", "tags", "metadata")
# Fields that never touch the guest itself.
METADATA_FIELDS = ("description", "tags", "metadata")


def _canon(item):
    return json.dumps(item, sort_keys=True)


def _disk_key(disk):
    return disk["device"], _canon(disk["source"])


def _take(pool, predicate):
    for item in pool:
        if predicate(item):
            pool.remove(item)
            return item
    return None


def pair_disks(desired, existing):
    """[(desired, existing or None)], [unpaired existing]; disks pair by device and source."""
    unused = list(existing)
    pairs = [(d, _take(unused, lambda e, d=d: _disk_key(e) == _disk_key(d))) for d in desired]
    return pairs, unused


def pair_interfaces(desired, existing):
    """NICs pair by MAC when the user gave one, else by source in order of appearance."""
    unused = list(existing)
    found = {}
    for i, nic in enumerate(desired):
        if nic["mac"]:
            found[i] = _take(unused, lambda e, nic=nic: e["mac"] == nic["mac"])
    for i, nic in enumerate(desired):
        if not nic["mac"]:
            found[i] = _take(unused, lambda e, nic=nic: (e["type"], e["source"]) == (nic["type"], nic["source"]))
    return [(nic, found[i]) for i, nic in enumerate(desired)], unused


def _fill_disks(desired, existing):
    pairs, _unused = pair_disks(desired, existing)
    filled = []
    for disk, match in pairs:
        disk = dict(disk)
        if match is not None:
            disk["target"] = disk["target"] or match["target"]
            disk["format"] = disk["format"] or match["format"]
        filled.append(disk)
    taken = {d["target"] for d in filled if d["target"]}
    for disk in filled:
        if not disk["target"]:
            disk["target"] = free_target(DISK_BUSES[disk["bus"]], taken)
            taken.add(disk["target"])
    return filled


def free_target(prefix, taken):
    """First unused target name with ``prefix``: vda, vdb, ..., vdz, vdaa, ..."""
    index = 0
    while True:
        name, n = "", index
        while True:
            name = chr(ord("a") + n % 26) + name
            n = n // 26 - 1
            if n < 0:
                break
        if prefix + name not in taken:
            return prefix + name
        index += 1


def _fill_interfaces(desired, existing):
    pairs, _unused = pair_interfaces(desired, existing)
    return [dict(nic, mac=nic["mac"] or (match["mac"] if match else None)) for nic, match in pairs]


def machine_family(canonical):
    """'pc-q35-7.2' -> 'pc-q35-': versions of one machine type share this prefix."""
    return canonical.rsplit("-", 1)[0] + "-" if canonical and "-" in canonical else canonical


def machine_matches(wanted, have, aliases):
    if wanted == have:
        return True
    canonical = aliases.get(wanted)
    return bool(canonical and have and have.startswith(machine_family(canonical)))


def reconcile(desired, existing, aliases=None):
    """The complete desired spec of an existing guest (``existing`` from parse_domain)."""
    result = dict(desired)
    for field in FIELDS:
        if result.get(field) is None and field != "xml_overrides":
            result[field] = existing.get(field)
    if desired.get("boot") is not None and desired["boot"]["order"] is None:
        result["boot"] = dict(desired["boot"], order=(existing.get("boot") or {}).get("order"))
    if result.get("machine") and machine_matches(result["machine"], existing.get("machine"), aliases or {}):
        result["machine"] = existing["machine"]
    if desired.get("tb_cache") is None and result.get("virt_type") != "qemu":
        result["tb_cache"] = 0
    if result.get("disks") is not None:
        result["disks"] = _fill_disks(result["disks"], existing.get("disks") or [])
    if result.get("interfaces") is not None:
        result["interfaces"] = _fill_interfaces(result["interfaces"], existing.get("interfaces") or [])
    return result


def _same(field, want, have):
    if field in ("disks", "interfaces"):
        return sorted(map(_canon, want or [])) == sorted(map(_canon, have or []))
    return want == have


def changed_fields(desired, existing, overrides_ok=True):
    """Names of the fields whose desired value differs from the existing guest's (None: unmanaged)."""
    fields = [
        f
        for f in FIELDS
        if f != "xml_overrides" and desired.get(f) is not None and not _same(f, desired[f], existing.get(f))
    ]
    if not overrides_ok:
        fields.append("xml_overrides")
    return fields


def device_changes(desired, existing, pair):
    """(added, removed, modified) between two device lists; modified pairs cannot go live."""
    pairs, removed = pair(desired, existing)
    added = [want for want, have in pairs if have is None]
    modified = [(want, have) for want, have in pairs if have is not None and want != have]
    return added, removed, modified


def classify(fields, desired, existing, live_max_memory, live_max_vcpus):
    """Split changed ``fields`` of a running guest into (live, restart)."""
    live, restart = [], []
    for field in fields:
        ok = field in LIVE_FIELDS
        if field == "memory":
            ok = "max_memory" not in fields and desired["memory"] <= live_max_memory
        elif field == "vcpus":
            ok = "max_vcpus" not in fields and desired["vcpus"] <= live_max_vcpus
        elif field == "disks":
            ok = not device_changes(desired["disks"], existing["disks"], pair_disks)[2]
        elif field == "interfaces":
            ok = not device_changes(desired["interfaces"], existing["interfaces"], pair_interfaces)[2]
        (live if ok else restart).append(field)
    return live, restart
