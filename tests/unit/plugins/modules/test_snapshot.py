"""born2beroot.virt.snapshot on libvirt's test driver (its guest "test" is running)."""

from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import snapshot

URI = "test:///default"
BASE = dict(uri=URI, guest="test", name="before-bootstrap")


def names(conn):
    return sorted(snap.getName() for snap in conn.lookupByName("test").listAllSnapshots(0))


def test_create_with_description_and_list(run, test_conn):
    result = run(snapshot, dict(BASE, description="fresh install"))
    assert result["actions"] == ["create snapshot before-bootstrap of guest test"]
    assert names(test_conn) == ["before-bootstrap"]
    assert result["snapshot"]["description"] == "fresh install"
    assert result["snapshot"]["domain_state"] == "running"
    assert [s["name"] for s in result["snapshots"]] == ["before-bootstrap"]


def test_rerun_is_unchanged(run, test_conn):
    run(snapshot, dict(BASE, description="fresh install"))
    again = run(snapshot, dict(BASE, description="fresh install"))
    assert again["changed"] is False
    assert run(snapshot, BASE)["changed"] is False
    assert names(test_conn) == ["before-bootstrap"]


def test_description_change_updates_in_place(run, test_conn):
    run(snapshot, dict(BASE, description="old"))
    result = run(snapshot, dict(BASE, description="new"), diff=True)
    assert result["actions"] == ["change the description of snapshot before-bootstrap"]
    assert result["diff"] == {
        "before": {"state": "present", "description": "old"},
        "after": {"state": "present", "description": "new"},
    }
    snap = test_conn.lookupByName("test").snapshotLookupByName("before-bootstrap", 0)
    assert "<description>new</description>" in snap.getXMLDesc(0)


def test_check_mode_predicts_and_changes_nothing(run, test_conn):
    predicted = run(snapshot, dict(BASE, description="x"), check_mode=True)
    assert names(test_conn) == []
    assert [s["name"] for s in predicted["snapshots"]] == ["before-bootstrap"]
    real = run(snapshot, dict(BASE, description="x"))
    assert predicted["actions"] == real["actions"]
    deleted = run(snapshot, dict(BASE, state="absent"), check_mode=True)
    assert deleted["snapshots"] == [] and names(test_conn) == ["before-bootstrap"]


def test_revert_always_reports_changed(run, test_conn):
    run(snapshot, BASE)
    run(snapshot, dict(BASE, name="later"))
    result = run(snapshot, dict(BASE, state="reverted"))
    assert result["changed"] is True
    assert result["actions"] == ["revert guest test to snapshot before-bootstrap"]
    assert test_conn.lookupByName("test").snapshotCurrent(0).getName() == "before-bootstrap"
    assert run(snapshot, dict(BASE, state="reverted"), check_mode=True)["changed"] is True
    listed = {s["name"]: s for s in result["snapshots"]}
    assert listed["later"]["parent"] == "before-bootstrap" and listed["before-bootstrap"]["current"] is True


def test_absent(run, test_conn):
    run(snapshot, BASE)
    assert run(snapshot, dict(BASE, state="absent"))["actions"] == ["delete snapshot before-bootstrap of guest test"]
    assert names(test_conn) == []
    assert run(snapshot, dict(BASE, state="absent"))["changed"] is False


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(guest="nope"), "guest: no guest named 'nope'; existing guests: test"),
        (dict(name="a/b"), "name: 'a/b' is not a valid name"),
        (dict(state="reverted"), "name: guest test has no snapshot 'before-bootstrap'; existing snapshots: (none)"),
    ],
)
def test_bad_input_names_the_field(run, test_conn, changes, message):
    result = run(snapshot, dict(BASE, **changes))
    assert result.failed
    assert result["msg"].startswith(message), result["msg"]
