"""How long the born2beroot.virt.libvirt_guests inventory plugin takes to list N defined guests.

    ANSIBLE_COLLECTIONS_PATH=.collections .venv/bin/python bench/inventory_listing.py [--counts 200 1000] [--runs 5]
        [--json FILE]

For each count, defines that many guests (never started) with tags, an ``os`` var and one NIC,
then times Ansible's InventoryManager parsing a ``*.libvirt_guests.yml`` (what
``ansible-inventory --list`` does after start-up), median of ``--runs``:
- on ``test:///default``, in this process (the test driver keeps its guests per process);
- on the lab's ``qemu:///system`` (``--no-lab`` skips it), as ``ut-inv-NNNN``, undefined again
  afterwards, with the wall time of a whole ``ansible-inventory --list`` process as well.
Prints a Markdown table; --json also writes the figures for bench/plot.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import libvirt
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COLLECTIONS = [
    os.path.abspath(path)
    for path in os.environ.get("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, ".collections")).split(os.pathsep)
]
PLUGIN = "born2beroot.virt.libvirt_guests"
PREFIX = "ut-inv-"
METADATA = (
    "<b2b:guest xmlns:b2b='urn:born2beroot:virt:1'><b2b:tag>bench</b2b:tag><b2b:tag>web</b2b:tag>"
    "<b2b:var name='os'>debian</b2b:var><b2b:var name='ssh_port'>4242</b2b:var></b2b:guest>"
)


def domain_xml(kind, index, network):
    return (
        "<domain type='%s'><name>%s%04d</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64'>hvm</type></os><metadata>%s</metadata>"
        "<devices><interface type='network'><source network='%s'/></interface></devices></domain>"
        % (kind, PREFIX, index, METADATA, network)
    )


def undefine_bench_guests(conn):
    for dom in conn.listAllDomains(0):
        if dom.name().startswith(PREFIX):
            if dom.isActive():
                raise SystemExit("%s is running: not ours to touch" % dom.name())
            dom.undefine()


def define(conn, kind, count, network):
    start = time.perf_counter()
    for index in range(count):
        conn.defineXML(domain_xml(kind, index, network))
    return time.perf_counter() - start


def config_file(workdir, uri):
    path = os.path.join(workdir, "bench.libvirt_guests.yml")
    with open(path, "w") as handle:
        handle.write("plugin: %s\nuris: [%s]\n" % (PLUGIN, uri))
    return path


def time_parse(path, expected, runs):
    """Median seconds of an InventoryManager parsing ``path``; check it found ``expected`` guests."""
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        inventory = InventoryManager(loader=DataLoader(), sources=[path])
        times.append(time.perf_counter() - start)
        found = len(inventory.get_groups_dict().get("libvirt_tag_bench", []))
        if found != expected:
            raise SystemExit("listed %d bench guests, expected %d" % (found, expected))
    return statistics.median(times)


def time_ansible_inventory(path, runs):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(COLLECTIONS))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", path, "--list"]
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_uri(uri, kind, network, counts, runs, whole_process):
    rows = []
    conn = libvirt.open(uri)  # keeps the test driver's guests alive while the plugin opens its own connection
    try:
        undefine_bench_guests(conn)
        with tempfile.TemporaryDirectory() as workdir:
            path = config_file(workdir, uri)
            for count in counts:
                try:
                    defined = define(conn, kind, count, network)
                    parse = time_parse(path, count, runs)
                    process = time_ansible_inventory(path, runs) if whole_process else None
                finally:
                    undefine_bench_guests(conn)
                rows.append((uri, count, defined, parse, process))
    finally:
        conn.close()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-lab", action="store_true", help="skip qemu:///system")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    init_plugin_loader(COLLECTIONS)
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    rows = bench_uri("test:///default", "test", "default", args.counts, args.runs, whole_process=False)
    if not args.no_lab:
        rows += bench_uri("qemu:///system", "qemu", "b2b-lab", args.counts, args.runs, whole_process=True)
    print("| URI | guests | define all | plugin parse (median of %d) | `ansible-inventory --list` |" % args.runs)
    print("|---|---|---|---|---|")
    for uri, count, defined, parse, process in rows:
        print(
            "| %s | %d | %.2f s | %.3f s | %s |"
            % (uri, count, defined, parse, "%.2f s" % process if process is not None else "n/a")
        )
    if args.json:
        keys = ("uri", "guests", "define_s", "parse_s", "process_s")
        with open(args.json, "w") as handle:
            json.dump(dict(runs=args.runs, rows=[dict(zip(keys, row, strict=True)) for row in rows]), handle, indent=1)


if __name__ == "__main__":
    main()
