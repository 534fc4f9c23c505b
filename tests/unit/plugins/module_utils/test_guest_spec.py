"""Validation and normalisation of the guest module's options (pure, no libvirt)."""

from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils._guest_spec import (
    CREATE_DEFAULTS,
    DEFAULT_TB_CACHE,
    SpecError,
    normalise,
    resolve_virt_type,
    with_create_defaults,
)


def spec(virt_type="qemu", **params):
    return normalise(dict(dict(name="g1"), **params), virt_type)


def error(virt_type="qemu", **params):
    with pytest.raises(SpecError) as err:
        spec(virt_type, **params)
    return str(err.value)


@pytest.mark.parametrize(
    "requested, advertised, allowed, expected",
    [
        ("auto", True, False, "qemu"),  # /dev/kvm present but not vouched for: TCG
        ("auto", False, True, "qemu"),  # opted in, but the host has no KVM
        ("auto", True, True, "kvm"),
        (None, True, True, "kvm"),
        ("kvm", False, False, "kvm"),  # explicit wins
        ("qemu", True, True, "qemu"),
    ],
)
def test_auto_picks_kvm_only_when_advertised_and_allowed(requested, advertised, allowed, expected):
    assert resolve_virt_type(requested, advertised, allowed) == expected


def test_sizes_are_kib_and_bare_numbers_are_mib():
    result = spec(memory="2GiB", max_memory=4096, tb_cache="64MiB")
    assert (result["memory"], result["max_memory"], result["tb_cache"]) == (2 * 1024**2, 4 * 1024**2, 65536)


def test_max_memory_and_max_vcpus_default_to_memory_and_vcpus():
    result = spec(memory="1GiB", vcpus=2)
    assert (result["max_memory"], result["max_vcpus"]) == (1024**2, 2)


def test_unset_options_are_unmanaged():
    result = spec()
    for field in ("memory", "vcpus", "disks", "interfaces", "tags", "description", "boot", "serial_log"):
        assert result[field] is None, field


@pytest.mark.parametrize(
    "params, field, hint",
    [
        (dict(memory="lots"), "memory: ", "512MiB"),
        (dict(memory="-1GiB"), "memory: ", "GiB"),
        (dict(memory="1536KiB"), "memory: ", "whole number of MiB"),
        (dict(memory="1GiB", max_memory="512MiB"), "max_memory: ", "at least memory"),
        (dict(vcpus=0), "vcpus: ", "at least 1"),
        (dict(vcpus=4, max_vcpus=2), "max_vcpus: ", "at least vcpus"),
        (dict(tb_cache="12 parsecs"), "tb_cache: ", "MiB"),
        (dict(cpu_mode="custom"), "cpu_model: ", "required"),
        (dict(cpu_mode="maximum", cpu_model="qemu64"), "cpu_model: ", "custom"),
        (dict(cpu_mode="host-passthrough"), "cpu_mode: ", "maximum"),
        (dict(boot=dict(initrd="/i")), "boot.initrd: ", "boot.kernel"),
        (dict(boot=dict(order=["floppy"])), "boot.order[0]: ", "hd, cdrom"),
        (dict(disks=[dict(path="/a.img", volume="v")]), "disks[0]: ", "not both"),
        (dict(disks=[dict(device="disk")]), "disks[0]: ", "not neither"),
        (dict(disks=[dict(path="a.img")]), "disks[0].path: ", "absolute"),
        (dict(disks=[dict(path="/a", pool="p")]), "disks[0].pool: ", "only used with volume"),
        (dict(disks=[dict(volume="v", bus="floppy")]), "disks[0].bus: ", "virtio"),
        (dict(disks=[dict(volume="v", target="disk1")]), "disks[0].target: ", "vda"),
        (dict(interfaces=[dict(network="a", bridge="b")]), "interfaces[0]: ", "not both"),
        (dict(interfaces=[dict(network="a", mac="52:54:00:zz:00:01")]), "interfaces[0].mac: ", "52:54:00"),
        (dict(interfaces=[dict(network="a", mac="01:00:5e:00:00:01")]), "interfaces[0].mac: ", "multicast"),
        (dict(serial_log="serial.log"), "serial_log: ", "absolute"),
        (dict(xml_overrides=[dict(xml="")]), "xml_overrides[0].xml: ", "required"),
        (dict(tags=["ok", "bad\x00"]), "tags[1]: ", "control character"),
        (dict(description="nul \x00"), "description: ", "XML cannot carry"),
        (dict(name="a/b"), "name: ", "'/'"),
        (dict(name="two\nlines"), "name: ", "control character"),
        (dict(name="é" * 101), "name: ", "at most 200"),
    ],
)
def test_bad_input_names_the_field_and_what_is_valid(params, field, hint):
    message = error(**params)
    assert message.startswith(field)
    assert hint in message


def test_tb_cache_is_refused_for_kvm_but_zero_is_fine():
    assert "only applies to virt_type=qemu" in error("kvm", tb_cache="64MiB")
    assert spec("kvm", tb_cache=0)["tb_cache"] == 0


def test_disk_and_interface_defaults():
    result = spec(
        disks=[dict(volume="v.qcow2"), dict(path="/iso/d.iso", device="cdrom"), dict(path="/dev/sdb")],
        interfaces=[dict(bridge="br0", mac="52:54:00:AB:CD:EF")],
    )
    vol, cdrom, block = result["disks"]
    assert vol["source"] == dict(type="volume", pool="default", volume="v.qcow2")
    assert (vol["bus"], vol["readonly"], vol["format"]) == ("virtio", False, None)  # format comes from the volume
    assert (cdrom["bus"], cdrom["readonly"], cdrom["format"]) == ("sata", True, "raw")
    assert block["source"] == dict(type="block", path="/dev/sdb")
    assert result["interfaces"] == [dict(type="bridge", source="br0", model="virtio", mac="52:54:00:ab:cd:ef")]


def test_description_line_endings_are_normalised():
    assert spec(description="a\r\nb\rc")["description"] == "a\nb\nc"


def test_create_defaults_fill_only_unmanaged_fields():
    result = with_create_defaults(spec(vcpus=2))
    assert result["vcpus"] == result["max_vcpus"] == 2
    assert result["memory"] == result["max_memory"] == CREATE_DEFAULTS["memory"]
    assert result["tb_cache"] == DEFAULT_TB_CACHE
    assert result["interfaces"][0]["source"] == "default"
    assert with_create_defaults(spec("kvm"))["tb_cache"] == 0
