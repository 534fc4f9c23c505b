"""born2beroot.virt.volume on libvirt's test driver (uploads and resizes: see the lab tests)."""

from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import volume

URI = "test:///default"
POOL = "default-pool"  # the test driver's own pool, path /default-pool
BASE = dict(uri=URI, pool=POOL, name="disk.qcow2", capacity="1GiB")
GIB = 1024**3


def args(**changes):
    """BASE with ``changes``; a None value drops the option, as omitting it in a task would."""
    merged = dict(BASE, **changes)
    return {key: value for key, value in merged.items() if value is not None}


def vol_xml(conn, name="disk.qcow2"):
    return conn.storagePoolLookupByName(POOL).storageVolLookupByName(name).XMLDesc(0)


def add_base(conn, name="base.qcow2", capacity=GIB):
    conn.storagePoolLookupByName(POOL).createXML(
        "<volume><name>%s</name><capacity>%d</capacity><target><format type='qcow2'/></target></volume>"
        % (name, capacity),
        0,
    )


def test_create_blank_qcow2(run, test_conn):
    result = run(volume, BASE)
    assert result["changed"] is True
    assert result["actions"] == ["create volume disk.qcow2 (qcow2 1GiB)"]
    xml = vol_xml(test_conn)
    assert "<capacity unit='bytes'>1073741824</capacity>" in xml
    assert "<format type='qcow2'/>" in xml
    assert "<mode>0600</mode>" in xml
    assert result["volume"]["capacity"] == GIB


def test_rerun_is_unchanged(run, test_conn):
    run(volume, args(format="raw", name="d.img"))
    result = run(volume, args(format="raw", name="d.img", capacity="1073741824"))
    assert result["changed"] is False
    assert result["actions"] == []


def test_check_mode_predicts_and_changes_nothing(run, test_conn):
    add_base(test_conn)
    task = args(clone_from="base.qcow2", capacity="2GiB")
    predicted = run(volume, task, check_mode=True)
    assert "disk.qcow2" not in test_conn.storagePoolLookupByName(POOL).listVolumes()
    real = run(volume, task)
    assert predicted["actions"] == real["actions"] == ["create volume disk.qcow2 (qcow2 linked clone of base.qcow2)"]
    for key in ("capacity", "format", "backing"):
        assert predicted["volume"][key] == real["volume"][key]


def test_linked_clone_records_backing_file_and_format(run, test_conn):
    add_base(test_conn)
    result = run(volume, args(clone_from="base.qcow2", capacity=None))
    xml = vol_xml(test_conn)
    assert "<backingStore>\n    <path>/default-pool/base.qcow2</path>\n    <format type='qcow2'/>" in xml
    assert result["volume"]["backing"] == "/default-pool/base.qcow2"
    assert run(volume, args(backing_volume="default-pool/base.qcow2", capacity=None))["changed"] is False


def test_copy_clone_has_no_backing(run, test_conn):
    add_base(test_conn)
    result = run(volume, args(clone_from="base.qcow2", clone_mode="copy", capacity=None))
    assert result["actions"] == ["copy volume base.qcow2 to disk.qcow2"]
    assert "backingStore" not in vol_xml(test_conn)


def test_other_backing_is_refused_without_force(run, test_conn):
    add_base(test_conn)
    add_base(test_conn, "other.qcow2")
    run(volume, args(clone_from="base.qcow2", capacity=None))
    refused = run(volume, args(clone_from="other.qcow2", capacity=None))
    assert refused.failed
    assert refused["msg"].startswith("clone_from: volume disk.qcow2 is backed by /default-pool/base.qcow2")
    forced = run(volume, args(clone_from="other.qcow2", capacity=None, force=True))
    assert forced["actions"] == [
        "delete volume disk.qcow2 (volume disk.qcow2 is backed by /default-pool/base.qcow2, "
        "not /default-pool/other.qcow2)",
        "create volume disk.qcow2 (qcow2 linked clone of other.qcow2)",
    ]
    assert "other.qcow2</path>" in vol_xml(test_conn)


def test_format_change_is_refused_without_force(run, test_conn):
    run(volume, BASE)
    result = run(volume, args(format="raw"))
    assert result.failed
    assert result["msg"].startswith("format: volume disk.qcow2 is qcow2, not raw")


def test_grow_is_predicted_in_check_mode(run, test_conn):
    run(volume, BASE)
    result = run(volume, args(capacity="2GiB"), check_mode=True, diff=True)
    assert result["actions"] == ["grow volume disk.qcow2 from 1GiB to 2GiB"]
    assert result["diff"]["before"]["capacity"] == GIB
    assert result["diff"]["after"]["capacity"] == 2 * GIB


