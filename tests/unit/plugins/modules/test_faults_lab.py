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
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
from conftest import COLLECTIONS_ROOT

from ansible_collections.born2beroot.virt.plugins.module_utils import _seed
from ansible_collections.born2beroot.virt.plugins.module_utils import _storage as storage
from ansible_collections.born2beroot.virt.plugins.modules import guest
from ansible_collections.born2beroot.virt.plugins.modules import pool as pool_module

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
        for _child in range(count)
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


def race_task(lab_conn, name, **options):
    """The guest task the concurrent runs share: a small qemu guest on the lab network."""
    return dict(
        uri=LAB_URI,
        name=name,
        virt_type="qemu",
        memory="256MiB",
        interfaces=[dict(network=network(lab_conn))],
        **options,
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_runs_define_the_guest_once_and_all_succeed(lab_conn, names, round_):
    name = names()
    task = race_task(lab_conn, name, tags=["race"], description="defined by %d runs at once" % RUNS)
    results = run_at_once("guest", task)
    assert [r.get("msg") for r in results if r.get("failed")] == []
    assert sorted(r["changed"] for r in results) == [False] * (RUNS - 1) + [True], results
    assert sorted(tuple(r["actions"]) for r in results)[-1] == ("define guest",)
    assert [d.name() for d in lab_conn.listAllDomains() if d.name() == name] == [name]
    xml = lab_conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert "<description>defined by %d runs at once</description>" % RUNS in xml
    rerun = run_at_once("guest", task, count=1)[0]
    assert rerun["changed"] is False and rerun["actions"] == []


def test_concurrent_runs_with_cloud_init_take_turns_and_only_one_changes(lab_conn, names, lab_pool):
    """Two playbooks at once on one new guest with a seed: the first uploads the seed and defines
    the guest, the others wait for its lock, find both and change nothing."""
    name = names()
    task = race_task(
        lab_conn, name, cloud_init=dict(user_data=dict(users=[dict(name="race")])), seed_pool=lab_pool.name()
    )
    results = run_at_once("guest", task)
    assert [r.get("msg") for r in results if r.get("failed")] == []
    assert sorted(r["changed"] for r in results) == [False] * (RUNS - 1) + [True], results
    winner = next(r for r in results if r["changed"])
    assert winner["actions"] == ["upload cloud-init seed %s/%s-seed.iso" % (lab_pool.name(), name), "define guest"]
    assert [r["actions"] for r in results if not r["changed"]] == [[]] * (RUNS - 1)
    lab_pool.refresh(0)
    assert lab_pool.listVolumes() == ["%s-seed.iso" % name]


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


# A writer that stalls half-way until it is signalled, in a process of its own.
STALLING_WRITER = """
import sys, time
sys.path.insert(0, sys.argv[1])
import libvirt
from ansible_collections.born2beroot.virt.plugins.module_utils import _storage as storage
class Stalls:
    sent = 0
    def read(self, size):
        if self.sent >= 1024 * 1024:
            sys.stderr.write("half-way\\n"); sys.stderr.flush()
            time.sleep(600)
        self.sent += size
        return b"\\3" * size
conn = libvirt.open("qemu:///system")
storage.write_volume(conn, conn.storagePoolLookupByName(sys.argv[2]), "disk.raw", Stalls(), 8 * 1024 * 1024)
"""


def stop_writer_half_way(pool, signum):
    writer = subprocess.Popen(
        [sys.executable, "-c", STALLING_WRITER, COLLECTIONS_ROOT, pool.name()], stderr=subprocess.PIPE, text=True
    )
    assert writer.stderr.readline() == "half-way\n"
    pool.refresh(0)
    assert [n for n in pool.listVolumes() if n.startswith(storage.TEMP_PREFIX)], "no temporary volume mid-transfer"
    writer.send_signal(signum)
    writer.wait(timeout=60)
    pool.refresh(0)
    return sorted(pool.listVolumes())


def test_a_terminated_upload_removes_its_temporary_volume(lab_pool):
    directory = ET.fromstring(lab_pool.XMLDesc(0)).findtext("target/path")
    assert stop_writer_half_way(lab_pool, signal.SIGTERM) == []
    assert os.listdir(directory) == []


def test_a_killed_uploads_temporary_volume_is_removed_by_the_next_write(lab_conn, lab_pool):
    left = stop_writer_half_way(lab_pool, signal.SIGKILL)
    assert len(left) == 1 and left[0].startswith(storage.TEMP_PREFIX)  # SIGKILL leaves no chance to clean up
    storage.upload_to_volume(lab_conn, lab_pool.name(), "seed.iso", b"next run")
    lab_pool.refresh(0)
    assert lab_pool.listVolumes() == ["seed.iso"]


# --- libvirtd stopped in the middle of a run (a private daemon, never the lab's) ---------------

# What a root libvirtd keeps on the host; a private daemon gets its own empty copy of each, bind
# mounted in a mount namespace of its own, so it never sees the lab's guests, pools or networks.
PRIVATE_DIRS = ("/etc/libvirt", "/run/libvirt", "/var/lib/libvirt", "/var/cache/libvirt", "/var/log/libvirt")


class PrivateLibvirtd:
    def __init__(self, root):
        self.root = root
        self.pidfile = os.path.join(root, "libvirtd.pid")
        self.uri = "qemu:///system?socket=%s/sock/libvirt-sock" % root
        os.makedirs(os.path.join(root, "sock"))
        for path in PRIVATE_DIRS:
            os.makedirs(root + path)
        with open(os.path.join(root, "libvirtd.conf"), "w", encoding="ascii") as stream:
            stream.write('unix_sock_dir = "%s/sock"\nunix_sock_rw_perms = "0700"\n' % root)

    def start(self):
        mounts = "".join("mount --bind %s%s %s && " % (self.root, path, path) for path in PRIVATE_DIRS)
        script = mounts + "exec libvirtd -d -f %s/libvirtd.conf -p %s" % (self.root, self.pidfile)
        subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], check=True)
        conn = None
        for _attempt in range(100):  # up to 20 s for the socket
            try:
                conn = libvirt.open(self.uri)
                break
            except libvirt.libvirtError:
                time.sleep(0.2)
        assert conn is not None, "the private libvirtd did not answer on %s" % self.uri
        conn.close()

    def stop(self):
        """SIGTERM to this daemon only (its own pidfile), and wait until it is gone."""
        try:
            with open(self.pidfile, encoding="ascii") as stream:
                pid = int(stream.read().strip())
        except (OSError, ValueError):
            return
        os.kill(pid, signal.SIGTERM)
        for _attempt in range(100):
            if not os.path.exists("/proc/%d" % pid):
                return
            time.sleep(0.2)
        raise AssertionError("the private libvirtd (pid %d) did not stop" % pid)


