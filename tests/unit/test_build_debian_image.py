"""build-debian-image interrupted while debootstrap runs: no half-built image is ever taken as cached.

debootstrap is replaced by a stand-in on PATH that starts writing a root file system and then
waits, so the interruption lands inside the build, as Ctrl-C or a cancelled AWX job would (the
signal goes to the whole process group).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "roles", "image", "files", "build-debian-image")

FAKE_DEBOOTSTRAP = """#!/bin/sh
# debootstrap --variant=minbase --include=PKGS SUITE ROOT MIRROR
mkdir -p "$4/usr/bin" && echo half > "$4/usr/bin/half-written" && touch "$B2B_TEST_STARTED"
exec sleep 60
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="build-debian-image needs root (debootstrap, chroot)")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_build_is_not_cached(tmp_path, sig):
    bin_dir, cache = tmp_path / "bin", tmp_path / "cache"
    bin_dir.mkdir()
    (bin_dir / "debootstrap").write_text(FAKE_DEBOOTSTRAP)
    (bin_dir / "debootstrap").chmod(0o755)
    started = tmp_path / "started"
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), B2B_TEST_STARTED=str(started))
    args = [SCRIPT, "--cache", str(cache), "--mirror", "http://192.0.2.1/debian"]

    build = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 30
    while not started.exists():
        assert build.poll() is None, build.communicate()
        assert time.monotonic() < deadline, "the stand-in debootstrap never started"
        time.sleep(0.05)
    os.killpg(build.pid, sig)
    out, err = build.communicate(timeout=30)

    assert build.returncode != 0, (out, err)
    assert out == b"", "an interrupted build printed an image directory: %r" % out
    # Only the hidden build directory may be left, never a debian-<suite>-<key> one.
    assert [name for name in os.listdir(cache) if not name.startswith(".build-")] == []
    check = subprocess.run(args + ["--check"], env=env, capture_output=True, text=True, check=False)
    assert check.returncode == 10, "the next run must build again, not reuse: %r" % (check,)
