"""The console watcher on a recorded Debian boot transcript, and the unlock loop's decisions."""

from __future__ import annotations

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _console

PASS = "Lab disk 42: correct horse"
BOOT = (
    b"[    2.511871] virtio_blk virtio1: [vda] 16777216 512-byte logical blocks\r\n"
    b"Begin: Loading essential drivers ... done.\r\n"
    b"Please unlock disk vda5_crypt: "
)
UNLOCKED = (
    b"\r\ncryptsetup: vda5_crypt: set up successfully\r\ndone.\r\nBegin: Running /scripts/local-premount ... done.\r\n"
)
REFUSED = (
    b"\r\ncryptsetup: ERROR: vda5_crypt: cryptsetup failed, bad password or options?\r\nPlease unlock disk vda5_crypt: "
)


def test_prompt_split_across_reads_is_found_once():
    watcher = _console.ConsoleWatcher()
    events = []
    for i in range(0, len(BOOT), 7):
        events += watcher.feed(BOOT[i : i + 7])
    assert events == [("prompt", "Please unlock disk vda5_crypt")]
    assert watcher.feed(UNLOCKED) == [("unlocked", "set up successfully")]


def test_systemd_prompt_and_login_prompt():
    watcher = _console.ConsoleWatcher()
    assert watcher.feed(b"Please enter passphrase for disk QEMU (luks-1234): ") == [
        ("prompt", "Please enter passphrase for disk QEMU (luks-1234)")
    ]
    assert watcher.feed(b"\r\nDebian GNU/Linux 12 debian ttyS0\r\n\r\ndebian login: ") == [("booted", "login")]


def test_the_passphrase_never_reaches_the_tail():
    watcher = _console.ConsoleWatcher(secret=PASS)
    watcher.feed(b"echoed " + PASS.encode() + b"\r\nand a partial " + PASS.encode())
    assert all(PASS not in line for line in watcher.tail())
    assert watcher.tail() == ["echoed ********", "and a partial ********"]


class Transcript:
    """A console that replays recorded output, one chunk per read, and records what was typed."""

    def __init__(self, *chunks):
        self.chunks, self.typed = list(chunks), []

    def read(self):
        return self.chunks.pop(0) if self.chunks else b""

    def write(self, data):
        self.typed.append(data)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def unlock(console, timeout=60, booted=lambda: False):
    clock = Clock()
    watcher = _console.ConsoleWatcher(secret=PASS)
    return _console.unlock(console, watcher, PASS, timeout, booted, clock=clock, sleep=clock.sleep)


def test_types_the_passphrase_once_and_reports_success():
    console = Transcript(BOOT, b"", UNLOCKED)
    outcome = unlock(console)
    assert console.typed == [PASS.encode() + b"\n"]
    assert outcome["unlocked"] and outcome["prompt"] == "Please unlock disk vda5_crypt" and not outcome["already"]


def test_a_second_prompt_means_refused_and_is_not_answered():
    console = Transcript(BOOT, REFUSED)
    with pytest.raises(_console.UnlockError, match="refused") as info:
        unlock(console)
    assert console.typed == [PASS.encode() + b"\n"]
    assert info.value.facts["console"][-1] == "Please unlock disk vda5_crypt:"


def test_an_answering_agent_means_already_unlocked():
    console = Transcript()
    outcome = unlock(console, booted=lambda: True)
    assert outcome["already"] and not outcome["unlocked"] and console.typed == []


def test_no_prompt_times_out_and_says_why():
    with pytest.raises(_console.UnlockError, match="no passphrase prompt on the console within 5s"):
        unlock(Transcript(b"Begin: Loading essential drivers\r\n"), timeout=5)


def test_a_running_guest_is_nudged_once_to_show_its_prompt_again():
    class Silent(Transcript):
        def read(self):
            return b"\r\ndebian login: " if self.typed == [b"\n"] else b""

    console = Silent()
    clock = Clock()
    outcome = _console.unlock(
        console, _console.ConsoleWatcher(), PASS, 60, lambda: False, nudge=True, clock=clock, sleep=clock.sleep
    )
    assert outcome["already"] and console.typed == [b"\n"]


def test_a_guest_started_by_the_module_is_not_nudged():
    console = Transcript()
    with pytest.raises(_console.UnlockError):
        unlock(console, timeout=10)
    assert console.typed == []
