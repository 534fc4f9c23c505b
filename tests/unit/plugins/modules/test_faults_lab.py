"""Faults against the lab libvirtd: concurrent runs on one guest, a full pool directory, an
interrupted upload.

Guests are defined, never started (no boot lock needed). The full disk is a small tmpfs
mounted for the test (needs root; skipped loudly otherwise).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest
from conftest import COLLECTIONS_ROOT

from ansible_collections.born2beroot.virt.plugins.module_utils import _storage as storage

libvirt = pytest.importorskip("libvirt")
pytestmark = pytest.mark.lab
LAB_URI = "qemu:///system"
RUNS = 6
ROUNDS = 2  # each round is a fresh guest; without the fix, 2 of 3 rounds had a run failing

# One module run in its own process: imports first, says "ready" on stderr, then waits for a
# line on stdin so that every run starts main() at the same moment.
CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from ansible.module_utils.testing import patch_module_args
from ansible_collections.born2beroot.virt.plugins.modules import {module}
params = json.loads(sys.argv[2])
sys.stderr.write("ready\\n"); sys.stderr.flush()
sys.stdin.readline()
with patch_module_args(params):
    {module}.main()
"""


def run_at_once(module, params, count=RUNS, prefix=()):
    """Run the module ``count`` times in parallel processes released together; their results.
    ``prefix`` runs them through a command such as nsenter."""
    code = CHILD.format(module=module)
    children = [
        subprocess.Popen(
            [*prefix, sys.executable, "-c", code, COLLECTIONS_ROOT, json.dumps(params)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for child in children:
        assert child.stderr.readline() == "ready\n"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        lines = out.strip().splitlines()
        assert lines, err
        results.append(json.loads(lines[-1]))
    return results


@pytest.fixture
def names(lab_conn):
    """A function giving fresh ut-rel-* names; every guest defined under them is undefined afterwards."""
    given = []

    def fresh():
        given.append("ut-rel-%s" % uuid.uuid4().hex[:8])
        return given[-1]

    yield fresh
    for dom in lab_conn.listAllDomains():
        if dom.name() in given:
            dom.undefineFlags(0)


def network(lab_conn):
    names = [n.name() for n in lab_conn.listAllNetworks()]
    return "b2b-lab" if "b2b-lab" in names else names[0]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_runs_define_the_guest_once_and_all_succeed(lab_conn, names, round_):
    name = names()
    task = dict(
        uri=LAB_URI,
        name=name,
        virt_type="qemu",
        memory="256MiB",
        interfaces=[dict(network=network(lab_conn))],
        tags=["race"],
        description="defined by %d runs at once" % RUNS,
    )
    results = run_at_once("guest", task)
    assert [r.get("msg") for r in results if r.get("failed")] == []
    assert sorted(r["changed"] for r in results) == [False] * (RUNS - 1) + [True], results
    assert sorted(tuple(r["actions"]) for r in results)[-1] == ("define guest",)
    assert [d.name() for d in lab_conn.listAllDomains() if d.name() == name] == [name]
    xml = lab_conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert "<description>defined by %d runs at once</description>" % RUNS in xml
    rerun = run_at_once("guest", task, count=1)[0]
    assert rerun["changed"] is False and rerun["actions"] == []


# --- a full pool directory --------------------------------------------------------------------

TMPFS_MIB = 16
LIBVIRTD_PID = "/run/libvirtd.pid"


def libvirtd_mounts():
    """nsenter into the lab libvirtd's mount namespace (ip netns exec gave it its own): a tmpfs
    must be mounted where libvirtd sees it, and the module runs where it sees the same files,
    as it does on a hypervisor."""
    try:
        with open(LIBVIRTD_PID, encoding="ascii") as stream:
            pid = stream.read().strip()
    except OSError:
        pytest.skip("LAB TEST SKIPPED: no %s (the lab libvirtd is not running here)" % LIBVIRTD_PID)
    return ("nsenter", "-t", pid, "-m")


def listing(ns, path):
    return sorted(subprocess.run([*ns, "ls", "-A", path], capture_output=True, text=True, check=True).stdout.split())


@pytest.fixture
def full_pool(lab_conn):
    """(pool, directory, nsenter prefix): a dir pool on a 16 MiB tmpfs mounted for the test."""
    ns = libvirtd_mounts()
    path = tempfile.mkdtemp(prefix="ut-rel-full-", dir="/tmp")
    os.chmod(path, 0o711)
    mount = [*ns, "mount", "-t", "tmpfs", "-o", "size=%dm,mode=0711" % TMPFS_MIB, "tmpfs", path]
    if subprocess.run(mount, check=False).returncode != 0:
        os.rmdir(path)
        pytest.skip("LAB TEST SKIPPED: cannot mount a tmpfs in libvirtd's mount namespace (needs root)")
    name = "ut-rel-full-%s" % uuid.uuid4().hex[:8]
    pool = lab_conn.storagePoolDefineXML(
        "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" % (name, path), 0
    )
    pool.create(0)
    yield pool, path, ns
    if pool.isActive():
        pool.destroy()
    pool.undefine()
    subprocess.run([*ns, "umount", path], check=True)
    shutil.rmtree(path, ignore_errors=True)


def fill(ns, path, name, mib, data="/dev/zero"):
    subprocess.run(
        [*ns, "dd", "if=" + data, "of=%s/%s" % (path, name), "bs=1M", "count=%d" % mib], check=True, capture_output=True
    )


def test_import_into_a_full_pool_fails_clearly_and_leaves_nothing(lab_conn, full_pool, tmp_path):
    pool, path, ns = full_pool
    fill(ns, path, "filler", TMPFS_MIB - 1)
    pool.refresh(0)
    image = tmp_path / "image.raw"
    image.write_bytes(os.urandom(4 * 1024 * 1024))
    task = dict(uri=LAB_URI, pool=pool.name(), name="disk.raw", import_file=str(image))
    result = run_at_once("volume", task, 1, prefix=ns)[0]
    assert result.get("failed"), result
    assert result["msg"].startswith("cannot upload to volume disk.raw: "), result["msg"]
    assert "No space left on device" in result["msg"], result["msg"]
    pool.refresh(0)
    assert sorted(pool.listVolumes()) == ["filler"]
    assert listing(ns, path) == ["filler"]  # no temporary file either


def test_a_full_copy_into_a_full_pool_fails_clearly_and_leaves_nothing(lab_conn, full_pool):
    pool, path, ns = full_pool
    fill(ns, path, "base.raw", 10, data="/dev/urandom")
    pool.refresh(0)
    task = dict(uri=LAB_URI, pool=pool.name(), name="copy.raw", clone_from="base.raw", clone_mode="copy", format="raw")
    result = run_at_once("volume", task, 1, prefix=ns)[0]
    assert result.get("failed"), result
    assert "copy.raw" in result["msg"] and "No space left on device" in result["msg"], result["msg"]
    pool.refresh(0)
    assert sorted(pool.listVolumes()) == ["base.raw"]
    assert listing(ns, path) == ["base.raw"]


# --- an upload interrupted half-way -----------------------------------------------------------


class InterruptedReader:
    """Gives ``before`` bytes, then raises as Ctrl-C (SIGINT) would in the middle of a transfer."""

    def __init__(self, before, seen):
        self.left, self.seen = before, seen

    def read(self, size):
        if self.left <= 0:
            self.seen.append(sorted(os.listdir(self.directory)))
            raise KeyboardInterrupt
        chunk = min(size, self.left)
        self.left -= chunk
        return b"\2" * chunk


def test_an_interrupted_upload_never_shows_half_a_volume_under_its_name(lab_conn, lab_pool):
    old = os.urandom(1024 * 1024)
    storage.upload_to_volume(lab_conn, lab_pool.name(), "disk.raw", old)
    directory = os.path.dirname(lab_pool.storageVolLookupByName("disk.raw").path())
    seen = []
    reader = InterruptedReader(3 * 1024 * 1024, seen)
    reader.directory = directory
    with pytest.raises(KeyboardInterrupt):
        storage.write_volume(lab_conn, lab_pool, "disk.raw", reader, 8 * 1024 * 1024)
    # Mid-transfer the new bytes went to a temporary volume; the name still held the old volume.
    assert len(seen) == 1 and "disk.raw" in seen[0] and any(n.startswith(storage.TEMP_PREFIX) for n in seen[0])
    lab_pool.refresh(0)
    assert lab_pool.listVolumes() == ["disk.raw"] and os.listdir(directory) == ["disk.raw"]
    assert storage.volume_sha256(lab_conn, lab_pool.name(), "disk.raw") == hashlib.sha256(old).hexdigest()
