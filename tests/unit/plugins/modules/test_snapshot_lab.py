"""born2beroot.virt.snapshot against the lab libvirtd, on a guest that is defined but never started."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from ansible_collections.born2beroot.virt.plugins.modules import snapshot

pytestmark = pytest.mark.lab

DOMAIN_XML = """<domain type='qemu'>
  <name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/>
      <target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>"""


@pytest.fixture
def guest(lab_conn, lab_pool):
    disk = lab_pool.createXML(
        "<volume><name>disk.qcow2</name><capacity>16777216</capacity><target><format type='qcow2'/></target></volume>",
        0,
    )
    name = "ut-b-%s" % uuid.uuid4().hex[:8]
    dom = lab_conn.defineXML(DOMAIN_XML.format(name=name, disk=disk.path()))
    yield dom, disk.path()
    dom.undefineFlags(1 | 2)  # VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA


def qcow2_snapshots(path):
    out = subprocess.run(["qemu-img", "info", "-U", "--output=json", path], check=True, capture_output=True).stdout
    return [snap["name"] for snap in json.loads(out).get("snapshots", [])]


def test_snapshot_lifecycle_on_a_stopped_guest(run, guest):
    dom, disk = guest
    task = dict(uri="qemu:///system", guest=dom.name(), name="base", description="empty disk")
    created = run(snapshot, task)
    assert created["actions"] == ["create snapshot base of guest %s" % dom.name()]
    assert created["snapshot"]["domain_state"] == "shutoff"
    assert qcow2_snapshots(disk) == ["base"]
    assert run(snapshot, task)["changed"] is False

    reverted = run(snapshot, dict(task, state="reverted"))
    assert reverted["changed"] is True and not dom.isActive()

    assert run(snapshot, dict(task, description="renamed"))["actions"] == ["change the description of snapshot base"]
    assert run(snapshot, dict(task, description="renamed"))["changed"] is False

    assert run(snapshot, dict(task, state="absent"))["changed"] is True
    assert qcow2_snapshots(disk) == []
    assert run(snapshot, dict(task, state="absent"))["changed"] is False
