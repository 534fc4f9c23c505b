from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils._units import SizeError, format_size, parse_size


@pytest.mark.parametrize(
    "value, default_unit, expected",
    [
        ("512MiB", "B", 512 * 1024**2),
        ("2GiB", "B", 2 * 1024**3),
        ("2G", "B", 2 * 1024**3),
        ("1.5 GiB", "B", 3 * 1024**3 // 2),
        ("1GB", "B", 1000**3),
        (512, "MiB", 512 * 1024**2),
        ("512", "MiB", 512 * 1024**2),
    ],
)
def test_parse_size_accepts_units(value, default_unit, expected):
    assert parse_size(value, "memory", default_unit) == expected


@pytest.mark.parametrize("value", ["-1", "-1GiB", "0", "lots", "12 parsecs", True, "1GiBB", ""])
def test_parse_size_rejects_bad_values_naming_the_field(value):
    with pytest.raises(SizeError) as err:
        parse_size(value, "capacity")
    assert str(err.value).startswith("capacity: ")


def test_format_size_is_shortest_exact_binary_form():
    assert format_size(512 * 1024**2) == "512MiB"
    assert format_size(3 * 1024**3) == "3GiB"
    assert format_size(1536) == "1536B"
    assert format_size(1000) == "1000B"
