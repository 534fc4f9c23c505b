"""A guest disk from the base image: linked clone (qcow2 with a backing file) vs full copy.

    scripts/lab exec env ANSIBLE_COLLECTIONS_PATH=.collections .venv/bin/python bench/disk_clone.py [--runs 5]

Imports the lab's Debian base image (scripts/lab image) into a temporary dir pool b2b-bench-clone on
qemu:///system, then creates an 8 GiB guest disk from it with born2beroot.virt.volume, `clone_mode:
linked` and `clone_mode: copy` in turns, each run as a module process (what one Ansible task
costs on the hypervisor, less Ansible's own overhead). Prints the median time and the space the
disk takes on the host (libvirt's allocation). Removes the pool and its directory at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import libvirt

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COLLECTIONS = os.path.abspath(os.environ.get("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, ".collections")))
URI = "qemu:///system"
POOL = "b2b-bench-clone"
MODULE = os.path.join(ROOT, "plugins", "modules", "volume.py")


def volume(**args):
    """Run the volume module with ``args``; return (seconds, result)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(dict(ANSIBLE_MODULE_ARGS=dict(uri=URI, pool=POOL, **args)), handle)
        handle.flush()
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, MODULE, handle.name],
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ, PYTHONPATH=COLLECTIONS),
        )
        seconds = time.perf_counter() - start
    result = json.loads(done.stdout)
    if result.get("failed"):
        raise SystemExit("volume %s failed: %s" % (args, result["msg"]))
    return seconds, result


def remove_pool(conn):
    try:
        pool = conn.storagePoolLookupByName(POOL)
    except libvirt.libvirtError:
        return
    if pool.isActive():
        for vol in pool.listAllVolumes(0):
            vol.delete(0)
        pool.destroy()
    pool.undefine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--capacity", default="8GiB")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    image_dir = subprocess.run(
        [os.path.join(ROOT, "scripts", "lab"), "image"], check=True, capture_output=True, text=True
    ).stdout.strip()
    conn = libvirt.open(URI)
    work = tempfile.mkdtemp(prefix="b2b-bench-clone-")
    os.chmod(work, 0o711)
    remove_pool(conn)
    try:
        pool = conn.storagePoolDefineXML(
            "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" % (POOL, work)
        )
        pool.create(0)
        volume(name="base.qcow2", import_file=os.path.join(image_dir, "base.qcow2"), format="qcow2")
        base = pool.storageVolLookupByName("base.qcow2").info()
        print("base image: %.2f GiB virtual, %.1f MB on disk" % (base[1] / 2**30, base[2] / 1e6))
        times = dict(linked=[], copy=[])
        space = {}
        for _run in range(args.runs):
            for mode in ("linked", "copy"):
                seconds, result = volume(
                    name="disk.qcow2", clone_from="base.qcow2", clone_mode=mode, capacity=args.capacity, format="qcow2"
                )
                assert result["changed"], result
                times[mode].append(seconds)
                space[mode] = pool.storageVolLookupByName("disk.qcow2").info()[2]
                volume(name="disk.qcow2", state="absent")
        for mode in ("linked", "copy"):
            print("%s: %s s" % (mode, ", ".join("%.2f" % t for t in times[mode])))
        header = "\n| Disk from the base image (%s, module process) | median of %d | on disk |"
        print(header % (args.capacity, args.runs))
        print("|---|---|---|")
        for mode, label in (("linked", "linked clone (qcow2 backing file)"), ("copy", "full copy")):
            print("| %s | %.2f s | %.1f MB |" % (label, statistics.median(times[mode]), space[mode] / 1e6))
    finally:
        remove_pool(conn)
        shutil.rmtree(work, ignore_errors=True)
        conn.close()


if __name__ == "__main__":
    main()
