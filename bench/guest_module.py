"""How fast the born2beroot.virt.guest module is, and how it compares with community.libvirt.virt.

    flock /var/lib/born2beroot-lab/boot.lock scripts/lab exec env ANSIBLE_COLLECTIONS_PATH=.collections \\
        .venv/bin/python bench/guest_module.py [--runs 5] [--boots 1] [--guests 20] [--rounds 2] [--parts a b c d]
        [--firmware-only] [--at-once 1 2 4] [--json FILE]

Needs the lab (scripts/lab start; run inside its namespace, where guest addresses answer) and a
second venv with the `ansible` package, which bundles community.libvirt (--ansible12, default
/tmp/bench-ansible12): python3.11 -m venv /tmp/bench-ansible12 &&
/tmp/bench-ansible12/bin/pip install ansible==12.3.0 libvirt-python lxml pycdlib

Prints:
(a) define+start of a new guest, excluding its boot: wall time of the module process (median of
    --runs), with and without a cloud-init seed;
(b) a no-op run of the module on that running guest next to community.libvirt.virt's no-op
    `command: define` with the same domain XML (and its `state: running`), median of --runs; and
    the same no-op as a task in ansible-playbook: (10 runs - 0 runs of it in a loop) / 10, median of 3;
(c) readiness overhead: the module's `state: running, wait_for: ssh` on a defined guest, minus the
    guest's own boot time (domain active -> first SSH banner), which a thread of this script
    measures during the same boot by polling libvirt, the DHCP leases and the port every 10 ms;
(d) define+start+destroy+undefine of --guests guests (no boot wait) through ansible-playbook,
    the same ansible-core for both, one loop over an included per-guest task file: our module
    (2 tasks a guest: state running, state absent) vs community.libvirt.virt (4: define,
    state running, state destroyed, undefine); median of --rounds, as a ratio. With --firmware-only
    the guests have no kernel and no disk: the firmware finds nothing to boot and waits, so QEMU
    starts but no operating system boots (cheap enough to run without the boot lock).
(e) boot-to-SSH of 1, 2, 4 (--at-once) guests started together: each guest is defined with its
    seed first, then all are started at once; the time from the first start to each guest's SSH
    banner (BootProbe), median of --boots rounds for each count. --json writes these figures for
    bench/plot.py.
Everything the bench creates (guests b2b-bench-*, pool b2b-bench, a temporary directory; --name
changes the name) is removed at the end, also after a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import libvirt

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COLLECTIONS = os.path.abspath(os.environ.get("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, ".collections")))
URI = "qemu:///system"
PREFIX = "b2b-bench-"
POOL = "b2b-bench"
CMDLINE = "root=LABEL=rootfs rw console=ttyS0"
PROBE_INTERVAL = 0.01


def sh(*argv, **kwargs):
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kwargs).stdout


class Lab:
    """The bench's temporary directory, pool and guests; ``close()`` removes all of them."""

    def __init__(self, image_dir, network):
        self.conn = libvirt.open(URI)
        self.network = network
        if not self.conn.networkLookupByName(network).isActive():
            raise SystemExit("network %s is not active; run scripts/lab start" % network)
        self.dir = tempfile.mkdtemp(prefix=PREFIX)
        self.remove_all()  # what an interrupted earlier run left (the names are the bench's own)
        try:
            self._populate(image_dir)
        except BaseException:
            self.close()
            raise

    def _populate(self, image_dir):
        os.chmod(self.dir, 0o711)  # QEMU runs as another user and must reach the images below
        for name in ("base.qcow2", "vmlinuz", "initrd.img"):
            shutil.copy(os.path.join(image_dir, name), self.dir)
            os.chmod(os.path.join(self.dir, name), 0o644)
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(self.dir, "id_ed25519"))
        with open(os.path.join(self.dir, "id_ed25519.pub")) as handle:
            self.pubkey = handle.read().strip()
        pool_xml = "<pool type='dir'><name>%s</name><target><path>%s/pool</path></target></pool>"
        self.pool = self.conn.storagePoolDefineXML(pool_xml % (POOL, self.dir))
        self.pool.build(0)
        self.pool.create(0)

    def clone(self, name):
        """A qcow2 linked clone of the base image in the bench pool."""
        xml = (
            "<volume><name>%s</name><capacity unit='G'>3</capacity><target><format type='qcow2'/></target>"
            "<backingStore><path>%s/base.qcow2</path><format type='qcow2'/></backingStore></volume>"
        )
        self.pool.createXML(xml % (name, self.dir), 0)

    def spec(self, name, disk=None, seed=False, kernel=True, **extra):
        """Options of the guest module for a small direct-kernel-boot guest on the lab network
        (without ``kernel``, a guest whose firmware finds nothing to boot)."""
        args = dict(
            uri=URI,
            name=name,
            state="running",
            virt_type="qemu",
            memory="512MiB",
            vcpus=1,
            tb_cache="64MiB",
            interfaces=[dict(network=self.network)],
            disks=[dict(pool=POOL, volume=disk)] if disk else [],
        )
        if kernel:
            args["boot"] = dict(kernel=self.dir + "/vmlinuz", initrd=self.dir + "/initrd.img", cmdline=CMDLINE)
        if seed:
            user = dict(name="bench", ssh_authorized_keys=[self.pubkey])
            args["cloud_init"] = dict(user_data=dict(users=[user], locale="C.UTF-8", manage_etc_hosts=True))
        args.update(extra)
        return args

    def remove_guest(self, name):
        try:
            dom = self.conn.lookupByName(name)
        except libvirt.libvirtError:
            return
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        pool = self._bench_pool()
        if pool is not None and pool.isActive():
            pool.refresh(0)
            if name + "-seed.iso" in pool.listVolumes():
                pool.storageVolLookupByName(name + "-seed.iso").delete(0)

    def _bench_pool(self):
        return next((p for p in self.conn.listAllStoragePools(0) if p.name() == POOL), None)

    def remove_all(self):
        """Every guest named b2b-bench-*, the pool b2b-bench with its volumes and directory."""
        for dom in self.conn.listAllDomains(0):
            if dom.name().startswith(PREFIX):
                self.remove_guest(dom.name())
        pool = self._bench_pool()
        if pool is None:
            return
        if pool.isActive():
            pool.refresh(0)
            for vol in pool.listAllVolumes(0):
                vol.delete(0)
            pool.destroy()
        with contextlib.suppress(libvirt.libvirtError):
            pool.delete(0)  # its (now empty) directory, if it is still there
        pool.undefine()

    def close(self):
        self.remove_all()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.conn.close()


