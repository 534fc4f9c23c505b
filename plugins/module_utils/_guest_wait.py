# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest addresses and readiness waits (private API).

``guest_addresses`` asks libvirt for a running guest's addresses, trying the sources in
order (DHCP lease, guest agent, ARP by default) and keeping the first with an IPv4 address.
``wait_ready`` polls until the guest has an address and, for ``ssh``, until one of the TCP
ports answers with an SSH banner. Both are what roles and Molecule create playbooks rely on
through the guest module's ``wait_for`` option.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import time

from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import libvirt

POLL_INTERVAL = 0.25
CONNECT_TIMEOUT = 2.0
CONSOLE_LINES = 20
_CONSOLE_READ = 64 * 1024  # the end of the log is enough for 20 lines
_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


class WaitTimeout(Exception):
    """The guest did not become ready in time; the message says what was last seen."""


def _source_flag(source):
    return {
        "lease": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
        "agent": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
        "arp": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP,
    }[source]


def _usable(address):
    ip = ipaddress.ip_address(address)
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def addresses_from(reply, source):
    """libvirt's interfaceAddresses() reply -> sorted list of address dicts."""
    result = []
    for ifname, info in sorted((reply or {}).items()):
        for addr in info.get("addrs") or []:
            if not _usable(addr["addr"]):
                continue
            family = "ipv4" if addr["type"] == libvirt.VIR_IP_ADDR_TYPE_IPV4 else "ipv6"
            result.append(
                dict(
                    interface=ifname,
                    mac=(info.get("hwaddr") or "").lower() or None,
                    address=addr["addr"],
                    prefix=addr.get("prefix"),
                    family=family,
                    source=source,
                )
            )
    return result


def guest_addresses(dom, sources=("lease", "agent", "arp")):
    """Addresses of a running guest from the first source reporting an IPv4 address, else from
    the first reporting any; [] when none does.

    A source that fails (no agent in the guest, a driver without ARP support) is skipped.
    """
    fallback = []
    for source in sources:
        try:
            found = addresses_from(dom.interfaceAddresses(_source_flag(source), 0), source)
        except libvirt.libvirtError:
            continue
        if any(a["family"] == "ipv4" for a in found):
            return found
        fallback = fallback or found
    return fallback


def pick_ip(addresses, macs=None):
    """The address to connect to: IPv4 first, on the guest's own NICs when ``macs`` is given."""
    own = [a for a in addresses if not macs or a["mac"] in macs] or addresses
    for family in ("ipv4", "ipv6"):
        for addr in own:
            if addr["family"] == family:
                return addr["address"]
    return None


def port_answers(host, port, banner=None, timeout=CONNECT_TIMEOUT, banner_timeout=None):
    """True when a TCP connection to host:port succeeds (and, with ``banner``, starts with it).

    ``banner_timeout`` (default ``timeout``) is how long a connected socket may take to greet:
    sshd on a guest still booting (or emulated) can take seconds, and giving up on it only
    starts the same wait again on a new connection.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if banner is None:
                return True
            sock.settimeout(timeout if banner_timeout is None else banner_timeout)
            return sock.recv(len(banner)).startswith(banner)
    except OSError:
        return False


def wait_ready(
    dom,
    wait_for,
    timeout,
    sources=("lease", "agent", "arp"),
    ports=(22,),
    macs=None,
    clock=time.monotonic,
    sleep=time.sleep,
):
    """Wait until the guest is ready; return (addresses, ip, port). ``wait_for``: none, ip or ssh.

    ``ports`` are tried in order (a guest whose SSH port a role moved answers on a later one);
    ``port`` is the one that answered, else the first. ``none`` returns whatever addresses
    libvirt reports right now without waiting. Raise WaitTimeout after ``timeout`` seconds,
    saying what was reached.
    """
    deadline = clock() + timeout
    addresses = guest_addresses(dom, sources)
    if wait_for == "none":
        return addresses, pick_ip(addresses, macs), ports[0]
    while not pick_ip(addresses, macs):
        if clock() >= deadline:
            raise WaitTimeout("no IP address reported by %s within %ss" % (", ".join(sources), timeout))
        sleep(POLL_INTERVAL)
        addresses = guest_addresses(dom, sources)
    ip = pick_ip(addresses, macs)
    if wait_for != "ssh":
        return addresses, ip, ports[0]
    while True:
        for port in ports:
            if port_answers(ip, port, banner=b"SSH-", banner_timeout=max(CONNECT_TIMEOUT, deadline - clock())):
                return addresses, ip, port
        if clock() >= deadline:
            raise WaitTimeout(
                "address %s found, but no SSH server answered on port %s within %ss"
                % (ip, " or ".join(map(str, ports)), timeout)
            )
        sleep(POLL_INTERVAL)


def console_tail(path, lines=CONSOLE_LINES):
    """The last ``lines`` non-empty lines of a guest's serial console log, cleaned of terminal
    escapes and control characters, as one str; or a sentence saying why there are none."""
    if not path:
        return "no serial console log (set serial_log to see the guest's console in this message)"
    try:
        with open(path, "rb") as stream:
            stream.seek(max(0, os.fstat(stream.fileno()).st_size - _CONSOLE_READ))
            data = stream.read()
    except OSError as exc:
        return "serial console log %s is not readable here (%s)" % (path, exc.strerror or exc)
    text = _CONTROL.sub("", _ESCAPES.sub("", data.decode("utf-8", "replace").replace("\r", "\n")))
    kept = [line.rstrip() for line in text.split("\n") if line.strip()][-lines:]
    if not kept:
        return "serial console log %s is empty: the guest printed nothing on its serial console" % path
    return "last %d lines of the serial console (%s):\n%s" % (len(kept), path, "\n".join(kept))
