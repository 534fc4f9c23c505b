"""born2beroot.virt.guest on libvirt's test driver: lifecycle, idempotence, check and diff mode, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _storage
from ansible_collections.born2beroot.virt.plugins.modules import guest

libvirt = pytest.importorskip("libvirt")

URI = "test:///default"
POOL = "default-pool"  # the test driver's own pool
INACTIVE = 2
MIB = 1024


def args(**options):
    """A task for guest g1; a None value drops the option, as leaving it out of a task would."""
    merged = dict(dict(uri=URI, name="g1"), **options)
    return {k: v for k, v in merged.items() if v is not None}


def add_volume(conn, name, fmt="qcow2", pool=POOL):
    conn.storagePoolLookupByName(pool).createXML(
        "<volume><name>%s</name><capacity unit='MiB'>64</capacity><target><format type='%s'/></target></volume>"
        % (name, fmt),
        0,
    )


def domain(conn, name="g1"):
    return conn.lookupByName(name)


def xml(conn, name="g1"):
    return ET.fromstring(domain(conn, name).XMLDesc(INACTIVE))


def names(conn):
    return sorted(d.name() for d in conn.listAllDomains())


# --- create, rerun, check mode, diff ----------------------------------------------------------


def test_create_running_guest_then_rerun_is_unchanged(run, test_conn):
    add_volume(test_conn, "g1.qcow2")
    task = args(
        state="running",
        memory="1GiB",
        vcpus=2,
        machine="q35",
        disks=[dict(pool=POOL, volume="g1.qcow2")],
        tags=["web"],
        description="first",
    )
    created = run(guest, task)
    assert created["changed"] is True
    assert created["actions"] == ["define guest", "start guest"]
    root = xml(test_conn)
    assert root.get("type") == "qemu"
    assert root.findtext("currentMemory") == str(1024 * MIB)
    assert root.find("./devices/disk/driver").get("type") == "qcow2"  # taken from the volume
    assert root.find("./features/tcg/tb-cache").text == "65536"
    assert domain(test_conn).state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert created["guest"]["memory"] == "1GiB" and created["state"] == "running"
    mac = root.find("./devices/interface/mac").get("address")
    again = run(guest, task)
    assert again["changed"] is False and again["actions"] == []
    assert xml(test_conn).find("./devices/interface/mac").get("address") == mac


def test_check_mode_predicts_exactly_and_changes_nothing(run, test_conn):
    task = args(state="running", vcpus=2)
    predicted = run(guest, task, check_mode=True)
    assert names(test_conn) == ["test"]
    real = run(guest, task)
    assert predicted["changed"] is real["changed"] is True
    assert predicted["actions"] == real["actions"]
    update = args(state="running", vcpus=1, description="x")
    predicted = run(guest, update, check_mode=True)
    assert xml(test_conn).findtext("vcpu") == "2"
    real = run(guest, update)
    assert (predicted["actions"], predicted["changed_fields"]) == (real["actions"], real["changed_fields"])
    assert run(guest, update, check_mode=True)["changed"] is False


def test_diff_shows_domain_xml_before_and_after(run, test_conn):
    created = run(guest, args(vcpus=1), diff=True)
    assert created["diff"]["before"] == ""
    assert "<name>g1</name>" in created["diff"]["after"]
    predicted = run(guest, args(vcpus=2, max_vcpus=2), check_mode=True, diff=True)
    changed = run(guest, args(vcpus=2, max_vcpus=2), diff=True)
    for result in (predicted, changed):
        before, after = result["diff"]["before"], result["diff"]["after"]
        assert '<vcpu placement="static">1</vcpu>' in before
        assert '<vcpu placement="static">2</vcpu>' in after
        assert before.replace(">1</vcpu>", ">2</vcpu>") == after  # nothing else differs
    assert "diff" not in run(guest, args(vcpus=2))


def test_names_and_text_with_xml_metacharacters_are_escaped(run, test_conn):
    name = "a<b>&\"c'"
    result = run(guest, args(name=name, description="</description><evil/>", tags=["<t>", "&amp;"]))
    assert result["changed"] is True
    root = xml(test_conn, name)
    assert root.findtext("name") == name
    assert root.findtext("description") == "</description><evil/>"
    assert root.find("evil") is None
    assert run(guest, args(name=name, description="</description><evil/>", tags=["<t>", "&amp;"]))["changed"] is False


# --- changes to an existing guest -------------------------------------------------------------


def test_memory_within_max_changes_live_beyond_max_needs_restart(run, test_conn):
    run(guest, args(state="running", memory="512MiB", max_memory="1GiB"))
    live = run(guest, args(state="running", memory="768MiB", max_memory="1GiB"))
    assert live["changed_fields"] == ["memory"]
    assert live["restart_required"] is False
    assert domain(test_conn).info()[2] == 768 * MIB  # the running guest has it now
    assert xml(test_conn).findtext("currentMemory") == str(768 * MIB)
    bigger = run(guest, args(state="running", memory="2GiB"))
    assert bigger["restart_required"] is True
    assert bigger["restart_fields"] == ["memory", "max_memory"]
    assert domain(test_conn).maxMemory() == 1024 * MIB  # running guest unchanged
    assert xml(test_conn).findtext("memory") == str(2048 * MIB)  # persistent definition updated
    restarted = run(guest, args(state="restarted", memory="2GiB"))
    assert restarted["restart_required"] is False and restarted["changed"] is True
    assert domain(test_conn).maxMemory() == 2048 * MIB


def test_vcpus_within_max_change_live(run, test_conn):
    run(guest, args(state="running", vcpus=1, max_vcpus=4))
    result = run(guest, args(state="running", vcpus=3, max_vcpus=4))
    assert result["actions"] == ["update definition: vcpus", "change vcpus of the running guest"]
    assert result["restart_required"] is False
    assert domain(test_conn).vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE) == 3


def test_stopped_guest_takes_any_change_without_restart_flag(run, test_conn):
    run(guest, args(vcpus=1))
    result = run(guest, args(vcpus=2, machine="pc", cpu_mode="maximum"))
    assert result["changed_fields"] == ["machine", "vcpus", "max_vcpus", "cpu_mode"]
    assert result["restart_required"] is False


def test_nic_hotplug_unsupported_by_driver_falls_back_to_restart(run, test_conn):
    run(guest, args(state="running"))
    result = run(guest, args(state="running", interfaces=[dict(network="default"), dict(network="default")]))
    assert result["restart_fields"] == ["interfaces"]
    assert "interfaces could not be changed on the running guest" in str(result["warnings"])
    assert len(xml(test_conn).findall("./devices/interface")) == 2
    removed = run(guest, args(state="running", interfaces=[]))
    assert removed["restart_fields"] == ["interfaces"]
    assert xml(test_conn).findall("./devices/interface") == []


def test_unmanaged_options_are_left_alone(run, test_conn):
    run(guest, args(memory="1GiB", vcpus=2, tags=["a"]))
    result = run(guest, args(state="running"))
    assert result["changed_fields"] == [] and result["actions"] == ["start guest"]
    assert result["guest"]["memory"] == "1GiB" and result["guest"]["tags"] == ["a"]


def test_xml_overrides_apply_once(run, test_conn):
    override = [
        dict(
            path="./devices",
            xml="<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
            mode="append",
        )
    ]
    run(guest, args(xml_overrides=override))
    assert len(xml(test_conn).findall("./devices/rng")) == 1
    assert run(guest, args(xml_overrides=override))["changed"] is False


def test_autostart(run, test_conn):
    assert run(guest, args(autostart=True))["actions"] == ["define guest", "enable autostart"]
    assert domain(test_conn).autostart() == 1
    assert run(guest, args(autostart=True))["changed"] is False


# --- run states -------------------------------------------------------------------------------


def test_state_transitions(run, test_conn):
    run(guest, args(state="running"))
    assert run(guest, args(state="paused"))["state"] == "paused"
    assert domain(test_conn).state()[0] == libvirt.VIR_DOMAIN_PAUSED
    assert run(guest, args(state="running"))["actions"] == ["resume guest"]
    stopped = run(guest, args(state="stopped"))
    assert stopped["actions"] == ["shut down guest (ACPI or guest agent)"]
    assert domain(test_conn).isActive() == 0
    assert run(guest, args(state="stopped"))["changed"] is False
    assert run(guest, args(state="restarted"))["actions"] == ["start guest"]
    assert run(guest, args(state="restarted"))["actions"] == ["shut down guest (ACPI or guest agent)", "start guest"]


@pytest.fixture
def guest_ignores_acpi(monkeypatch):
    """The test driver's guests always obey shutdown; this one ignores the power button."""
    monkeypatch.setattr(libvirt.virDomain, "shutdown", lambda self: 0)


