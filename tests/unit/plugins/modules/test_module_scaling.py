"""The guest modules' cost per guest does not grow with the number of guests on the hypervisor:
one libvirt connection per module run, and no listing of every guest, pool, volume or network on
the way (lookups by name only; listings are for error messages that name what exists)."""

from __future__ import annotations

import collections

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import guest, guest_info

libvirt = pytest.importorskip("libvirt")

URI = "test:///default"
POOL = "default-pool"
LISTINGS = {
    "virConnect": ["listAllDomains", "listDomainsID", "listDefinedDomains", "listAllStoragePools", "listAllNetworks"],
    "virStoragePool": ["listAllVolumes", "listVolumes"],
}
OTHER_GUESTS = 50


@pytest.fixture
def calls(test_conn, monkeypatch):
    """Counter of connections opened and of every listing call, from here on."""
    counted = collections.Counter()

    def counting(name, original):
        def wrapper(*args, **kwargs):
            counted[name] += 1
            return original(*args, **kwargs)

        return wrapper

    for cls, methods in LISTINGS.items():
        for method in methods:
            klass = getattr(libvirt, cls)
            monkeypatch.setattr(klass, method, counting(method, getattr(klass, method)))
    for opener in ("open", "openReadOnly"):
        monkeypatch.setattr(libvirt, opener, counting("open", getattr(libvirt, opener)))
    return counted


@pytest.fixture
def crowded(test_conn):
    """The test driver with OTHER_GUESTS more guests and a disk volume for g1."""
    for index in range(OTHER_GUESTS):
        test_conn.defineXML(
            "<domain type='test'><name>other%d</name><memory>65536</memory><os><type>hvm</type></os></domain>" % index
        )
    test_conn.storagePoolLookupByName(POOL).createXML(
        "<volume><name>g1.qcow2</name><capacity unit='MiB'>64</capacity>"
        "<target><format type='qcow2'/></target></volume>",
        0,
    )
    return test_conn


def test_each_run_opens_one_connection_and_lists_nothing(run, crowded, calls):
    task = dict(
        uri=URI,
        name="g1",
        memory="128MiB",
        disks=[dict(pool=POOL, volume="g1.qcow2")],
        interfaces=[dict(network="default")],
        tags=["b2b"],
    )
    results = [
        run(guest, dict(task, state="running")),
        run(guest, dict(task, state="running")),
        run(guest_info, dict(uri=URI, name="g1")),
        run(guest, dict(task, state="stopped")),
        run(guest, dict(uri=URI, name="g1", state="absent", remove_storage=True)),
    ]
    assert [r.failed for r in results] == [False] * 5
    assert [r["changed"] for r in results] == [True, False, False, True, True]
    assert results[2]["guests"][0]["name"] == "g1"
    assert calls == {"open": 5}