def run_module(python, path, args, env=None):
    """Run an Ansible module file as a process with ``args``; return (seconds, result)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(dict(ANSIBLE_MODULE_ARGS=args), handle)
        handle.flush()
        start = time.perf_counter()
        done = subprocess.run([python, path, handle.name], capture_output=True, text=True, env=env, check=False)
        seconds = time.perf_counter() - start
    try:
        result = json.loads(done.stdout)
    except ValueError:
        raise SystemExit("%s gave no JSON: %s %s" % (path, done.stdout, done.stderr)) from None
    if result.get("failed"):
        raise SystemExit("%s failed: %s" % (os.path.basename(path), result.get("msg")))
    return seconds, result


class Modules:
    """Our guest module (this venv, the live tree) and community.libvirt.virt (the ansible 12 venv)."""

    def __init__(self, ansible12):
        self.ours = os.path.join(ROOT, "plugins", "modules", "guest.py")
        self.env = dict(os.environ, PYTHONPATH=COLLECTIONS)
        self.python12 = os.path.join(ansible12, "bin", "python")
        if not os.path.exists(self.python12):
            raise SystemExit("no %s: create the community.libvirt venv first (see this script's docstring)" % ansible12)
        find = "import ansible_collections.community.libvirt.plugins.modules.virt as m; print(m.__file__)"
        self.theirs = sh(self.python12, "-c", find).strip()

    def guest(self, args):
        return run_module(sys.executable, self.ours, args, self.env)

    def virt(self, args):
        return run_module(self.python12, self.theirs, dict(args, uri=URI))


def median_run(runs, call, *args):
    times, results = [], []
    for _run in range(runs):
        seconds, result = call(*args)
        times.append(seconds)
        results.append(result)
    return statistics.median(times), results


def bench_define_start(lab, mods, runs):
    """(a). Leaves guest ``a`` defined and running, with its seed, for (b)."""
    rows = []
    lab.clone("a.qcow2")
    for seed in (False, True):
        times = []
        for _run in range(runs):
            lab.remove_guest(PREFIX + "a")
            seconds, result = mods.guest(lab.spec(PREFIX + "a", disk="a.qcow2", seed=seed))
            assert result["changed"] and result["state"] == "running", result
            times.append(seconds)
        print("(a) %s seed: %s s" % ("with" if seed else "no", fmt_list(times)))
        rows.append(("(a) define+start, %s cloud-init seed (module process)" % ("with" if seed else "no"), times))
    return [(label, "%.3f s" % statistics.median(times)) for label, times in rows]


def bench_noop(lab, mods, ansible12, runs):
    """(b) on the running guest ``a``: module processes, then tasks in ansible-playbook. Removes ``a``."""
    spec = lab.spec(PREFIX + "a", disk="a.qcow2", seed=True)
    if PREFIX + "a" not in [d.name() for d in lab.conn.listAllDomains(0)]:
        lab.clone("a.qcow2")
    mods.guest(spec)  # defines and starts it unless (a) left it running; a warm-up otherwise
    noop, results = median_run(runs, mods.guest, spec)
    assert not any(r["changed"] for r in results), [r["actions"] for r in results]
    xml = lab.conn.lookupByName(PREFIX + "a").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    define_args = dict(command="define", xml=xml, uri=URI)
    define, define_results = median_run(runs, mods.virt, define_args)
    running, _results = median_run(runs, mods.virt, dict(name=PREFIX + "a", state="running"))
    changed = sum(bool(r.get("changed")) for r in define_results)
    ours_task = per_task_in_playbook(lab, ansible12, "noop-ours", {"born2beroot.virt.guest": spec}, 10, 3)
    theirs_task = per_task_in_playbook(lab, ansible12, "noop-community", {"community.libvirt.virt": define_args}, 10, 3)
    lab.remove_guest(PREFIX + "a")
    return [
        ("(b) no-op, ours (`state: running`, full spec with cloud-init), module process", "%.3f s" % noop),
        (
            "(b) no-op, community.libvirt.virt `command: define` (same XML; changed in %d/%d runs), module process"
            % (changed, runs),
            "%.3f s" % define,
        ),
        ("(b) no-op, community.libvirt.virt `state: running`, module process", "%.3f s" % running),
        ("(b) ours / community `define`, module process", "%.2f×" % (noop / define)),
        (
            "(b) ours / community `define` + `state: running` (what ours does in one task)",
            "%.2f×" % (noop / (define + running)),
        ),
        (
            "(b) no-op task in ansible-playbook, ours / community `define` (per task, 10 tasks minus 0)",
            "%.3f s / %.3f s = %.2f×" % (ours_task, theirs_task, ours_task / theirs_task),
        ),
    ]


def fmt_list(times):
    return ", ".join("%.2f" % t for t in times)


class BootProbe(threading.Thread):
    """Times a guest's own boot: domain active -> DHCP lease -> SSH banner, polled every 10 ms."""

    def __init__(self, name, network, port=22):
        super().__init__(daemon=True)
        self.name, self.network, self.port = name, network, port
        self.active = self.lease = self.ssh = None
        self.stop = False

    def run(self):
        conn = libvirt.open(URI)
        try:
            dom = conn.lookupByName(self.name)
            mac = re.search(r"<mac address='([^']+)'", dom.XMLDesc(0)).group(1)
            net = conn.networkLookupByName(self.network)
            while not self.stop and not dom.isActive():
                time.sleep(PROBE_INTERVAL)
            self.active = time.perf_counter()
            ip = None
            while not self.stop and ip is None:
                ip = next((lease["ipaddr"] for lease in net.DHCPLeases(mac, 0)), None)
                if ip is None:
                    time.sleep(PROBE_INTERVAL)
            self.lease = time.perf_counter()
            while not self.stop and not self._banner(ip):
                time.sleep(PROBE_INTERVAL)
            self.ssh = time.perf_counter()
        finally:
            conn.close()

    def _banner(self, ip):
        """Connect (0.2 s timeout: a closed port answers at once), then wait for sshd's banner as
        long as it takes, so a slow first banner is timed when it arrives, not retried."""
        try:
            with socket.create_connection((ip, self.port), timeout=0.2) as sock:
                sock.settimeout(30)
                return sock.recv(4).startswith(b"SSH-")
        except OSError:
            return False


