# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build an encrypted LVM disk image from a root file system tarball (private API).

The hypervisor host may have no device-mapper (containers, our CI), so LUKS and LVM run inside
libguestfs's appliance, a small QEMU VM. The initramfs is built natively in a chroot on the host:
its crypttab entry carries the ``initramfs`` option, so cryptsetup-initramfs includes it without
resolving the device. Only the root tarball crosses into the appliance (``tar_in``).

libguestfs's Python binding is a Debian package for the system interpreter (python3-guestfs), not
on PyPI: the module using this runs with /usr/bin/python3 on the hypervisor host.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import traceback

from ansible_collections.born2beroot.virt.plugins.module_utils import _disk_layout as layout

try:
    import guestfs
except ImportError:
    guestfs = None
    GUESTFS_IMPORT_ERROR = traceback.format_exc()
else:
    GUESTFS_IMPORT_ERROR = None

BUILDER_VERSION = 1
MANIFEST = "build.json"
DISK = "disk.qcow2"
DEVICE = "/dev/sda"  # inside the appliance; the guest sees the disk as vda


class BuildError(Exception):
    """The image could not be built; the message says at which step and why."""


def build_key(plan, rootfs):
    """What the image depends on, passphrase excluded: same key, same image."""
    st = os.stat(rootfs)
    material = dict(
        version=BUILDER_VERSION, plan=plan, rootfs=os.path.realpath(rootfs), size=st.st_size, mtime=int(st.st_mtime)
    )
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]


def read_manifest(dest):
    try:
        with open(os.path.join(dest, MANIFEST)) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return None
    return manifest if os.path.isfile(os.path.join(dest, DISK)) else None


def sha1_of(path):
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(argv, step, **kwargs):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    if proc.returncode:
        raise BuildError("%s failed (exit %d): %s" % (step, proc.returncode, (proc.stderr or proc.stdout)[-2000:]))
    return proc.stdout