@pytest.fixture
def private_libvirtd():
    if os.geteuid() != 0 or not shutil.which("libvirtd") or not shutil.which("unshare"):
        pytest.skip("LAB TEST SKIPPED: a private libvirtd needs root, libvirtd and unshare")
    daemon = PrivateLibvirtd(tempfile.mkdtemp(prefix="ut-rel-libvirtd-", dir="/tmp"))
    daemon.start()
    yield daemon
    daemon.stop()
    shutil.rmtree(daemon.root, ignore_errors=True)


def provision(run, daemon, guests):
    """What a provision run does per guest, define only: pool, then each guest with its seed."""
    results = [run(pool_module, dict(uri=daemon.uri, name="rel", path=daemon.root + "/pool", autostart=True))]
    for name in guests:
        task = dict(
            uri=daemon.uri,
            name=name,
            virt_type="qemu",
            memory="128MiB",
            interfaces=[],
            seed_pool="rel",
            cloud_init=dict(user_data=dict(hostname=name)),
        )
        results.append(run(guest, task))
    return results


def test_libvirtd_stopped_mid_run_fails_naming_the_connection_and_a_rerun_converges(private_libvirtd, run, monkeypatch):
    daemon = private_libvirtd
    first = provision(run, daemon, ["g1"])
    assert [r.get("failed", False) for r in first] == [False, False]
    # Stop the daemon in the middle of the next guest task: after it connected and looked the
    # guest up, while it builds the cloud-init seed it is about to upload.
    build_seed = _seed.build_seed

    def build_then_stop_libvirtd(files):
        data = build_seed(files)
        daemon.stop()
        return data

    monkeypatch.setattr(_seed, "build_seed", build_then_stop_libvirtd)
    task = dict(uri=daemon.uri, name="g2", virt_type="qemu", interfaces=[], seed_pool="rel", cloud_init={})
    cut = run(guest, task)
    monkeypatch.undo()
    assert cut.failed and not cut.get("changed")
    assert cut["msg"].startswith("lost the connection to libvirt at %s (libvirtd stopped?): " % daemon.uri), cut["msg"]
    stopped = provision(run, daemon, ["g1", "g2"])
    assert all(r.get("failed") for r in stopped)
    assert stopped[0]["msg"].startswith("cannot connect to libvirt at %s: " % daemon.uri), stopped[0]["msg"]
    daemon.start()
    rerun = provision(run, daemon, ["g1", "g2"])
    assert [r.get("failed", False) for r in rerun] == [False] * 3, [r.get("msg") for r in rerun]
    assert [r["changed"] for r in rerun] == [False, False, True]
    conn = libvirt.open(daemon.uri)
    try:
        assert sorted(d.name() for d in conn.listAllDomains(0)) == ["g1", "g2"]
        assert sorted(conn.storagePoolLookupByName("rel").listVolumes()) == ["g1-seed.iso", "g2-seed.iso"]
    finally:
        conn.close()
    assert sorted(os.listdir(daemon.root + "/pool")) == ["g1-seed.iso", "g2-seed.iso"]