def bench_readiness(lab, mods, boots):
    """(c). One boot per run; returns table rows."""
    overheads, rows = [], []
    for boot in range(boots):
        name, disk = "%sc%d" % (PREFIX, boot), "c%d.qcow2" % boot
        lab.clone(disk)
        mods.guest(lab.spec(name, disk=disk, seed=True, state="present"))
        probe = BootProbe(name, lab.network)
        probe.start()
        start = time.perf_counter()
        seconds, result = mods.guest(lab.spec(name, disk=disk, seed=True, wait_for="ssh", wait_timeout=600))
        end = time.perf_counter()
        probe.join(timeout=30)
        probe.stop = True
        lab.remove_guest(name)
        if probe.ssh is None:
            raise SystemExit("the probe did not see SSH on %s (%s) before the module returned" % (name, result["ip"]))
        own_boot = probe.ssh - probe.active
        overhead = (end - start) - own_boot
        overheads.append(overhead)
        print(
            "(c) boot %d: module %.2f s; guest's own boot %.2f s (lease after %.2f s); active %.2f s after the "
            "module started; module returned %.2f s after the first SSH banner; overhead %.2f s"
            % (boot + 1, seconds, own_boot, probe.lease - probe.active, probe.active - start, end - probe.ssh, overhead)
        )
        rows.append(
            (
                "(c) boot %d: `state: running, wait_for: ssh` / guest's own boot" % (boot + 1),
                "%.2f s / %.2f s" % (end - start, own_boot),
            )
        )
    rows.append(
        (
            "(c) readiness overhead (median of %d boot%s)" % (boots, "s" if boots > 1 else ""),
            "%.2f s" % statistics.median(overheads),
        )
    )
    return rows


