# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs that manage the same object from one machine (two playbooks at once) take turns instead of
racing: the second sees what the first made and changes nothing (private API)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile


class LockError(Exception):
    """The lock directory is not one only this user can write: the message says which and why."""


def lock_directory():
    """``<tmp>/born2beroot-locks-<uid>``, made with mode 0700; refused when someone else owns it,
    when it is a symlink or when others can write to it (a lock file there could be swapped)."""
    path = os.path.join(tempfile.gettempdir(), "born2beroot-locks-%d" % os.getuid())
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise LockError(
            "lock directory %s must be a directory owned by uid %d and writable only by it "
            "(found mode %s, uid %d); remove it and rerun" % (path, os.getuid(), oct(info.st_mode), info.st_uid)
        )
    return path


@contextlib.contextmanager
def held(*key):
    """Hold the exclusive lock of ``key`` (for example the URI and a guest's name) while the block
    runs; a second holder of the same key on this machine waits for the first. The kernel drops
    the lock when the process ends, however it ends."""
    digest = hashlib.sha256("\0".join(key).encode("utf-8")).hexdigest()[:32]
    fd = os.open(os.path.join(lock_directory(), digest + ".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
