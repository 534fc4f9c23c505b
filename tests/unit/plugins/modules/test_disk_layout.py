"""born2beroot.virt.disk_layout: refusals before anything is written, the kickstart file."""

from __future__ import annotations

import os

from ansible_collections.born2beroot.virt.plugins.modules import disk_layout

PASS = "Lab disk 42: correct horse"


def test_bad_layout_fails_naming_the_field_and_writes_nothing(run, tmp_path):
    dest = tmp_path / "rocky.ks"
    result = run(
        disk_layout, dict(layout=dict(name="bonus", disk_size="2GiB"), passphrase=PASS, kickstart_dest=str(dest))
    )
    assert result.failed and result["msg"].startswith("layout.disk_size: 2GiB is too small")
    assert not dest.exists()


def test_missing_passphrase_fails(run):
    result = run(disk_layout, dict(layout=dict(name="mandatory")))
    assert result.failed and result["msg"] == "passphrase: required for layout mandatory (take it from Ansible Vault)"


def test_kickstart_is_written_0600_with_the_passphrase_and_returned_without(run, tmp_path):
    dest = tmp_path / "rocky.ks"
    args = dict(layout=dict(name="bonus"), passphrase=PASS, kickstart_dest=str(dest))
    checked = run(disk_layout, args, check_mode=True)
    assert checked["changed"] and not dest.exists()
    first = run(disk_layout, args, diff=True)
    assert first["changed"] and os.stat(dest).st_mode & 0o777 == 0o600
    assert "--passphrase='%s'" % PASS in dest.read_text()
    assert PASS not in first["kickstart"] and PASS not in str(first["diff"])
    assert "logvol /var/log --vgname=LVMGroup --name=var-log" in first["kickstart"]
    assert run(disk_layout, args)["changed"] is False
    os.chmod(dest, 0o644)
    assert run(disk_layout, args)["changed"] is True and os.stat(dest).st_mode & 0o777 == 0o600


def test_plain_returns_no_tree_or_kickstart(run):
    result = run(disk_layout, dict(layout=dict(name="plain")))
    assert not result.failed and result["layout"]["encrypted"] is False and "kickstart" not in result


def test_returns_the_expected_lsblk_tree(run):
    result = run(disk_layout, dict(layout=dict(name="mandatory"), passphrase=PASS))
    crypt = result["lsblk"]["children"][2]["children"][0]
    assert crypt["name"] == "vda5_crypt"
    assert [(c["name"], c["mountpoint"]) for c in crypt["children"]] == [
        ("LVMGroup-home", "/home"),
        ("LVMGroup-root", "/"),
        ("LVMGroup-swap", "[SWAP]"),
    ]
