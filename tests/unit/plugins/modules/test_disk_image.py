"""born2beroot.virt.disk_image without building: refusals before anything is written, check mode,
and the content key that makes a second run change nothing. The build itself runs for real in
molecule/encrypted (libguestfs, a real boot)."""

from __future__ import annotations

import json

from ansible_collections.born2beroot.virt.plugins.module_utils import _disk_build, _disk_layout
from ansible_collections.born2beroot.virt.plugins.modules import disk_image

PASS = "Lab disk 42: correct horse"


def args(tmp_path, **extra):
    rootfs = tmp_path / "rootfs.tar"
    rootfs.write_bytes(b"not used before a build")
    return dict(
        dict(dest=str(tmp_path / "image"), rootfs=str(rootfs), layout=dict(name="bonus"), passphrase=PASS), **extra
    )


def test_bad_layout_fails_before_anything_is_written(run, tmp_path):
    result = run(
        disk_image,
        args(
            tmp_path,
            layout=dict(
                name="custom",
                volumes=[dict(name="root", size="1GiB", mount="/"), dict(name="b", size="1GiB", mount="/")],
            ),
        ),
    )
    assert result.failed and result["msg"].startswith("layout.volumes[1].mount: '/' overlaps")
    assert not (tmp_path / "image").exists()


def test_missing_passphrase_and_missing_rootfs(run, tmp_path):
    assert run(disk_image, args(tmp_path, passphrase=""))["msg"].startswith("passphrase: required")
    result = run(disk_image, args(tmp_path, rootfs=str(tmp_path / "nope.tar")))
    assert result.failed and result["msg"].startswith("rootfs: ")


def test_plain_builds_nothing(run, tmp_path):
    result = run(disk_image, args(tmp_path, layout=dict(name="plain")))
    assert result["changed"] is False and not (tmp_path / "image").exists()


def test_check_mode_predicts_a_build_and_writes_nothing(run, tmp_path):
    result = run(disk_image, args(tmp_path), check_mode=True, diff=True)
    assert result["changed"] is True and result["sha1"] is None
    assert result["boot"]["cmdline"] == "root=/dev/mapper/LVMGroup-root ro console=ttyS0"
    assert result["diff"]["before"] == {}
    assert not (tmp_path / "image").exists()


def test_same_layout_and_rootfs_is_not_rebuilt_a_different_one_is(run, tmp_path):
    params = args(tmp_path)
    plan = _disk_layout.plan(params["layout"], PASS)
    image = tmp_path / "image"
    image.mkdir()
    (image / _disk_build.DISK).write_bytes(b"qcow2")
    manifest = dict(
        key=_disk_build.build_key(plan, params["rootfs"]), sha1="ab" * 20, crypttab="c\n", fstab="f\n", seconds=1.0
    )
    (image / _disk_build.MANIFEST).write_text(json.dumps(manifest))
    same = run(disk_image, params)
    assert same["changed"] is False and same["sha1"] == "ab" * 20 and same["fstab"] == "f\n"
    bigger = run(disk_image, dict(params, layout=dict(name="bonus", disk_size="9GiB")), check_mode=True)
    assert bigger["changed"] is True
    forced = run(disk_image, dict(params, force=True), check_mode=True)
    assert forced["changed"] is True
