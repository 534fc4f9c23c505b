"""build-debian-image with a mirror of its own: --mirror and --keyring reach debootstrap, not the cache key.

`scripts/lab image` builds from a local mirror signed with a key made for it; the image role passes
image_debian_mirror and image_debian_keyring. The same packages make the same image, so an image
built from Debian's archive and one built from a local mirror share one cache entry. debootstrap is
replaced by a stand-in on PATH that writes down its arguments (and fails a build, which stops it there).
"""

from __future__ import annotations

import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "roles", "image", "files", "build-debian-image")
MIRROR = "file:///srv/mirror"

FAKE_DEBOOTSTRAP = """#!/bin/sh
printf '%s\\n' "$@" > "$B2B_TEST_ARGV"
case " $* " in *" --print-debs "*) printf '\\nbase-files\\nlibc6 dpkg\\n'; exit 0 ;; esac
echo "stand-in debootstrap: stopping the build here" >&2
exit 1
"""


@pytest.fixture
def fake(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "debootstrap").write_text(FAKE_DEBOOTSTRAP)
    (bin_dir / "debootstrap").chmod(0o755)
    keyring = tmp_path / "mirror" / "keyring.gpg"
    keyring.parent.mkdir()
    keyring.write_bytes(b"")
    argv = tmp_path / "argv"
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), B2B_TEST_ARGV=str(argv))

    def run(*args, cwd=None):
        return subprocess.run([SCRIPT, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False)

    run.cache, run.keyring, run.argv = str(tmp_path / "cache"), keyring, argv
    return run


def test_mirror_and_keyring_do_not_change_the_cache_key(fake):
    plain = fake("--cache", fake.cache, "--check")
    local = fake("--cache", fake.cache, "--mirror", MIRROR, "--keyring", str(fake.keyring), "--check")
    assert plain.returncode == local.returncode == 10, (plain, local)
    assert plain.stdout == local.stdout and plain.stdout.startswith(fake.cache + "/debian-bookworm-")
    # What does enter it still does.
    other = fake("--cache", fake.cache, "--extra-packages", "lvm2", "--check")
    assert other.stdout != plain.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="build-debian-image builds only as root (debootstrap, chroot)")
def test_mirror_and_keyring_reach_debootstrap(fake):
    # A relative keyring becomes absolute: gpgv would look for a bare name in its own home directory.
    relative = os.path.join("mirror", "keyring.gpg")
    build = fake("--cache", fake.cache, "--mirror", MIRROR, "--keyring", relative, cwd=fake.keyring.parent.parent)
    assert build.returncode != 0 and "stand-in debootstrap" in build.stderr, build
    argv = fake.argv.read_text().splitlines()
    assert argv[0] == "--keyring=%s" % fake.keyring
    assert argv[-3] == "bookworm" and argv[-1] == MIRROR and "--variant=minbase" in argv
    assert os.listdir(fake.cache) == [], "a failed build leaves nothing in the cache"


@pytest.mark.skipif(os.geteuid() != 0, reason="build-debian-image builds only as root (debootstrap, chroot)")
def test_without_a_keyring_debootstrap_checks_with_its_own(fake):
    fake("--cache", fake.cache, "--mirror", "http://192.0.2.1/debian")
    argv = fake.argv.read_text().splitlines()
    assert not [arg for arg in argv if arg.startswith("--keyring")], argv
    assert "--no-check-gpg" not in argv


def test_print_debs_lists_what_debootstrap_installs_one_a_line(fake):
    result = fake("--mirror", MIRROR, "--keyring", str(fake.keyring), "--extra-packages", "lvm2", "--print-debs")
    assert result.returncode == 0, result
    assert result.stdout.splitlines() == ["base-files", "libc6", "dpkg"]
    argv = fake.argv.read_text().splitlines()
    assert argv[0] == "--keyring=%s" % fake.keyring and "--print-debs" in argv and "--variant=minbase" in argv
    include = [arg for arg in argv if arg.startswith("--include=")]
    assert include and include[0].endswith(",lvm2") and argv[-1] == MIRROR


def test_print_packages_is_the_build_list(fake):
    built_in = fake("--print-packages").stdout.strip()
    assert "linux-image-cloud-amd64" in built_in.split(",")
    extra = fake("--extra-packages", "lvm2,cryptsetup-initramfs", "--print-packages").stdout.strip()
    assert extra == built_in + ",lvm2,cryptsetup-initramfs"
    assert fake("--packages", "a,b", "--print-packages").stdout.strip() == "a,b"
    assert not fake.argv.exists(), "--print-packages ran debootstrap"


def test_a_missing_keyring_is_a_usage_error(fake):
    result = fake("--cache", fake.cache, "--keyring", "/nonexistent/keyring.gpg", "--check")
    assert result.returncode == 2 and "--keyring" in result.stderr, result
