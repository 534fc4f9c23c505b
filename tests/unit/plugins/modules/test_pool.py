"""born2beroot.virt.pool on libvirt's test driver."""

from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import pool

URI = "test:///default"
BASE = dict(uri=URI, name="ut-images", path="/srv/ut-images")


def lookup(conn, name="ut-images"):
    return conn.storagePoolLookupByName(name)


def test_create_defines_builds_starts(run, test_conn):
    result = run(pool, dict(BASE, autostart=True))
    assert result["changed"] is True
    assert result["actions"] == [
        "define pool ut-images",
        "build pool ut-images (create its directory)",
        "start pool ut-images",
        "enable autostart of pool ut-images",
    ]
    found = lookup(test_conn)
    assert found.isActive() and found.autostart()
    assert result["pool"]["path"] == "/srv/ut-images"
    assert result["pool"]["state"] == "active"
    assert result["pool"]["volumes"] == []


def test_rerun_is_unchanged(run, test_conn):
    run(pool, dict(BASE, mode="0750"))
    result = run(pool, dict(BASE, mode="750"))
    assert result["changed"] is False
    assert result["actions"] == []


def test_check_mode_predicts_and_changes_nothing(run, test_conn):
    predicted = run(pool, dict(BASE, autostart=True), check_mode=True)
    assert "ut-images" not in test_conn.listDefinedStoragePools() + test_conn.listStoragePools()
    real = run(pool, dict(BASE, autostart=True))
    assert predicted["changed"] is real["changed"] is True
    assert predicted["actions"] == real["actions"]


def test_diff_shows_before_and_after(run, test_conn):
    result = run(pool, dict(BASE, mode="0711"), diff=True)
    assert result["diff"]["before"] == {"state": "absent"}
    assert result["diff"]["after"]["state"] == "active"
    assert result["diff"]["after"]["path"] == "/srv/ut-images"
    assert result["diff"]["after"]["mode"] == "0711"
    assert "diff" not in run(pool, BASE)


def test_new_path_redefines_and_restarts(run, test_conn):
    run(pool, BASE)
    result = run(pool, dict(BASE, path="/srv/other/"))
    assert result["actions"] == [
        "stop pool ut-images to apply the new path/permissions",
        "redefine pool ut-images",
        "build pool ut-images (create its directory)",
        "start pool ut-images",
    ]
    assert "<path>/srv/other</path>" in lookup(test_conn).XMLDesc(0)


def test_stopped_then_present(run, test_conn):
    run(pool, BASE)
    stopped = run(pool, dict(BASE, state="stopped"))
    assert stopped["actions"] == ["stop pool ut-images"]
    assert not lookup(test_conn).isActive()
    started = run(pool, dict(name="ut-images", uri=URI))
    assert started["actions"] == ["build pool ut-images (create its directory)", "start pool ut-images"]
    assert lookup(test_conn).isActive()


def test_absent_keeps_files_by_default(run, test_conn):
    run(pool, BASE)
    result = run(pool, dict(BASE, state="absent"))
    assert result["actions"] == ["stop pool ut-images", "undefine pool ut-images (its files stay)"]
    assert "ut-images" not in test_conn.listDefinedStoragePools() + test_conn.listStoragePools()
    assert run(pool, dict(BASE, state="absent"))["changed"] is False


def test_absent_with_remove_storage_deletes_volumes(run, test_conn):
    run(pool, BASE)
    lookup(test_conn).createXML("<volume><name>a.img</name><capacity>1024</capacity></volume>", 0)
    result = run(pool, dict(BASE, state="absent", remove_storage=True))
    assert result["actions"] == ["delete the volumes and directory of pool ut-images", "undefine pool ut-images"]
    assert "ut-images" not in test_conn.listDefinedStoragePools() + test_conn.listStoragePools()


def test_refresh_does_not_report_a_change(run, test_conn):
    run(pool, BASE)
    assert run(pool, dict(BASE, refresh=True))["changed"] is False


@pytest.mark.parametrize(
    "args, field",
    [
        (dict(type="logical"), "type:"),
        (dict(name="a/b"), "name:"),
        (dict(path="relative/dir"), "path:"),
        (dict(mode="0999"), "mode:"),
        (dict(path=None), "path: required"),
    ],
)
def test_bad_input_names_the_field(run, test_conn, args, field):
    result = run(pool, dict(BASE, **args))
    assert result.failed
    assert result["msg"].startswith(field), result["msg"]


def test_existing_pool_of_other_type_is_refused(run, test_conn):
    test_conn.storagePoolDefineXML(
        "<pool type='logical'><name>ut-lv</name><source><name>vg</name></source>"
        "<target><path>/dev/vg</path></target></pool>",
        0,
    )
    result = run(pool, dict(BASE, name="ut-lv"))
    assert result.failed
    assert "type 'logical'" in result["msg"]


def test_unreachable_parent_warns(tmp_path):
    from ansible_collections.born2beroot.virt.plugins.module_utils._pool import unreachable_parents

    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert str(private) in unreachable_parents(str(private / "images"))
    private.chmod(0o711)
    assert str(private) not in unreachable_parents(str(private / "images"))
