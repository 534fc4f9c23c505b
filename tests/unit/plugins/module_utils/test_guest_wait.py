"""Addresses and readiness waits, on the test driver's guests and a real local TCP server."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _guest_wait as gw

libvirt = pytest.importorskip("libvirt")


def reply(*addrs, mac="52:54:00:aa:bb:cc", ifname="vnet0"):
    return {
        ifname: {"hwaddr": mac.upper(), "addrs": [dict(addr=a, prefix=24, type=0 if "." in a else 1) for a in addrs]}
    }


def test_addresses_skip_loopback_and_link_local():
    found = gw.addresses_from(reply("127.0.0.1", "fe80::1", "10.0.0.5", "2001:db8::5"), "agent")
    assert [(a["address"], a["family"], a["mac"]) for a in found] == [
        ("10.0.0.5", "ipv4", "52:54:00:aa:bb:cc"),
        ("2001:db8::5", "ipv6", "52:54:00:aa:bb:cc"),
    ]


def test_pick_ip_prefers_ipv4_on_the_guests_own_nics():
    found = gw.addresses_from(reply("2001:db8::5", "10.0.0.5"), "lease") + gw.addresses_from(
        reply("172.17.0.1", mac="02:42:00:00:00:01", ifname="docker0"), "agent"
    )
    assert gw.pick_ip(found, macs=["52:54:00:aa:bb:cc"]) == "10.0.0.5"
    assert gw.pick_ip(gw.addresses_from(reply("2001:db8::5"), "lease")) == "2001:db8::5"
    assert gw.pick_ip([]) is None


@pytest.fixture
def server():
    """A TCP server on 127.0.0.1 that greets like sshd (or not, with text b''), ``delay`` seconds
    after each connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    greeting = {"text": b"SSH-2.0-OpenSSH_9.2\r\n", "delay": 0}

    def greet(conn):
        with conn:
            time.sleep(greeting["delay"])
            with contextlib.suppress(OSError):
                conn.sendall(greeting["text"])

    def serve():
        while True:
            try:
                conn = listener.accept()[0]
            except OSError:
                return
            threading.Thread(target=greet, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], greeting
    listener.close()


def test_port_answers_checks_the_ssh_banner(server):
    port, greeting = server
    assert gw.port_answers("127.0.0.1", port, banner=b"SSH-")
    greeting["text"] = b"HTTP/1.1 400\r\n"
    assert not gw.port_answers("127.0.0.1", port, banner=b"SSH-")
    assert gw.port_answers("127.0.0.1", port)


def test_port_answers_false_when_closed():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    assert not gw.port_answers("127.0.0.1", port, timeout=0.5)


def define(conn, nic=True):
    devices = "<interface type='network'><source network='default'/></interface>" if nic else ""
    dom = conn.defineXML(
        "<domain type='qemu'><name>w</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os><devices>%s</devices></domain>" % devices
    )
    dom.create()
    return dom


def test_wait_for_ip_returns_the_lease(test_conn):
    addresses, ip, _port = gw.wait_ready(define(test_conn), "ip", timeout=5)
    assert ip == addresses[0]["address"] and addresses[0]["source"] == "lease"


def test_source_order_is_respected(test_conn):
    addresses, _ip, _port = gw.wait_ready(define(test_conn), "none", timeout=0, sources=("arp", "lease"))
    assert addresses[0]["source"] == "arp"


def test_wait_times_out_saying_what_it_waited_for(test_conn):
    ticks = iter(range(100))
    with pytest.raises(gw.WaitTimeout) as err:
        gw.wait_ready(define(test_conn, nic=False), "ip", timeout=3, clock=lambda: next(ticks), sleep=lambda _s: None)
    assert "no IP address reported by lease, agent, arp within 3s" in str(err.value)


def test_wait_for_ssh_needs_the_banner_at_the_address(test_conn, server, monkeypatch):
    port, greeting = server
    dom = define(test_conn)
    monkeypatch.setattr(
        gw,
        "addresses_from",
        lambda _r, source: [
            dict(interface="lo", mac=None, address="127.0.0.1", prefix=8, family="ipv4", source=source)
        ],
    )
    assert gw.wait_ready(dom, "ssh", timeout=5, ports=[port])[1:] == ("127.0.0.1", port)
    greeting["text"] = b""
    ticks = iter(range(100))
    with pytest.raises(gw.WaitTimeout) as err:
        gw.wait_ready(dom, "ssh", timeout=2, ports=[port], clock=lambda: next(ticks), sleep=lambda _s: None)
    assert "address 127.0.0.1 found, but no SSH server answered on port %d" % port in str(err.value)