def test_stop_without_force_fails_and_leaves_guest_running(run, test_conn, guest_ignores_acpi):
    run(guest, args(state="running"))
    result = run(guest, args(state="stopped", shutdown_timeout=1))
    assert result.failed
    assert "did not shut down within shutdown_timeout=1s" in result["msg"] and "force: true" in result["msg"]
    assert domain(test_conn).isActive() == 1


def test_stop_with_force_powers_off_after_timeout(run, test_conn, guest_ignores_acpi):
    run(guest, args(state="running"))
    result = run(guest, args(state="stopped", shutdown_timeout=1, force=True))
    assert result["actions"] == ["shut down guest (ACPI or guest agent)", "power off guest (forced after 1s)"]
    assert domain(test_conn).isActive() == 0


def test_failed_start_of_a_new_guest_leaves_nothing(run, test_conn, monkeypatch):
    def refuse(_self):
        raise libvirt.libvirtError("internal error: qemu unexpectedly closed the monitor")

    monkeypatch.setattr(libvirt.virDomain, "create", refuse)
    result = run(guest, args(state="running"))
    assert result.failed and result["exists"] is False
    assert "qemu unexpectedly closed the monitor" in result["msg"]
    assert names(test_conn) == ["test"]


def test_wait_for_ip_returns_instance_config(run, test_conn):
    result = run(
        guest, args(state="running", wait_for="ip", ssh_user="marvin", wait_port=[4242, 22], ssh_identity_file="/k")
    )
    assert result["ip"] == result["addresses"][0]["address"]
    assert result["instance_config"] == dict(
        instance="g1", address=result["ip"], port=4242, user="marvin", identity_file="/k"
    )


