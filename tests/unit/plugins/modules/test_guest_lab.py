"""born2beroot.virt.guest against the lab libvirtd: real QEMU normalisation (guests are defined, never started)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import guest, guest_info

libvirt = pytest.importorskip("libvirt")
pytestmark = pytest.mark.lab
LAB_URI = "qemu:///system"


@pytest.fixture
def name(lab_conn):
    """A fresh ut-a-* guest name; whatever is defined under it is undefined afterwards."""
    guest_name = "ut-a-%s" % uuid.uuid4().hex[:8]
    yield guest_name
    for dom in lab_conn.listAllDomains():
        if dom.name() == guest_name:
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)


@pytest.fixture
def disk(lab_pool):
    lab_pool.createXML(
        "<volume><name>disk.qcow2</name><capacity unit='MiB'>64</capacity>"
        "<target><format type='qcow2'/></target></volume>",
        0,
    )
    return dict(pool=lab_pool.name(), volume="disk.qcow2")


def network(lab_conn):
    names = [n.name() for n in lab_conn.listAllNetworks()]
    return "b2b-lab" if "b2b-lab" in names else names[0]


def full_task(name, lab_conn, disk, **changes):
    task = dict(
        uri=LAB_URI,
        name=name,
        state="present",
        virt_type="qemu",
        machine="q35",
        firmware="uefi",
        memory="512MiB",
        max_memory="1GiB",
        vcpus=1,
        max_vcpus=2,
        cpu_mode="maximum",
        tb_cache="64MiB",
        boot=dict(kernel="/nonexistent/vmlinuz", initrd="/nonexistent/initrd.img", cmdline="root=/dev/vda ro"),
        disks=[disk],
        interfaces=[dict(network=network(lab_conn))],
        serial_log="/tmp/%s-serial.log" % name,
        cloud_init=dict(user_data=dict(locale="C.UTF-8", manage_etc_hosts=True)),
        xml_overrides=[
            dict(
                path="./devices",
                mode="append",
                xml="<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
            )
        ],
        description="lab <check> & 'quotes'",
        tags=["ut", "b2b"],
        metadata={"os": "debian"},
        autostart=False,
    )
    task.update(changes)
    return task


def test_real_qemu_normalisation_is_idempotent(run, lab_conn, lab_pool, disk, name):
    task = full_task(name, lab_conn, disk)
    created = run(guest, task)
    assert created["changed"] is True, created
    root = ET.fromstring(lab_conn.lookupByName(name).XMLDesc(2))
    assert root.find("./os/type").get("machine").startswith("pc-q35-")  # libvirt expanded the alias
    assert "%s-seed.iso" % name in lab_pool.listVolumes()  # really uploaded through a stream
    again = run(guest, task)
    assert again["changed"] is False, again["changed_fields"]
    assert run(guest, task, check_mode=True)["changed"] is False
    changed = run(guest, dict(task, vcpus=2))
    assert changed["changed_fields"] == ["vcpus"] and changed["restart_required"] is False
    assert run(guest, dict(task, vcpus=2))["changed"] is False
    info = run(guest_info, dict(uri=LAB_URI, name=name))["guests"][0]
    assert info["tags"] == ["ut", "b2b"] and info["firmware"] == "uefi" and info["state"] == "shutoff"
    removed = run(guest, dict(uri=LAB_URI, name=name, state="absent", remove_storage=True))
    assert sorted(removed["removed_volumes"]) == sorted(
        ["%s/disk.qcow2" % lab_pool.name(), "%s/%s-seed.iso" % (lab_pool.name(), name)]
    )
    assert name not in [d.name() for d in lab_conn.listAllDomains()]


def test_minimal_guest_on_real_qemu_is_idempotent(run, lab_conn, name):
    task = dict(uri=LAB_URI, name=name, interfaces=[dict(network=network(lab_conn))])
    assert run(guest, task)["changed"] is True
    assert run(guest, task)["changed"] is False
    assert run(guest, dict(task, machine="pc"))["changed"] is False  # the default machine is pc-i440fx-*
    assert run(guest, dict(task, machine="q35"))["changed_fields"] == ["machine"]
    assert run(guest, dict(task, machine="q35"))["changed"] is False