def test_wait_for_ssh_returns_the_port_that_answered(test_conn, server, monkeypatch):
    """A bootstrapped guest answers on its new port only; a rerun lists both."""
    port, _greeting = server
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = unused.getsockname()[1]
    monkeypatch.setattr(
        gw, "addresses_from", lambda _r, source: [dict(mac=None, address="127.0.0.1", family="ipv4", source=source)]
    )
    dom = define(test_conn)
    assert gw.wait_ready(dom, "ssh", timeout=5, ports=[closed, port])[2] == port
    assert gw.wait_ready(dom, "ip", timeout=5, ports=[closed, port])[2] == closed
    ticks = iter(range(100))
    with pytest.raises(gw.WaitTimeout) as err:
        gw.wait_ready(dom, "ssh", timeout=2, ports=[closed], clock=lambda: next(ticks), sleep=lambda _s: None)
    assert "no SSH server answered on port %d within 2s" % closed in str(err.value)


def test_wait_for_ssh_waits_for_a_slow_banner_instead_of_reconnecting(test_conn, server, monkeypatch):
    """sshd on a booting TCG guest greets each new connection after more than CONNECT_TIMEOUT:
    a wait that drops the connection after CONNECT_TIMEOUT and reconnects never sees a banner."""
    port, greeting = server
    greeting["delay"] = gw.CONNECT_TIMEOUT + 0.5
    monkeypatch.setattr(
        gw, "addresses_from", lambda _r, source: [dict(mac=None, address="127.0.0.1", family="ipv4", source=source)]
    )
    assert gw.wait_ready(define(test_conn), "ssh", timeout=3 * greeting["delay"], ports=[port])[1] == "127.0.0.1"


class PerSourceDomain:
    """Answers interfaceAddresses differently per source, which the test driver never does."""

    def __init__(self, **replies):
        self.replies = {gw._source_flag(k): v for k, v in replies.items()}

    def interfaceAddresses(self, source, _flags):  # noqa: N802 - libvirt's name
        reply = self.replies[source]
        if isinstance(reply, Exception):
            raise reply
        return reply


def test_first_source_with_ipv4_wins_and_failing_sources_are_skipped():
    dom = PerSourceDomain(
        lease=reply("2001:db8::5"), agent=libvirt.libvirtError("agent not connected"), arp=reply("10.0.0.7")
    )
    assert [a["source"] for a in gw.guest_addresses(dom)] == ["arp"]
    dom = PerSourceDomain(lease=reply("2001:db8::5"), agent={}, arp={})
    assert [a["address"] for a in gw.guest_addresses(dom)] == ["2001:db8::5"]


# --- the serial console in timeout messages -------------------------------------------------


def test_console_tail_keeps_the_last_lines_without_terminal_noise(tmp_path):
    log = tmp_path / "serial.log"
    lines = ["[    0.%06d] line %d" % (i, i) for i in range(30)]
    log.write_bytes(
        ("\r\n".join(lines) + "\r\n\x1b[0;32m  OK  \x1b[0m reached\r\n\r\n").encode()
        + b"Kernel panic - not syncing: VFS: Unable to mount root fs \xff\x07\n"
    )
    tail = gw.console_tail(str(log), lines=3)
    assert tail == (
        "last 3 lines of the serial console (%s):\n[    0.000029] line 29\n  OK   reached\n"
        "Kernel panic - not syncing: VFS: Unable to mount root fs \ufffd" % log
    )


def test_console_tail_says_why_there_is_nothing(tmp_path):
    assert gw.console_tail("").startswith("no serial console log (set serial_log")
    assert gw.console_tail(None).startswith("no serial console log")
    missing = str(tmp_path / "nope.log")
    assert gw.console_tail(missing) == "serial console log %s is not readable here (%s)" % (missing, os.strerror(2))
    (tmp_path / "empty.log").write_bytes(b"\r\n")
    assert "is empty: the guest printed nothing" in gw.console_tail(str(tmp_path / "empty.log"))


def test_console_tail_reads_only_the_end_of_a_big_log(tmp_path):
    log = tmp_path / "serial.log"
    log.write_bytes(b"x" * (3 * 1024 * 1024) + b"\nthe end\n")
    assert gw.console_tail(str(log), lines=1).endswith(":\nthe end")
