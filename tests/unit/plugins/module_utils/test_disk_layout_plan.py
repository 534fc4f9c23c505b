"""Disk layouts: presets, every refusal naming its field, the rendered crypttab/fstab/kickstart."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _disk_layout as layout

PASS = "Lab disk 42: correct horse"
BONUS_MOUNTS = {
    "root": "/",
    "swap": "swap",
    "home": "/home",
    "var": "/var",
    "srv": "/srv",
    "tmp": "/tmp",
    "var-log": "/var/log",
}


def refusal(description, passphrase=PASS, unlock="console"):
    with pytest.raises(layout.LayoutError) as info:
        layout.plan(description, passphrase, unlock)
    return str(info.value)


def test_bonus_preset_is_born2beroots_bonus_layout():
    plan = layout.plan({"name": "bonus"}, PASS)
    assert {v["name"]: v["mount"] for v in plan["volumes"]} == BONUS_MOUNTS
    assert (plan["vg"], plan["crypt_name"], plan["encrypted"]) == ("LVMGroup", "vda5_crypt", True)
    assert [p["number"] for p in plan["partitions"]] == [1, 2, 5]
    assert plan["volumes"][0]["mount"] == "/" and plan["volumes"][-1]["mount"] == "swap"
    mounts = [v["mount"] for v in plan["volumes"]]
    assert mounts.index("/var") < mounts.index("/var/log")  # /var is mounted before what lies inside it
    assert next(v for v in plan["volumes"] if v["name"] == "var-log")["device"] == "/dev/mapper/LVMGroup-var--log"


def test_mandatory_preset_has_root_swap_home():
    plan = layout.plan({"name": "mandatory"}, PASS)
    assert [v["name"] for v in plan["volumes"]] == ["root", "home", "swap"]


def test_preset_sizes_change_by_name():
    plan = layout.plan({"name": "bonus", "disk_size": "12GiB", "volumes": [{"name": "root", "size": "4GiB"}]}, PASS)
    assert next(v for v in plan["volumes"] if v["name"] == "root")["size_mib"] == 4096


def test_partitions_leave_room_for_the_luks_header_and_lvm():
    plan = layout.plan(
        {
            "name": "custom",
            "disk_size": "1GiB",
            "boot_size": "100MiB",
            "volumes": [{"name": "root", "size": "904MiB", "mount": "/"}],
        },
        PASS,
    )
    assert plan["partitions"][0] == dict(number=1, kind="primary", start=2048, end=2048 + 100 * 2048 - 1, use="/boot")
    assert plan["free_mib"] == 0  # 1024 - 1 - 100 - 1 - 16 - 1 = 905 -> 904 in 4 MiB extents
    assert "too small" in refusal(
        {
            "name": "custom",
            "disk_size": "1GiB",
            "boot_size": "100MiB",
            "volumes": [{"name": "root", "size": "905MiB", "mount": "/"}],
        }
    )


def test_layout_larger_than_the_disk_names_disk_size():
    message = refusal({"name": "bonus", "disk_size": "4GiB"})
    assert message.startswith("layout.disk_size: 4GiB is too small")
    assert "need 5632 MiB" in message and "at least" in message


def test_two_volumes_on_one_mount_point_overlap():
    message = refusal(
        {
            "name": "custom",
            "volumes": [{"name": "root", "size": "1GiB", "mount": "/"}, {"name": "data", "size": "1GiB", "mount": "/"}],
        }
    )
    assert message == "layout.volumes[1].mount: '/' overlaps layout.volumes[0], which is mounted there too"


def test_duplicate_volume_names():
    message = refusal(
        {
            "name": "custom",
            "volumes": [
                {"name": "root", "size": "1GiB", "mount": "/"},
                {"name": "root", "size": "1GiB", "mount": "/srv"},
            ],
        }
    )
    assert "layout.volumes[1].name: 'root' is also the name of layout.volumes[0]" in message


@pytest.mark.parametrize("passphrase", [None, "", "   "])
def test_missing_passphrase(passphrase):
    assert (
        refusal({"name": "mandatory"}, passphrase)
        == "passphrase: required for layout mandatory (take it from Ansible Vault)"
    )


def test_passphrase_with_a_line_break():
    assert "passphrase: must not contain line breaks" in refusal({"name": "bonus"}, "two\nlines")


@pytest.mark.parametrize(
    "description, field",
    [
        ({"name": "custom"}, "layout.volumes: layout custom needs"),
        (
            {"name": "custom", "volumes": [{"name": "home", "size": "1GiB", "mount": "/home"}]},
            "no volume is mounted at /",
        ),
        (
            {"name": "custom", "volumes": [{"name": "root", "size": "1GiB", "mount": "/", "fstype": "xfs"}]},
            "layout.volumes[0].fstype: 'xfs'",
        ),
        (
            {
                "name": "custom",
                "volumes": [
                    {"name": "root", "size": "1GiB", "mount": "/"},
                    {"name": "swap", "size": "1GiB", "mount": "/swap", "fstype": "swap"},
                ],
            },
            "layout.volumes[1]: a swap volume",
        ),
        (
            {
                "name": "custom",
                "volumes": [
                    {"name": "root", "size": "1GiB", "mount": "/"},
                    {"name": "b", "size": "1GiB", "mount": "/boot/efi"},
                ],
            },
            "layout.volumes[1].mount",
        ),
        (
            {"name": "custom", "volumes": [{"name": "root", "size": "1GiB", "mount": "/var/../x"}]},
            "layout.volumes[0].mount",
        ),
        ({"name": "custom", "volumes": [{"name": "-root", "size": "1GiB", "mount": "/"}]}, "layout.volumes[0].name"),
        ({"name": "custom", "volumes": [{"name": "root", "mount": "/"}]}, "layout.volumes[0].size: required"),
        ({"name": "custom", "volumes": [{"name": "root", "size": "lots", "mount": "/"}]}, "layout.volumes[0].size"),
        ({"name": "custom", "volumes": [{"name": "root", "size": "1.5KiB", "mount": "/"}]}, "layout.volumes[0].size"),
        (
            {"name": "bonus", "volumes": [{"name": "opt", "size": "1GiB"}]},
            "layout.volumes[0].name: 'opt' is not a volume of layout bonus",
        ),
        (
            {"name": "bonus", "volumes": [{"name": "home", "mount": "/data"}]},
            "layout.volumes[0].mount: layout bonus fixes it",
        ),
        ({"name": "bonus", "vg": "LVM Group"}, "layout.vg"),
        ({"name": "bonus", "crypt_name": "a/b"}, "layout.crypt_name"),
        ({"name": "bonus", "boot_size": "0"}, "layout.boot_size"),
        ({"name": "plain", "volumes": [{"name": "root"}]}, "layout.volumes: layout plain has no volumes"),
        ({"name": "raid"}, "layout.name: 'raid'; valid: plain, mandatory, bonus, custom"),
    ],
)
def test_bad_input_names_the_field(description, field):
    assert field in refusal(description)


def test_every_problem_is_reported_at_once():
    message = refusal({"name": "bonus", "vg": "bad vg"}, None, unlock="tpm")
    assert "unlock: 'tpm'" in message and "passphrase: required" in message and "layout.vg" in message


def test_size_and_passphrase_problems_are_reported_together():
    message = refusal({"name": "bonus", "disk_size": "4GiB"}, None)
    assert message.startswith("layout.disk_size: 4GiB is too small") and "passphrase: required" in message


def test_plain_needs_no_passphrase():
    assert layout.plan({"name": "plain"}, None) == dict(name="plain", encrypted=False, partitions=[], volumes=[])


def test_crypttab_and_fstab_match_the_plan():
    plan = layout.plan({"name": "bonus"}, PASS)
    assert layout.render_crypttab(plan, "1234") == "vda5_crypt UUID=1234 none luks,discard,initramfs\n"
    fstab = layout.render_fstab(plan, "abcd").splitlines()
    assert fstab[1:3] == ["/dev/mapper/LVMGroup-root / ext4 errors=remount-ro 0 1", "UUID=abcd /boot ext2 defaults 0 2"]
    assert "/dev/mapper/LVMGroup-var--log /var/log ext4 defaults 0 2" in fstab
    assert fstab[-1] == "/dev/mapper/LVMGroup-swap none swap sw 0 0"
    assert len(fstab) == 1 + 1 + 7  # header, /boot, every volume


def test_keyfile_mode_points_crypttab_at_the_key():
    plan = layout.plan({"name": "mandatory"}, PASS, unlock="keyfile")
    assert layout.render_crypttab(plan, "u") == (
        "vda5_crypt UUID=u /etc/cryptsetup-keys.d/vda5_crypt.key luks,discard,initramfs\n"
    )


def test_expected_tree_matches_a_normalised_lsblk_of_the_same_layout():
    plan = layout.plan({"name": "mandatory"}, PASS)
    lvs = [
        {"name": "LVMGroup-swap", "type": "lvm", "fstype": "swap", "mountpoint": "[SWAP]"},
        {"name": "LVMGroup-root", "type": "lvm", "fstype": "ext4", "mountpoint": "/"},
        {"name": "LVMGroup-home", "type": "lvm", "fstype": "ext4", "mountpoint": "/home"},
    ]
    lsblk = {
        "name": "vda",
        "type": "disk",
        "fstype": None,
        "mountpoint": None,
        "children": [
            {"name": "vda1", "type": "part", "fstype": "ext2", "mountpoint": "/boot"},
            {"name": "vda2", "type": "part", "fstype": None, "mountpoint": None},
            {
                "name": "vda5",
                "type": "part",
                "fstype": "crypto_LUKS",
                "mountpoint": None,
                "children": [
                    {
                        "name": "vda5_crypt",
                        "type": "crypt",
                        "fstype": "LVM2_member",
                        "mountpoint": None,
                        "children": lvs,
                    }
                ],
            },
        ],
    }
    assert layout.normalise_lsblk(lsblk) == layout.expected_lsblk(plan)
    lvs[0]["mountpoint"] = None  # swap not active
    assert layout.normalise_lsblk(lsblk) != layout.expected_lsblk(plan)


KSVALIDATOR = os.path.join(os.path.dirname(sys.executable), "ksvalidator")


@pytest.mark.parametrize("name", ["mandatory", "bonus"])
@pytest.mark.parametrize("passphrase", [PASS, None, 'it\'s "quoted" \\ and $HOME'])
def test_kickstart_passes_ksvalidator_and_keeps_the_passphrase(tmp_path, name, passphrase):
    pytest.importorskip("pykickstart")
    from pykickstart.parser import KickstartParser
    from pykickstart.version import RHEL9, makeVersion

    plan = layout.plan({"name": name}, PASS)
    text = layout.render_kickstart(plan, passphrase)
    path = tmp_path / "ks.cfg"
    path.write_text(text)
    proc = subprocess.run([KSVALIDATOR, "-v", "RHEL9", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    parser = KickstartParser(makeVersion(RHEL9))
    parser.readKickstartFromString(text)
    handler = parser.handler
    pv = next(p for p in handler.partition.partitions if p.mountpoint == "pv.01")
    assert pv.encrypted and pv.luks_version == "luks2" and pv.passphrase == (passphrase or "")
    assert handler.volgroup.vgList[0].vgname == "LVMGroup"
    assert {lv.name: lv.mountpoint for lv in handler.logvol.lvList} == {v["name"]: v["mount"] for v in plan["volumes"]}
    assert {lv.name: lv.size for lv in handler.logvol.lvList} == {v["name"]: v["size_mib"] for v in plan["volumes"]}