def _write(path, content, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    os.chmod(path, mode)


class Builder:
    """One build into ``work`` (a fresh directory); ``run()`` leaves disk, kernel, initrd there."""

    def __init__(self, plan, rootfs, passphrase, work, log):
        self.plan, self.rootfs_tar, self.passphrase, self.work, self.log = plan, rootfs, passphrase, work, log
        self.root = os.path.join(work, "rootfs")
        self.g = None

    def step(self, message):
        self.log.append("%6.1fs %s" % (time.monotonic() - self.started, message))

    def run(self):
        self.started = time.monotonic()
        disk = os.path.join(self.work, DISK)
        _run(["qemu-img", "create", "-q", "-f", "qcow2", disk, "%dM" % self.plan["disk_mib"]], "qemu-img create")
        self.g = guestfs.GuestFS(python_return_dict=True, close_on_exit=False)
        try:
            # KVM may be advertised and unusable (nested, paravirtualised): always emulate.
            self.g.set_backend("direct")
            self.g.set_backend_settings(["force_tcg"])
            # cryptsetup caps the key slot's Argon2 memory at half the RAM it sees: a small appliance
            # keeps the container openable by a 512 MiB guest.
            self.g.set_memsize(512)
            self.g.add_drive_opts(disk, format="qcow2")
            self.g.launch()
            self.step("libguestfs appliance started")
            uuids = self.partition_and_encrypt()
            self.prepare_rootfs(*uuids)
            self.fill()
        except RuntimeError as exc:  # guestfs reports every appliance error as RuntimeError
            raise BuildError("libguestfs: %s" % str(exc).replace(self.passphrase, "********")) from None
        finally:
            self.g.close()
        return disk

    def partition_and_encrypt(self):
        g, plan = self.g, self.plan
        g.part_init(DEVICE, "msdos")
        for part in plan["partitions"]:
            g.part_add(DEVICE, part["kind"][0], part["start"], part["end"])
        g.part_set_bootable(DEVICE, 1, True)
        g.mkfs(plan["boot_fstype"], DEVICE + "1", label="boot")
        crypt_part = DEVICE + "5"
        g.luks_format(crypt_part, self.passphrase, 0)
        if plan["unlock"] == "keyfile":
            self.key = secrets.token_hex(32)
            g.luks_add_key(crypt_part, self.passphrase, self.key, 1)
        g.cryptsetup_open(crypt_part, self.passphrase, plan["crypt_name"])
        self.step("partitioned, LUKS2 container opened")
        pv = "/dev/mapper/" + plan["crypt_name"]
        g.pvcreate(pv)
        g.vgcreate(plan["vg"], [pv])
        for volume in plan["volumes"]:
            g.lvcreate(volume["name"], plan["vg"], volume["size_mib"])
            device = "/dev/%s/%s" % (plan["vg"], volume["name"])
            if volume["fstype"] == layout.SWAP:
                g.mkswap(device, label=volume["name"][:15])
            else:
                g.mkfs(volume["fstype"], device, label=volume["name"][:16])
        self.step("volume group %s with %d volumes" % (plan["vg"], len(plan["volumes"])))
        return g.luks_uuid(crypt_part), g.vfs_uuid(DEVICE + "1")

    def prepare_rootfs(self, luks_uuid, boot_uuid):
        """Unpack the root tarball, configure it for the layout, build its initramfs in a chroot."""
        os.makedirs(self.root)
        _run(
            ["tar", "--numeric-owner", "--xattrs", "--acls", "-xpf", self.rootfs_tar, "-C", self.root],
            "unpacking the rootfs",
        )
        plan, etc = self.plan, os.path.join(self.root, "etc")
        self.crypttab = layout.render_crypttab(plan, luks_uuid)
        self.fstab = layout.render_fstab(plan, boot_uuid)
        _write(os.path.join(etc, "crypttab"), self.crypttab)
        _write(os.path.join(etc, "fstab"), self.fstab)
        swap = [v["device"] for v in plan["volumes"] if v["mount"] == layout.SWAP]
        _write(os.path.join(etc, "initramfs-tools/conf.d/resume"), "RESUME=%s\n" % (swap[0] if swap else "none"))
        if plan["unlock"] == "keyfile":
            _write(self.root + layout.keyfile_path(plan), self.key, 0o400)
            _write(
                os.path.join(etc, "cryptsetup-initramfs/conf-hook"), 'KEYFILE_PATTERN="/etc/cryptsetup-keys.d/*.key"\n'
            )
            _write(os.path.join(etc, "initramfs-tools/conf.d/umask"), "UMASK=0077\n")  # the initrd holds the key
        proc = os.path.join(self.root, "proc")
        _run(["mount", "-t", "proc", "proc", proc], "mounting /proc in the chroot")
        try:
            _run(["chroot", self.root, "update-initramfs", "-u", "-k", "all"], "update-initramfs in the chroot")
        finally:
            subprocess.run(["umount", proc], check=False)
        self.step("initramfs built in a host chroot")

    def fill(self):
        g, plan = self.g, self.plan
        mounted = [v for v in plan["volumes"] if v["mount"] != layout.SWAP]
        g.mount("/dev/%s/%s" % (plan["vg"], mounted[0]["name"]), "/")
        g.mkdir_p("/boot")
        g.mount(DEVICE + "1", "/boot")
        for volume in mounted[1:]:
            g.mkdir_p(volume["mount"])
            g.mount("/dev/%s/%s" % (plan["vg"], volume["name"]), volume["mount"])
        tarball = os.path.join(self.work, "rootfs.tar")
        _run(
            ["tar", "--numeric-owner", "--xattrs", "--acls", "-C", self.root, "-cf", tarball]
            + ["--exclude=./%s/*" % d for d in ("proc", "sys", "dev", "run")]
            + ["."],
            "packing the configured rootfs",
        )
        g.tar_in(tarball, "/", xattrs=True, acls=True)
        for point in ["/boot"] + [v["mount"] for v in mounted[1:]]:  # mount points keep the rootfs's modes
            if os.path.isdir(self.root + point):
                g.chmod(os.stat(self.root + point).st_mode & 0o7777, point)
        os.unlink(tarball)
        self.step("root file system copied in")
        g.umount_all()
        g.vg_activate_all(False)
        g.cryptsetup_close("/dev/mapper/" + plan["crypt_name"])
        g.shutdown()


def _remove(path):
    """rm -rf that never follows into a mount (the chroot's /proc) left behind by an error."""
    proc = (
        os.path.join(path, "rootfs", "proc")
        if os.path.isdir(os.path.join(path, "rootfs"))
        else os.path.join(path, "proc")
    )
    if os.path.ismount(proc):
        subprocess.run(["umount", proc], check=False)
    if os.path.ismount(proc):
        raise BuildError("%s is still mounted; unmount it, then remove %s" % (proc, path))
    shutil.rmtree(path, ignore_errors=True)


def _boot_files(root):
    kernels = sorted(f for f in os.listdir(os.path.join(root, "boot")) if f.startswith("vmlinuz-"))
    if not kernels:
        raise BuildError("the rootfs has no /boot/vmlinuz-*: include a kernel package")
    version = kernels[-1][len("vmlinuz-") :]
    return os.path.join(root, "boot", kernels[-1]), os.path.join(root, "boot", "initrd.img-" + version)


def build(plan, rootfs, passphrase, dest, key):
    """Build into a temporary directory beside ``dest`` and move it into place; return the manifest."""
    parent = os.path.dirname(os.path.abspath(dest))
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".%s-" % os.path.basename(dest), dir=parent)
    os.chmod(work, 0o700)
    log = []
    try:
        builder = Builder(plan, rootfs, passphrase, work, log)
        disk = builder.run()
        kernel, initrd = _boot_files(builder.root)
        secret_initrd = plan["unlock"] == "keyfile"
        shutil.copyfile(kernel, os.path.join(work, "vmlinuz"))
        shutil.copyfile(initrd, os.path.join(work, "initrd.img"))
        os.chmod(os.path.join(work, "initrd.img"), 0o600 if secret_initrd else 0o644)
        os.chmod(os.path.join(work, "vmlinuz"), 0o644)
        os.chmod(disk, 0o600)
        _remove(builder.root)
        manifest = dict(
            key=key,
            layout=plan,
            crypttab=builder.crypttab,
            fstab=builder.fstab,
            sha1=sha1_of(disk),
            seconds=round(time.monotonic() - builder.started, 1),
            log=log,
        )
        _write(os.path.join(work, "signature.txt"), manifest["sha1"] + "\n")
        _write(os.path.join(work, MANIFEST), json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if os.path.isdir(dest):
            shutil.rmtree(dest)
        os.rename(work, dest)
        return manifest
    except BaseException:
        _remove(work)
        raise
