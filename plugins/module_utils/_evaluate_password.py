# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passwords for testing a pam_pwquality policy (private API). Pure Python.

``make_password`` builds a password that meets every rule of a policy; ``weak_variants`` derives
from it one password per rule that breaks that rule only, with the message pam_pwquality prints
when it refuses it. So a refusal with the expected message proves that rule, and nothing else,
is enforced.
"""

from __future__ import annotations

import re
import string

CLASSES = (
    ("ucredit", string.ascii_uppercase, "uppercase letter"),
    ("lcredit", string.ascii_lowercase, "lowercase letter"),
    ("dcredit", string.digits, "digit"),
    ("ocredit", "%+,-.:=@^_", "non-alphanumeric character"),
)
# libpwquality's messages (English), one per rule.
REFUSALS = {
    "minlen": r"shorter than \d+ char",
    "ucredit": r"less than \d+ uppercase",
    "lcredit": r"less than \d+ lowercase",
    "dcredit": r"less than \d+ digit",
    "ocredit": r"less than \d+ non-alphanumeric",
    "maxrepeat": r"more than \d+ same characters",
    "usercheck": r"user name",
    "difok": r"too similar|same as the old",
}
CRACKLIB_MIN = 6  # pam_pwquality never accepts a minlen below this


def class_of(char):
    for key, chars, _word in CLASSES:
        if char in chars:
            return key
    return "ocredit"


def counts(password):
    found = {key: 0 for key, _chars, _word in CLASSES}
    for char in password:
        found[class_of(char)] += 1
    return found


def score(password, policy):
    """Length as pam_pwquality counts it: positive credits add one per character of the class."""
    found = counts(password)
    bonus = sum(min(found[key], int(policy.get(key, 0))) for key, _c, _w in CLASSES if int(policy.get(key, 0)) > 0)
    return len(password) + bonus


def longest_run(password):
    longest, run, prev = 0, 0, None
    for char in password:
        run = run + 1 if char == prev else 1
        prev = char
        longest = max(longest, run)
    return longest


def problems(password, policy, username=""):
    """Rules of ``policy`` that ``password`` breaks (no old password, no dictionary): ['minlen', ...]."""
    broken = []
    if score(password, policy) < max(int(policy.get("minlen", 0)), CRACKLIB_MIN):
        broken.append("minlen")
    found = counts(password)
    for key, _chars, _word in CLASSES:
        credit = int(policy.get(key, 0))
        if credit < 0 and found[key] < -credit:
            broken.append(key)
    maxrepeat = int(policy.get("maxrepeat", 0))
    if maxrepeat > 0 and longest_run(password) > maxrepeat:
        broken.append("maxrepeat")
    if int(policy.get("usercheck", 1)) and username and len(username) >= 3:
        lowered = password.lower()
        if username.lower() in lowered or username.lower()[::-1] in lowered:
            broken.append("usercheck")
    return broken


def _pick(rng, chars, avoid):
    choices = [c for c in chars if c.lower() not in avoid]
    return rng.choice(choices)


def make_password(rng, policy, username="", avoid="", length=None):
    """A password that meets ``policy``: the required characters first, then random ones.

    Adjacent characters always differ (even ignoring case), so case changes in ``weak_variants``
    never create runs. ``avoid``: characters not to use (for a password with no character in
    common with another, as difok wants).
    """
    avoid = set(avoid.lower())
    minlen = max(int(policy.get("minlen", 0)), CRACKLIB_MIN)
    length = length or max(minlen + 2, 12)
    # One more of each required class than the policy asks, so one changed character keeps it valid.
    required = {key: max(1 - int(policy.get(key, 0)), 2) for key, _c, _w in CLASSES[:3]}
    required["ocredit"] = 1 - int(policy.get("ocredit", 0)) if int(policy.get("ocredit", 0)) < 0 else 0
    pool = "".join(chars for key, chars, _w in CLASSES if key != "ocredit" or required["ocredit"] > 0)
    for _attempt in range(1000):
        chars, prev = [], ""
        plan = [key for key, _c, _w in CLASSES for _n in range(required[key])]
        rng.shuffle(plan)
        for key in plan + [None] * max(0, length - len(plan)):
            source = dict((k, c) for k, c, _w in CLASSES)[key] if key else pool
            char = _pick(rng, source, avoid | {prev.lower()})
            chars.append(char)
            prev = char
        password = "".join(chars)
        if not problems(password, policy, username):
            return password
    raise ValueError("cannot build a password for this policy")


def _replace_class(password, key, rng):
    """Swap every character of one class for a lower-case letter unlike its neighbours."""
    out = list(password)
    for index, char in enumerate(out):
        if class_of(char) != key:
            continue
        if key == "ucredit":
            out[index] = char.lower()
        elif key == "lcredit":
            out[index] = char.upper()
        else:
            near = {c.lower() for c in out[max(0, index - 1) : index + 2]}
            out[index] = _pick(rng, string.ascii_lowercase, near)
    return "".join(out)


def weak_variants(good, policy, username, rng):
    """[(rule, password)]: for each rule the policy sets, ``good`` changed to break that rule only."""
    variants = []
    minlen = int(policy.get("minlen", 0))
    if minlen - 1 >= CRACKLIB_MIN:
        for cut in range(len(good), 0, -1):
            shorter = good[:cut]
            if problems(shorter, policy, username) == ["minlen"]:
                variants.append(("minlen", shorter))
                break
    for key, _chars, _word in CLASSES:
        if int(policy.get(key, 0)) < 0:
            variants.append((key, _replace_class(good, key, rng)))
    maxrepeat = int(policy.get("maxrepeat", 0))
    if maxrepeat > 0:
        middle = len(good) // 2
        near = {good[middle - 1].lower(), good[middle].lower()}
        char = _pick(rng, string.ascii_lowercase, near)
        variants.append(("maxrepeat", good[:middle] + char * (maxrepeat + 1) + good[middle:]))
    if int(policy.get("usercheck", 1)) and len(username) >= 3:
        variants.append(("usercheck", good[:3] + username + good[3:]))
    return [(rule, pw) for rule, pw in variants if problems(pw, policy, username) == [rule]]


def similar_password(good, rng):
    """``good`` with its last character changed: too similar to it for any difok above 1."""
    return good[:-1] + _pick(rng, string.ascii_lowercase, {good[-1].lower(), good[-2].lower()})


def refusal_matches(rule, output):
    """Whether ``output`` (of chpasswd or passwd) has pam_pwquality's message for ``rule``."""
    return bool(re.search(REFUSALS[rule], output or "", re.I))
