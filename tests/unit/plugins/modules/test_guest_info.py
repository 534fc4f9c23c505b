"""born2beroot.virt.guest_info on libvirt's test driver."""

from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import guest, guest_info

pytest.importorskip("libvirt")
URI = "test:///default"


@pytest.fixture
def guests(run, test_conn):
    run(
        guest, dict(uri=URI, name="web", state="running", memory="1GiB", tags=["b2b", "web"], metadata={"os": "debian"})
    )
    run(guest, dict(uri=URI, name="db", tags=["b2b"], interfaces=[dict(network="default", mac="52:54:00:00:00:02")]))
    return test_conn


def test_lists_all_guests_sorted_with_state_resources_and_addresses(run, guests):
    result = run(guest_info, dict(uri=URI))
    assert result["changed"] is False
    assert [g["name"] for g in result["guests"]] == ["db", "test", "web"]
    web = result["guests"][2]
    assert (web["state"], web["memory"], web["vcpus"], web["autostart"]) == ("running", "1GiB", 1, False)
    assert web["tags"] == ["b2b", "web"] and web["metadata"] == {"os": "debian"}
    nic = web["interfaces"][0]
    assert nic["addresses"] == [web["ip"]] and nic["mac"] == web["addresses"][0]["mac"]
    db = result["guests"][0]
    assert (db["state"], db["ip"], db["interfaces"][0]["mac"]) == ("shutoff", None, "52:54:00:00:00:02")


def test_filters_by_name_and_by_tags(run, guests):
    assert [g["name"] for g in run(guest_info, dict(uri=URI, tags=["b2b"]))["guests"]] == ["db", "web"]
    assert [g["name"] for g in run(guest_info, dict(uri=URI, tags=["b2b", "web"]))["guests"]] == ["web"]
    assert [g["name"] for g in run(guest_info, dict(uri=URI, name="db"))["guests"]] == ["db"]
    assert run(guest_info, dict(uri=URI, name="nope"))["guests"] == []


def test_works_in_check_mode_and_changes_nothing(run, guests):
    before = guests.lookupByName("web").XMLDesc(0)
    result = run(guest_info, dict(uri=URI, name="web", address_sources=[]), check_mode=True)
    assert result["guests"][0]["addresses"] == [] and result["changed"] is False
    assert guests.lookupByName("web").XMLDesc(0) == before


def test_output_feeds_back_into_the_guest_module_unchanged(run, guests):
    info = run(guest_info, dict(uri=URI, name="web"))["guests"][0]
    options = {
        k: info[k]
        for k in (
            "memory",
            "max_memory",
            "vcpus",
            "max_vcpus",
            "tags",
            "metadata",
            "firmware",
            "serial_log",
            "guest_agent",
            "description",
            "tb_cache",
        )
    }
    options["interfaces"] = [{k: v for k, v in nic.items() if k != "addresses"} for nic in info["interfaces"]]
    assert run(guest, dict(uri=URI, name="web", **options))["changed"] is False


def test_connection_error_is_reported(run, test_conn):
    result = run(guest_info, dict(uri="test:///nonexistent.xml"))
    assert result.failed and "cannot connect to libvirt at test:///nonexistent.xml" in result["msg"]
