"""Property tests of the guest spec -> domain XML model and the cloud-init seed (hypothesis).

Whatever text a user puts into a field is either refused with an error naming that field, or
carried through the XML unchanged, as text or an attribute value: it never adds, removes or
renames an element (no injection), and parse(build(spec)) gives the spec back.
"""

from __future__ import annotations

import io
import json
import operator
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.born2beroot.virt.plugins.module_utils import _guest_xml as gx
from ansible_collections.born2beroot.virt.plugins.module_utils import _metadata, _seed
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_spec import (
    SpecError,
    normalise,
    with_create_defaults,
)

# Short runs: the whole unit suite must stay around a minute.
FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any unicode scalar value, markup characters and control characters included.
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
MARKUP = st.sampled_from(["<", ">", "&", '"', "'", "]]>", "<!--", "<?xml", "&amp;", "</name><name>x", "\r\n", "\t"])
# Text biased towards what breaks naive XML writers: markup pieces mixed with arbitrary text.
HOSTILE = st.lists(st.one_of(ANY_TEXT, MARKUP), max_size=5).map("".join)
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SAFE_WORD = st.builds(operator.add, st.sampled_from(_ALNUM), st.text(_ALNUM + "_.+-", max_size=10))


def shape(elem):
    """The tree's element names and attribute names, without any text or attribute value."""
    return (elem.tag, tuple(sorted(elem.attrib)), tuple(shape(child) for child in elem))


# Where user text goes: field name in error messages -> params with ``text`` in that field only.
PLACES = {
    "name": lambda t: dict(name=t),
    "description": lambda t: dict(description=t),
    "tags[0]": lambda t: dict(tags=[t, "plain"]),
    "metadata key": lambda t: dict(metadata={t: "v"}),
    "metadata.os": lambda t: dict(metadata={"os": t}),
    "boot.kernel": lambda t: dict(boot=dict(kernel="/img/" + t)),
    "boot.initrd": lambda t: dict(boot=dict(kernel="/img/k", initrd="/img/" + t)),
    "boot.cmdline": lambda t: dict(boot=dict(kernel="/img/k", cmdline="console=ttyS0 " + t)),
    "disks[0].volume": lambda t: dict(disks=[dict(volume=t, pool="p")]),
    "disks[0].pool": lambda t: dict(disks=[dict(volume="v", pool=t)]),
    "disks[0].path": lambda t: dict(disks=[dict(path="/iso/" + t, device="cdrom")]),
    "interfaces[0].network": lambda t: dict(interfaces=[dict(network=t)]),
    "interfaces[0].bridge": lambda t: dict(interfaces=[dict(bridge=t)]),
    "serial_log": lambda t: dict(serial_log="/var/log/" + t),
}


# Fields where '' means "no value" (no <description>, the pool named default), not the text ''.
EMPTY_MEANS_UNSET = ("description", "disks[0].pool")


def params_with(place, text):
    return dict(dict(name="g"), **PLACES[place](text))


def build_text(params):
    return gx.to_xml(gx.build_domain(with_create_defaults(normalise(params, "qemu"))))


def reference_shape(place):
    return shape(ET.fromstring(build_text(params_with(place, "plain"))))


def unix_lines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_back(parsed, place):
    """The value ``place`` has in a parsed domain, the way PLACES wrote it."""
    return {
        "name": lambda: parsed["name"],
        "description": lambda: parsed["description"],
        "tags[0]": lambda: parsed["tags"][0],
        "metadata key": lambda: list(parsed["metadata"])[0],
        "metadata.os": lambda: parsed["metadata"]["os"],
        "boot.kernel": lambda: parsed["boot"]["kernel"][len("/img/") :],
        "boot.initrd": lambda: parsed["boot"]["initrd"][len("/img/") :],
        "boot.cmdline": lambda: parsed["boot"]["cmdline"][len("console=ttyS0 ") :],
        "disks[0].volume": lambda: parsed["disks"][0]["source"]["volume"],
        "disks[0].pool": lambda: parsed["disks"][0]["source"]["pool"],
        "disks[0].path": lambda: parsed["disks"][0]["source"]["path"][len("/iso/") :],
        "interfaces[0].network": lambda: parsed["interfaces"][0]["source"],
        "interfaces[0].bridge": lambda: parsed["interfaces"][0]["source"],
        "serial_log": lambda: parsed["serial_log"][len("/var/log/") :],
    }[place]()


@FAST
@given(place=st.sampled_from(sorted(PLACES)), text=HOSTILE)
def test_text_in_any_field_is_refused_naming_it_or_carried_unchanged(place, text):
    assume(text or place not in EMPTY_MEANS_UNSET)
    try:
        xml = build_text(params_with(place, text))
    except SpecError as exc:
        assert str(exc).startswith(place + ": ") or str(exc).startswith(place.split("[")[0] + "["), str(exc)
        return
    root = ET.fromstring(xml)  # well-formed, or this raises
    assert shape(root) == reference_shape(place)  # no element or attribute added or lost
    expected = unix_lines(text) if place in ("description", "metadata.os") else text
    assert read_back(gx.parse_domain(xml), place) == expected