PLAY = """- name: Bench
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: One guest after the other
      ansible.builtin.include_tasks: guest.yml
      loop: "{{ range(%d) | list }}"
      loop_control:
        loop_var: bench_index
"""


def ours_tasks(lab, kernel):
    spec = lab.spec("@NAME@", kernel=kernel)
    spec.pop("name")
    define = dict(spec, name="{{ bench_name }}")
    remove = dict(uri=URI, name="{{ bench_name }}", state="absent")
    return [{"born2beroot.virt.guest": define}, {"born2beroot.virt.guest": remove}]


def community_tasks(xml):
    name = "{{ bench_name }}"
    return [
        {"community.libvirt.virt": dict(command="define", xml=xml.replace("@NAME@", name), uri=URI)},
        {"community.libvirt.virt": dict(name=name, state="running", uri=URI)},
        {"community.libvirt.virt": dict(name=name, state="destroyed", uri=URI)},
        {"community.libvirt.virt": dict(name=name, command="undefine", uri=URI)},
    ]


def template_xml(lab, mods, kernel):
    """The inactive XML our module defines for a guest, with its name, UUID and MAC left for libvirt."""
    mods.guest(lab.spec(PREFIX + "xml", state="present", kernel=kernel))
    xml = lab.conn.lookupByName(PREFIX + "xml").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    lab.remove_guest(PREFIX + "xml")
    xml = re.sub(r"\s*<uuid>[^<]*</uuid>", "", xml)
    xml = re.sub(r"\s*<mac address='[^']*'/>", "", xml)
    return xml.replace("<name>%sxml</name>" % PREFIX, "<name>@NAME@</name>")


