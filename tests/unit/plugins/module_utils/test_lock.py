"""The per-object lock: a second holder waits for the first; an unsafe lock directory is refused."""

from __future__ import annotations

import os
import tempfile
import threading
import time

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _lock


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_second_holder_of_the_same_key_waits_for_the_first():
    order = []
    first_holds = threading.Event()

    def second():
        first_holds.wait()
        with _lock.held("qemu:///system", "g"):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with _lock.held("qemu:///system", "g"):
        first_holds.set()
        time.sleep(0.3)
        order.append("first")
    thread.join(5)
    assert order == ["first", "second"]


def test_other_keys_do_not_wait():
    with _lock.held("qemu:///system", "g"), _lock.held("qemu:///system", "h"), _lock.held("test:///default", "g"):
        pass


def test_the_lock_directory_is_private(private_tmp):
    with _lock.held("u", "g"):
        pass
    directory = private_tmp / ("born2beroot-locks-%d" % os.getuid())
    assert directory.stat().st_mode & 0o777 == 0o700
    assert [oct(f.stat().st_mode & 0o777) for f in directory.iterdir()] == ["0o600"]


def test_a_lock_directory_others_can_write_is_refused(private_tmp):
    directory = private_tmp / ("born2beroot-locks-%d" % os.getuid())
    directory.mkdir()
    directory.chmod(0o777)
    with pytest.raises(_lock.LockError, match="writable only by it"), _lock.held("u", "g"):
        pass


def test_a_symlinked_lock_directory_is_refused(private_tmp):
    (private_tmp / "elsewhere").mkdir(mode=0o700)
    (private_tmp / ("born2beroot-locks-%d" % os.getuid())).symlink_to(private_tmp / "elsewhere")
    with pytest.raises(_lock.LockError, match="must be a directory"), _lock.held("u", "g"):
        pass