def test_a_guest_that_is_never_ready_fails_with_its_console_and_stays_defined(run, test_conn, tmp_path):
    log = tmp_path / "serial.log"
    log.write_text("Booting the kernel.\r\nKernel panic - not syncing: VFS: Unable to mount root fs\r\n")
    task = args(state="running", interfaces=[], serial_log=str(log), wait_for="ip", wait_timeout=1)
    result = run(guest, task)
    assert result.failed and result["exists"] is True and result["state"] == "running"
    assert result["msg"] == (
        "guest g1 is running but not ready: no IP address reported by lease, agent, arp within 1s; it is left "
        "defined and running for inspection. last 2 lines of the serial console (%s):\n"
        "Booting the kernel.\nKernel panic - not syncing: VFS: Unable to mount root fs" % log
    )
    assert "g1" in names(test_conn)


# --- absent -----------------------------------------------------------------------------------


def test_absent_keeps_storage_unless_asked(run, test_conn):
    add_volume(test_conn, "g1.qcow2")
    add_volume(test_conn, "install.iso", fmt="raw")
    disks = [dict(pool=POOL, volume="g1.qcow2"), dict(pool=POOL, volume="install.iso", device="cdrom")]
    run(guest, args(state="running", disks=disks))
    kept = run(guest, args(state="absent"), diff=True)
    assert "<name>g1</name>" in kept["diff"]["before"] and kept["diff"]["after"] == ""
    assert kept["actions"] == ["power off guest", "undefine guest"] and kept["removed_volumes"] == []
    assert "g1.qcow2" in test_conn.storagePoolLookupByName(POOL).listVolumes()
    run(guest, args(disks=disks))
    predicted = run(guest, args(state="absent", remove_storage=True), check_mode=True)
    removed = run(guest, args(state="absent", remove_storage=True))
    assert predicted["actions"] == removed["actions"] == ["undefine guest", "delete volume %s/g1.qcow2" % POOL]
    assert test_conn.storagePoolLookupByName(POOL).listVolumes() == ["install.iso"]  # shared CD-ROM kept
    assert run(guest, args(state="absent", remove_storage=True))["changed"] is False


def test_absent_keeps_disks_outside_pools_and_says_so(run, test_conn):
    run(guest, args(disks=[dict(path="/somewhere/g1.img")]))
    result = run(guest, args(state="absent", remove_storage=True))
    assert result["removed_volumes"] == []
    assert "/somewhere/g1.img is in no libvirt storage pool; it was not deleted" in str(result["warnings"])


def test_absent_removes_snapshot_metadata(run, test_conn):
    run(guest, args())
    domain(test_conn).snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>", 0)
    assert run(guest, args(state="absent"))["changed"] is True
    assert names(test_conn) == ["test"]


# --- cloud-init seed --------------------------------------------------------------------------


@pytest.fixture
def uploads(monkeypatch):
    """The test driver has no volume upload: record uploads and create the volume instead."""
    calls = []

    def upload(conn, pool, name, data, fmt="raw"):
        calls.append((pool, name, data))
        pool_obj = conn.storagePoolLookupByName(pool)
        if name in pool_obj.listVolumes():
            pool_obj.storageVolLookupByName(name).delete(0)
        pool_obj.createXML(
            "<volume><name>%s</name><capacity unit='bytes'>%d</capacity></volume>" % (name, len(data)), 0
        )
        return True

    monkeypatch.setattr(_storage, "upload_to_volume", upload)
    return calls