def run_playbook(lab, ansible12, label, tasks, loops):
    """Seconds of ansible-playbook (the ansible 12 venv's, for both tools) running ``tasks`` for
    ``loops`` guests, one after the other; each task sees the guest's name as ``bench_name``."""
    work = os.path.join(lab.dir, label)
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "play.yml"), "w") as handle:
        handle.write(PLAY % loops)
    with open(os.path.join(work, "guest.yml"), "w") as handle:
        # JSON is YAML: every task gets a name and the guest's name as a task var.
        named = [
            dict(task, name="%s %d" % (label, i), vars=dict(bench_name=PREFIX + "d{{ bench_index }}"))
            for i, task in enumerate(tasks)
        ]
        json.dump(named, handle, indent=1)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    start = time.perf_counter()
    done = subprocess.run(
        [os.path.join(ansible12, "bin", "ansible-playbook"), "-i", "localhost,", "play.yml"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit("%s playbook failed:\n%s%s" % (label, done.stdout[-3000:], done.stderr[-2000:]))
    if "changed=" not in done.stdout:
        raise SystemExit("%s playbook printed no recap:\n%s" % (label, done.stdout[-3000:]))
    return seconds


def per_task_in_playbook(lab, ansible12, label, task, loops, runs):
    """Seconds one more run of ``task`` adds to a playbook: (T(loops) - T(0)) / loops, medians of ``runs``."""
    empty = statistics.median(run_playbook(lab, ansible12, label, [task], 0) for _run in range(runs))
    full = statistics.median(run_playbook(lab, ansible12, label, [task], loops) for _run in range(runs))
    return (full - empty) / loops


def bench_many(lab, mods, ansible12, guests, rounds, kernel=True):
    """(d). Alternates ours and theirs ``rounds`` times; returns table rows."""
    xml = template_xml(lab, mods, kernel)
    times = dict(ours=[], community=[])
    for _round in range(rounds):
        times["ours"].append(run_playbook(lab, ansible12, "ours", ours_tasks(lab, kernel), guests))
        times["community"].append(run_playbook(lab, ansible12, "community", community_tasks(xml), guests))
        left = [d.name() for d in lab.conn.listAllDomains(0) if d.name().startswith(PREFIX + "d")]
        if left:
            raise SystemExit("a playbook left guests behind: %s" % left)
    print(
        "(d) ansible-playbook wall times: ours %s s; community.libvirt %s s"
        % (fmt_list(times["ours"]), fmt_list(times["community"]))
    )
    ours, theirs = statistics.median(times["ours"]), statistics.median(times["community"])
    what = "" if kernel else " (firmware only, no OS boots)"
    return [
        ("(d) %d guests define+start+undefine%s, ours (2 tasks a guest)" % (guests, what), "%.1f s" % ours),
        ("(d) %d guests, community.libvirt.virt (4 tasks a guest)" % guests, "%.1f s" % theirs),
        ("(d) ours / community.libvirt", "%.2f×" % (ours / theirs)),
    ]


def bench_at_once(lab, mods, counts, rounds):
    """(e). Returns (table rows, {count: {"all": [s], "each": [[s]]}})."""
    figures, rows = {}, []
    for count in counts:
        figures[count] = dict(all=[], each=[])
        for _round in range(rounds):
            names = ["%se%d" % (PREFIX, index) for index in range(count)]
            for name in names:
                lab.clone(name + ".qcow2")
                mods.guest(lab.spec(name, disk=name + ".qcow2", seed=True, state="present"))
            probes = [BootProbe(name, lab.network) for name in names]
            for probe in probes:
                probe.start()
            start = time.perf_counter()
            for name in names:
                lab.conn.lookupByName(name).create()
            for probe in probes:
                probe.join(timeout=900)
                probe.stop = True
            for name in names:
                lab.remove_guest(name)
                lab.pool.storageVolLookupByName(name + ".qcow2").delete(0)
            if any(probe.ssh is None for probe in probes):
                raise SystemExit("(e) not every guest of %d answered SSH within 900 s" % count)
            each = sorted(probe.ssh - start for probe in probes)
            figures[count]["all"].append(each[-1])
            figures[count]["each"].append(each)
            print("(e) %d at once: SSH after %s s" % (count, fmt_list(each)))
        median_all = statistics.median(figures[count]["all"])
        rows.append(
            (
                "(e) %d guest%s started at once: all answer SSH (median of %d)" % (count, "s"[: count > 1], rounds),
                "%.1f s (%.1f s a guest)" % (median_all, median_all / count),
            )
        )
    return rows, figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of (a) and (b), median")
    parser.add_argument("--boots", type=int, default=1, help="guest boots for (c)")
    parser.add_argument("--guests", type=int, default=20, help="guests in (d)")
    parser.add_argument("--rounds", type=int, default=2, help="playbook runs per tool in (d), median")
    parser.add_argument("--ansible12", default="/tmp/bench-ansible12", help="venv with ansible==12.3.0")
    parser.add_argument("--network", default="b2b-lab")
    parser.add_argument("--image-dir", help="default: the output of scripts/lab image")
    parser.add_argument("--parts", nargs="+", choices="abcde", default=list("abcd"), help="default: a b c d")
    parser.add_argument("--at-once", type=int, nargs="+", default=[1, 2, 4], help="guest counts of (e)")
    parser.add_argument("--json", help="(e): also write its figures to this file")
    parser.add_argument("--name", default="b2b-bench", help="pool name and guest name prefix: two runs at once differ")
    parser.add_argument("--firmware-only", action="store_true", help="(d): guests without kernel or disk")
    args = parser.parse_args()
    global PREFIX, POOL  # noqa: PLW0603 - every helper names the bench's objects with them
    PREFIX, POOL = args.name + "-", args.name
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    image_dir = args.image_dir or sh(os.path.join(ROOT, "scripts", "lab"), "image").strip()
    mods = Modules(args.ansible12)
    lab = Lab(image_dir, args.network)
    parts = dict(
        a=lambda: bench_define_start(lab, mods, args.runs),
        b=lambda: bench_noop(lab, mods, args.ansible12, args.runs),
        c=lambda: bench_readiness(lab, mods, args.boots),
        d=lambda: bench_many(lab, mods, args.ansible12, args.guests, args.rounds, kernel=not args.firmware_only),
        e=lambda: at_once(lab, mods, args),
    )
    rows = []
    try:
        for part in args.parts:
            rows += parts[part]()
    finally:
        lab.close()
    print("\n| What | Figure |\n|---|---|")
    for label, figure in rows:
        print("| %s | %s |" % (label, figure))


def at_once(lab, mods, args):
    rows, figures = bench_at_once(lab, mods, args.at_once, args.boots)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(dict(rounds=args.boots, cores=os.cpu_count(), at_once=figures), handle, indent=1)
    return rows


if __name__ == "__main__":
    main()