def test_shrink_needs_allow_shrink(run, test_conn):
    run(volume, BASE)
    result = run(volume, args(capacity="512MiB"))
    assert result.failed
    assert result["msg"].startswith("capacity: 512MiB is smaller than the current 1GiB")
    allowed = run(volume, args(capacity="512MiB", allow_shrink=True), check_mode=True)
    assert allowed["actions"] == ["shrink volume disk.qcow2 from 1GiB to 512MiB"]


def test_qcow2_capacity_rounds_up_to_sectors(run, test_conn):
    result = run(volume, args(capacity="1000"))
    assert result["volume"]["capacity"] == 1024


def test_diff_of_new_volume(run, test_conn):
    result = run(volume, BASE, diff=True)
    assert result["diff"]["before"] == {"state": "absent"}
    assert result["diff"]["after"]["capacity"] == GIB
    assert result["diff"]["after"]["state"] == "present"


def test_absent_deletes_and_is_idempotent(run, test_conn):
    run(volume, BASE)
    result = run(volume, args(state="absent"))
    assert result["actions"] == ["delete volume disk.qcow2"]
    assert "disk.qcow2" not in test_conn.storagePoolLookupByName(POOL).listVolumes()
    assert run(volume, args(state="absent"))["changed"] is False


def test_absent_refuses_to_delete_a_backing_file(run, test_conn):
    add_base(test_conn)
    run(volume, args(clone_from="base.qcow2", capacity=None))
    result = run(volume, args(name="base.qcow2", state="absent"))
    assert result.failed
    assert "backing file of default-pool/disk.qcow2" in result["msg"]


def test_permissions_of_existing_volume_out_of_reach_warn(run, test_conn):
    run(volume, BASE)
    result = run(volume, args(mode="0644"))
    assert result["changed"] is False
    assert "has mode 0600; libvirt cannot change the permissions" in str(result["warnings"])


@pytest.mark.parametrize(
    "changes, field",
    [
        (dict(pool="nope"), "pool: no storage pool named 'nope'; existing pools: default-pool"),
        (dict(capacity="-1"), "capacity:"),
        (dict(capacity="0"), "capacity:"),
        (dict(capacity="12 parsecs"), "capacity:"),
        (dict(name="a/b"), "name:"),
        (dict(name=".."), "name:"),
        (dict(capacity=None), "capacity: required"),
        (dict(clone_from="missing.qcow2", capacity=None), "clone_from: no volume 'missing.qcow2'"),
        (dict(clone_from="nopool/x", capacity=None), "pool: no storage pool named 'nopool'"),
        (dict(import_file="/nonexistent/image.qcow2", capacity=None), "import_file:"),
        (dict(mode="rw-r--r--"), "mode:"),
    ],
)
def test_bad_input_names_the_field(run, test_conn, changes, field):
    result = run(volume, args(**changes))
    assert result.failed
    assert result["msg"].startswith(field), result["msg"]


def test_missing_pool_is_predicted_in_check_mode_and_fine_for_absent(run, test_conn):
    predicted = run(volume, args(pool="later"), check_mode=True)
    assert predicted["changed"] is True and predicted["actions"] == ["create volume disk.qcow2"]
    assert "assuming an earlier task creates it" in str(predicted["warnings"])
    assert run(volume, args(pool="later", state="absent"))["changed"] is False


def test_linked_clone_smaller_than_base_is_refused(run, test_conn):
    add_base(test_conn, capacity=2 * GIB)
    result = run(volume, args(clone_from="base.qcow2"))
    assert result.failed
    assert result["msg"].startswith("capacity: 1GiB is smaller than 2GiB")


def test_linked_raw_is_refused(run, test_conn):
    add_base(test_conn)
    result = run(volume, args(clone_from="base.qcow2", format="raw", capacity=None))
    assert result["msg"].startswith("format: a linked clone is always qcow2")


def test_import_and_capacity_are_exclusive(run, test_conn, tmp_path):
    image = tmp_path / "x.img"
    image.write_bytes(b"x")
    result = run(volume, args(import_file=str(image)))
    assert result.failed
    assert "mutually exclusive" in result["msg"]


def test_inactive_pool_is_refused(run, test_conn):
    test_conn.storagePoolLookupByName(POOL).destroy()
    result = run(volume, BASE)
    assert result["msg"].startswith("pool: storage pool 'default-pool' is not active")
