# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sizes with units, as users write them in YAML (private API). Pure Python, no libvirt."""

from __future__ import annotations

import re

_BINARY = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gib": 1024**3,
    "t": 1024**4,
    "tib": 1024**4,
}
_DECIMAL = {"kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
_FACTORS = dict(_BINARY, **_DECIMAL)
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")

ACCEPTED_FORMS = (
    "a whole number of bytes or a number with a unit: B, KiB, MiB, GiB, TiB (also K, M, G, T) or KB, MB, GB, TB,"
    " e.g. 512MiB or 2GiB"
)


class SizeError(ValueError):
    """A size the user wrote that cannot be understood; the message names the field."""


def parse_size(value, field, default_unit="B", minimum=1):
    """Return ``value`` in bytes. A bare number is taken in ``default_unit``.

    Raises SizeError naming ``field`` and the accepted forms for anything else,
    including negative numbers, zero (below ``minimum``) and unknown units.
    """
    if isinstance(value, bool):
        raise SizeError("%s: %r is not a size; use %s" % (field, value, ACCEPTED_FORMS))
    if isinstance(value, int):
        number, unit = value, default_unit
    else:
        match = _SIZE_RE.match(str(value))
        if not match:
            raise SizeError("%s: %r is not a size; use %s" % (field, value, ACCEPTED_FORMS))
        number, unit = float(match.group(1)), match.group(2) or default_unit
    factor = _FACTORS.get(unit.lower())
    if factor is None:
        raise SizeError("%s: unknown unit %r in %r; use %s" % (field, unit, value, ACCEPTED_FORMS))
    size = int(number * factor)
    if size < minimum:
        raise SizeError("%s: %r is too small; it must be at least %d bytes" % (field, value, minimum))
    return size


def format_size(size):
    """Shortest exact binary form of a byte count: 536870912 -> '512MiB'."""
    for unit, factor in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size % factor == 0:
            return "%d%s" % (size // factor, unit)
    return "%dB" % size