@FAST
@given(text=HOSTILE)
def test_refused_text_is_refused_for_a_character_xml_cannot_carry(text):
    try:
        normalise(dict(name=text, description=text), "qemu")
    except SpecError as exc:
        # Only these reasons: nothing valid in XML is refused for a name beyond '/' and its length.
        assert any(
            reason in str(exc)
            for reason in ("must not be empty", "control character", "must not contain '/'", "bytes long")
        ), str(exc)
        return
    assert text and "/" not in text


MIB = st.integers(min_value=1, max_value=64 * 1024)
NIC = st.builds(
    lambda kind, source, mac: {kind: source, "mac": mac},
    st.sampled_from(["network", "bridge"]),
    SAFE_WORD,
    st.one_of(
        st.none(),
        st.integers(0, 2**24 - 1).map(lambda n: "52:54:00:" + ":".join("%02x" % b for b in n.to_bytes(3, "big"))),
    ),
)


@st.composite
def full_params(draw):
    memory = draw(MIB)
    vcpus = draw(st.integers(min_value=1, max_value=64))
    targets = iter("abcdefgh")
    disks = [
        dict(volume=draw(SAFE_WORD), pool=draw(SAFE_WORD), format="qcow2", target="vd" + next(targets))
        for _disk in range(draw(st.integers(0, 3)))
    ]
    if draw(st.booleans()):
        disks.append(dict(path="/iso/" + draw(ANY_TEXT), device="cdrom", target="sd" + next(targets)))
    return dict(
        name=draw(SAFE_WORD),
        memory="%dMiB" % memory,
        max_memory="%dMiB" % (memory + draw(st.integers(0, 4096))),
        vcpus=vcpus,
        max_vcpus=vcpus + draw(st.integers(0, 8)),
        machine=draw(st.sampled_from(["pc", "q35", None])),
        firmware=draw(st.sampled_from(["bios", "uefi"])),
        cpu_mode=draw(st.sampled_from([None, "host-model", "maximum"])),
        tb_cache="%dMiB" % draw(st.integers(0, 512)),
        boot=draw(st.sampled_from([None, dict(order=["hd", "cdrom"]), dict(kernel="/k", cmdline="ro quiet")])),
        disks=disks,
        interfaces=draw(st.lists(NIC, max_size=3)),
        serial_log=draw(st.sampled_from(["", "/var/log/g.log"])),
        guest_agent=draw(st.booleans()),
        description=draw(ANY_TEXT),
        tags=draw(st.lists(SAFE_WORD, max_size=3)),
        metadata=draw(st.dictionaries(SAFE_WORD, SAFE_WORD, max_size=3)),
    )


@FAST
@given(params=full_params())
def test_parse_of_build_gives_the_spec_back(params):
    try:
        spec = with_create_defaults(normalise(params, "qemu"))
    except SpecError as exc:
        assert str(exc).startswith(("description: ", "disks[")), str(exc)  # control characters only
        return
    parsed = gx.parse_domain(gx.to_xml(gx.build_domain(spec)))
    for field, value in spec.items():
        if value is not None and field != "xml_overrides":  # None: unmanaged, libvirt's default
            assert parsed[field] == value, field


@FAST
@given(first=full_params(), second=full_params())
def test_merge_rewrites_an_existing_domain_into_the_new_spec(first, second):
    try:
        old = with_create_defaults(normalise(first, "qemu"))
        new = with_create_defaults(normalise(dict(second, name=first["name"]), "qemu"))
    except SpecError:
        return
    fields = [f for f, value in new.items() if value is not None and f != "xml_overrides"]
    parsed = gx.parse_domain(gx.to_xml(gx.merge_domain(gx.build_domain(old), new, fields)))
    for field in fields:
        if field in ("disks", "interfaces"):  # devices kept in place, new ones added after them
            assert sorted(map(repr, parsed[field])) == sorted(map(repr, new[field])), field
        else:
            assert parsed[field] == new[field], field


# --- invalid sizes, counts and units --------------------------------------------------------

UNIT = st.sampled_from(["", "B", "KiB", "MiB", "GiB", "K", "M", "G", "KB", "MB", "GB"])
BAD_UNIT = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4).filter(
    lambda u: u.lower() not in ("b", "k", "kib", "m", "mib", "g", "gib", "t", "tib", "kb", "mb", "gb", "tb")
)
NOT_A_NUMBER = st.text(max_size=12).filter(lambda t: not t.strip() or not t.strip()[0].isdigit())


