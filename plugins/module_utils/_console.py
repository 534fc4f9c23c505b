# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Type a disk passphrase on a guest's serial console, as a person at the console would
(private API).

``ConsoleWatcher`` is pure: it is fed the console's bytes and says when the passphrase prompt
appears, when the disk was unlocked and when the guest is already past its initramfs.
``unlock()`` drives it from libvirt's console stream (``virDomain.openConsole``).
"""

from __future__ import annotations

import json
import re
import threading
import time

from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import LibvirtError, error_message, libvirt

try:
    import libvirt_qemu
except ImportError:
    libvirt_qemu = None

# Debian's cryptroot (askpass) and systemd-cryptsetup (Rocky, dracut) prompts.
DEFAULT_PROMPT = r"Please unlock disk [^\r\n:]+:|Please enter passphrase for disk [^\r\n]+:"
# Debian's cryptroot and systemd's messages once the container is open.
DEFAULT_SUCCESS = r"set up successfully|Finished .*Cryptography Setup"
# A login prompt or the guest agent answering: the guest is already past its initramfs.
DEFAULT_BOOTED = r"login: "
TAIL_LINES = 30
NUDGE_AFTER = 3
POLL = 0.05


class UnlockError(LibvirtError):
    """Unlocking failed; ``facts`` carries the console tail for the failure result."""

    def __init__(self, message, console=None):
        super().__init__(message)
        self.facts = dict(console=console or [])


class ConsoleWatcher:
    """Reads the console text; ``feed()`` returns events: ('prompt', text), ('unlocked', text) or
    ('booted', text). The passphrase is never part of what it keeps (askpass does not echo it;
    ``secret`` is removed from the tail all the same)."""

    def __init__(self, prompt=DEFAULT_PROMPT, success=DEFAULT_SUCCESS, booted=DEFAULT_BOOTED, secret=None):
        self._patterns = (
            ("prompt", re.compile(prompt)),
            ("unlocked", re.compile(success)),
            ("booted", re.compile(booted)),
        )
        self._secret = secret
        self._pending = ""
        self._lines = []

    def feed(self, data):
        text = self._pending + data.decode("utf-8", "replace")
        events = []
        while True:
            found = [
                (m.start(), m.end(), kind, m.group(0)) for kind, rx in self._patterns for m in [rx.search(text)] if m
            ]
            if not found:
                break
            start, end, kind, matched = min(found)
            events.append((kind, matched.strip().rstrip(":").rstrip()))
            self._keep(text[:end])
            text = text[end:]
        # Keep a partial last line so a prompt split across two reads is still matched.
        head, sep, tail = text.rpartition("\n")
        self._keep(head + sep)
        self._pending = tail[-4096:]
        return events

    def _scrub(self, text):
        return text.replace(self._secret, "********") if self._secret else text

    def _keep(self, text):
        self._lines.extend(line.rstrip("\r") for line in self._scrub(text).splitlines() if line.strip())
        del self._lines[:-TAIL_LINES]

    def tail(self):
        """The last console lines (at most TAIL_LINES), for the task result."""
        partial = [self._scrub(self._pending).rstrip("\r")] if self._pending.strip() else []
        return (self._lines + partial)[-TAIL_LINES:]


def agent_answers(dom):
    """True when the QEMU guest agent answers a ping: the guest runs its real root file system."""
    if libvirt_qemu is None:
        return False
    try:
        reply = libvirt_qemu.qemuAgentCommand(dom, json.dumps({"execute": "guest-ping"}), 2, 0)
    except libvirt.libvirtError:
        return False
    return "return" in json.loads(reply or "{}")


def _run_events():
    while True:
        libvirt.virEventRunDefaultImpl()


def start_event_loop():
    """libvirt streams need an event loop; register it before the connection is opened."""
    libvirt.virEventRegisterDefaultImpl()
    threading.Thread(target=_run_events, name="libvirt-events", daemon=True).start()


class Console:
    """The guest's first console over libvirt's stream, read without blocking."""

    def __init__(self, conn, dom, force=False):
        self.stream = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
        flags = libvirt.VIR_DOMAIN_CONSOLE_FORCE if force else libvirt.VIR_DOMAIN_CONSOLE_SAFE
        try:
            dom.openConsole(None, self.stream, flags)
        except libvirt.libvirtError as exc:
            raise LibvirtError(
                "cannot open the serial console of %s: %s (the guest needs a pty console: serial_log '';"
                " another session holding it needs force: true)" % (dom.name(), error_message(exc))
            ) from exc

    def read(self):
        data = self.stream.recv(65536)
        if data == -2:
            return b""
        if data in (-1, b"") or data is None:
            raise LibvirtError("the console stream closed (the guest stopped?)")
        return data

    def write(self, data):
        while data:
            sent = self.stream.send(data)
            if sent == -2:
                time.sleep(POLL)
                continue
            data = data[sent:]

    def close(self):
        try:
            self.stream.finish()
        except libvirt.libvirtError:
            self.stream.abort()


def unlock(console, watcher, passphrase, timeout, probe_booted, nudge=False, clock=time.monotonic, sleep=time.sleep):
    """Wait for the prompt, type the passphrase, wait for success. Return a dict: unlocked (typed
    and accepted), already (the guest was past its initramfs), prompt, prompt_after, unlocked_after.

    ``nudge``: the guest was running before the console was opened, so its prompt (or login prompt)
    may have been printed already; after NUDGE_AFTER seconds of silence one Enter makes the console
    print it again (at a passphrase prompt that is one empty, refused attempt)."""
    started = clock()
    deadline = started + timeout
    prompt, prompt_after, next_probe = None, None, started
    nudge_at = started + NUDGE_AFTER if nudge else None
    while clock() < deadline:
        for kind, text in watcher.feed(console.read()):
            if kind == "prompt":
                if prompt is not None:
                    raise UnlockError("the passphrase was refused at %r" % text, watcher.tail())
                prompt, prompt_after = text, round(clock() - started, 1)
                sleep(0.3)  # askpass turns echo off right after printing the prompt
                console.write(passphrase.encode() + b"\n")
                deadline = clock() + timeout
            elif kind == "unlocked" and prompt is not None:
                return dict(
                    unlocked=True,
                    already=False,
                    prompt=prompt,
                    prompt_after=prompt_after,
                    unlocked_after=round(clock() - started, 1),
                )
            elif kind == "booted" and prompt is None:
                return dict(unlocked=False, already=True, prompt=None, prompt_after=None, unlocked_after=None)
        if nudge_at is not None and prompt is None and clock() >= nudge_at:
            console.write(b"\n")
            nudge_at = None
        if prompt is None and clock() >= next_probe:
            if probe_booted():
                return dict(unlocked=False, already=True, prompt=None, prompt_after=None, unlocked_after=None)
            next_probe = clock() + 2
        sleep(POLL)
    what = "no sign that the disk was unlocked after typing the passphrase" if prompt else "no passphrase prompt"
    raise UnlockError(
        "%s on the console within %ss" % (what, timeout),
        watcher.tail(),
    )
