"""born2beroot.virt.console_unlock on libvirt's test driver (its guest "test" runs; it has no
console stream and no guest agent). The real unlock runs in molecule/encrypted."""

from __future__ import annotations

from ansible_collections.born2beroot.virt.plugins.modules import console_unlock

URI = "test:///default"
PASS = "Lab disk 42: correct horse"


def test_unknown_guest_is_named(run, test_conn):
    result = run(console_unlock, dict(uri=URI, name="nope", passphrase=PASS))
    assert result.failed and result["msg"] == "name: no guest named 'nope' on test:///default"


def test_bad_options_fail_naming_the_field(run, test_conn):
    assert run(console_unlock, dict(uri=URI, name="test", passphrase=PASS, prompt="("))["msg"].startswith("prompt: ")
    assert run(console_unlock, dict(uri=URI, name="test", passphrase=PASS, timeout=0))["msg"].startswith("timeout: ")
    assert run(console_unlock, dict(uri=URI, name="test", passphrase="a\nb"))["msg"].startswith("passphrase: ")


def test_shut_off_guest_needs_start(run, test_conn):
    test_conn.lookupByName("test").destroy()
    result = run(console_unlock, dict(uri=URI, name="test", passphrase=PASS, start=False))
    assert result.failed and "is shut off; start: true" in result["msg"]
    checked = run(console_unlock, dict(uri=URI, name="test", passphrase=PASS), check_mode=True)
    assert checked["changed"] and checked["started"] and checked["unlocked"]
    assert not test_conn.lookupByName("test").isActive()  # check mode started nothing


def test_a_guest_without_a_console_stream_fails_clearly(run, test_conn):
    result = run(console_unlock, dict(uri=URI, name="test", passphrase=PASS))
    assert result.failed and result["msg"].startswith("cannot open the serial console of test")
    assert PASS not in str(result)