@FAST
@given(field=st.sampled_from(["memory", "max_memory", "tb_cache"]), number=st.integers(1, 9999), unit=BAD_UNIT)
def test_an_unknown_unit_is_refused_naming_the_field(field, number, unit):
    value = "%d%s" % (number, unit)
    with pytest.raises(SpecError) as err:
        normalise({"name": "g", field: value}, "qemu")
    assert str(err.value).startswith("%s: unknown unit %r" % (field, unit))


@FAST
@given(field=st.sampled_from(["memory", "max_memory", "tb_cache"]), value=NOT_A_NUMBER)
def test_something_that_is_not_a_size_is_refused_naming_the_field(field, value):
    with pytest.raises(SpecError) as err:
        normalise({"name": "g", field: value}, "qemu")
    assert str(err.value).startswith("%s: %r is not a size" % (field, value))


@FAST
@given(field=st.sampled_from(["memory", "max_memory"]), number=st.integers(-(2**40), 0), unit=UNIT)
def test_zero_or_negative_memory_is_refused_naming_the_field(field, number, unit):
    with pytest.raises(SpecError) as err:
        normalise({"name": "g", field: "%d%s" % (number, unit)}, "qemu")
    assert str(err.value).startswith(field + ": ")


@FAST
@given(
    field=st.sampled_from(["memory", "max_memory", "tb_cache"]),
    kib=st.integers(1, 10**7).filter(lambda k: k % 1024),
)
def test_a_size_that_is_not_whole_mib_is_refused_naming_the_field(field, kib):
    with pytest.raises(SpecError) as err:
        normalise({"name": "g", field: "%dKiB" % kib}, "qemu")
    assert str(err.value).startswith("%s: '%dKiB' is not a whole number of MiB" % (field, kib))


@FAST
@given(field=st.sampled_from(["vcpus", "max_vcpus"]), count=st.integers(-(2**31), 0))
def test_a_vcpu_count_below_one_is_refused_naming_the_field(field, count):
    with pytest.raises(SpecError) as err:
        normalise({"name": "g", field: count}, "qemu")
    assert str(err.value) == "%s: must be at least 1, got %d" % (field, count)


@FAST
@given(vcpus=st.integers(2, 256), less=st.integers(1, 255))
def test_max_vcpus_below_vcpus_is_refused(vcpus, less):
    assume(less < vcpus)
    with pytest.raises(SpecError) as err:
        normalise(dict(name="g", vcpus=vcpus, max_vcpus=less), "qemu")
    assert str(err.value) == "max_vcpus: must be at least vcpus (%d)" % vcpus


@FAST
@given(memory=st.integers(2, 10**6), less=st.integers(1, 10**6))
def test_max_memory_below_memory_is_refused(memory, less):
    assume(less < memory)
    with pytest.raises(SpecError) as err:
        normalise(dict(name="g", memory="%dMiB" % memory, max_memory="%dMiB" % less), "qemu")
    assert str(err.value).startswith("max_memory: must be at least memory")


# --- cloud-init data ------------------------------------------------------------------------

pycdlib = pytest.importorskip("pycdlib")

JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**31), 2**31), ANY_TEXT),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(ANY_TEXT, children, max_size=3)),
    max_leaves=8,
)


def read_seed(data):
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    files = {}
    for name in ("user-data", "meta-data", "network-config"):
        out = io.BytesIO()
        try:
            iso.get_file_from_iso_fp(out, joliet_path="/" + name)
        except pycdlib.pycdlibexception.PyCdlibInvalidInput:
            continue
        files[name] = out.getvalue()
    iso.close()
    return files


@settings(max_examples=25, deadline=None)
@given(user_data=st.dictionaries(ANY_TEXT, JSON_VALUE, max_size=4), name=SAFE_WORD, text=HOSTILE)
def test_cloud_init_data_reaches_the_seed_unchanged_and_the_xml_only_as_a_hash(user_data, name, text):
    files = _seed.seed_files(name, dict(user_data=user_data, meta_data={"note": text}))
    data = _seed.build_seed(files)
    back = read_seed(data)
    assert back == files
    assert json.loads(back["user-data"].decode("utf-8").split("\n", 1)[1]) == user_data
    assert json.loads(back["meta-data"])["note"] == text
    spec = with_create_defaults(normalise(dict(name=name), "qemu"))
    spec["cloud_init"] = _seed.sha256(data)
    xml = gx.to_xml(gx.build_domain(spec))
    assert gx.parse_domain(xml)["cloud_init"] == spec["cloud_init"]
    seed = ET.fromstring(xml).find("./metadata/{%s}guest/{%s}seed" % (_metadata.NAMESPACE, _metadata.NAMESPACE))
    assert seed.attrib == {"sha256": spec["cloud_init"]} and not seed.text and not len(seed)