def test_cloud_init_seed_is_uploaded_attached_and_idempotent(run, test_conn, uploads):
    add_volume(test_conn, "g1.qcow2")
    task = args(disks=[dict(pool=POOL, volume="g1.qcow2")], cloud_init=dict(user_data=dict(locale="C.UTF-8")))
    predicted = run(guest, task, check_mode=True)
    assert uploads == [] and names(test_conn) == ["test"]
    created = run(guest, task)
    assert (
        predicted["actions"] == created["actions"] == ["upload cloud-init seed %s/g1-seed.iso" % POOL, "define guest"]
    )
    assert [call[:2] for call in uploads] == [(POOL, "g1-seed.iso")]
    seed = next(d for d in xml(test_conn).findall("./devices/disk") if d.find("source").get("volume") == "g1-seed.iso")
    assert seed.get("device") == "disk" and seed.find("readonly") is not None
    assert seed.find("source").attrib == {"pool": POOL, "volume": "g1-seed.iso"}
    assert seed.find("target").attrib == {"dev": "vdb", "bus": "virtio"}
    assert created["seed"]["sha256"] == created["seed"]["sha256"].lower() and len(uploads[0][2]) > 0
    assert run(guest, task)["changed"] is False
    assert len(uploads) == 1
    changed = run(guest, dict(task, cloud_init=dict(user_data=dict(locale="en_US.UTF-8"))))
    assert changed["changed_fields"] == ["cloud_init"]
    assert len(uploads) == 2 and uploads[1][2] != uploads[0][2]
    removed = run(guest, args(state="absent", remove_storage=True))
    assert sorted(removed["removed_volumes"]) == ["%s/g1-seed.iso" % POOL, "%s/g1.qcow2" % POOL]


def test_seed_volume_deleted_behind_our_back_is_uploaded_again(run, test_conn, uploads):
    task = args(cloud_init=dict(user_data=dict(a=1)), seed_pool=POOL)
    run(guest, task)
    test_conn.storagePoolLookupByName(POOL).storageVolLookupByName("g1-seed.iso").delete(0)
    again = run(guest, task)
    assert again["actions"] == ["upload cloud-init seed %s/g1-seed.iso" % POOL]


# --- bad input: the message names the field and what is valid; nothing changes ----------------


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(memory="lots"), "memory: 'lots' is not a size; use a whole number of bytes or a number with a unit"),
        (dict(tb_cache="1 parsec"), "tb_cache: unknown unit"),
        (
            dict(interfaces=[dict(network="nope")]),
            "interfaces[0].network: no libvirt network named 'nope'; existing networks: default",
        ),
        (
            dict(disks=[dict(pool="nope", volume="v")]),
            "disks[0].volume: no storage pool named 'nope'; existing pools: " + POOL,
        ),
        (
            dict(disks=[dict(pool=POOL, volume="nope.qcow2")]),
            "disks[0].volume: pool '%s' has no volume named 'nope.qcow2'; its volumes: (none)" % POOL,
        ),
        (dict(cloud_init=dict(user_data={}), seed_pool="nope"), "seed_pool: no storage pool named 'nope'"),
        (dict(name="a/b"), "name: 'a/b' must not contain '/'"),
        (dict(cpu_mode="host-passthrough"), "cpu_mode: host-passthrough needs virt_type=kvm"),
        (dict(xml_overrides=[dict(path="./nowhere", xml="<a/>")]), "xml_overrides[0].path: './nowhere' matches no"),
    ],
)
def test_bad_input_fails_naming_the_field_and_changes_nothing(run, test_conn, options, message):
    result = run(guest, args(state="running", **options))
    assert result.failed
    assert result["msg"].startswith(message)
    assert names(test_conn) == ["test"]
    assert test_conn.storagePoolLookupByName(POOL).listVolumes() == []


def test_bad_input_on_an_existing_guest_changes_nothing(run, test_conn):
    run(guest, args(vcpus=1))
    before = domain(test_conn).XMLDesc(INACTIVE)
    assert run(guest, args(vcpus=2, memory="1.5KiB")).failed
    assert domain(test_conn).XMLDesc(INACTIVE) == before


def test_libvirt_errors_carry_libvirts_message(run, test_conn):
    result = run(guest, args(arch="bogus"))
    assert result.failed and "Unknown architecture bogus" in result["msg"]
    result = run(guest, args(uri="test:///nonexistent/file.xml"))
    assert result.failed and result["msg"].startswith("cannot connect to libvirt at test:///nonexistent/file.xml")
