"""Host helpers of evaluate_probe, run for real on this machine (no host is changed)."""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _evaluate_host as host

ASK = 'read -s -p "Password: " a; echo; read -s -p "Password: " b; echo'
ASK_TWICE = ASK + '; [ -t 0 ] && echo on-a-tty; echo "got $a $b"; exit 3'


def test_converse_answers_prompts_on_a_controlling_terminal_and_masks_replies():
    rc, transcript = host.converse(["bash", "-c", ASK_TWICE], [(r"Password: $", "s3cret"), (r"Password: $", "other")])
    assert rc == 3
    assert "on-a-tty" in transcript and "got *** ***" in transcript
    assert "s3cret" not in transcript and "\r" not in transcript


def test_converse_stops_at_the_stop_pattern_and_hangs_up():
    loop = 'while true; do read -s -p "New password: " a; echo; echo "BAD PASSWORD: too similar"; done'
    start = time.monotonic()
    rc, transcript = host.converse(["bash", "-c", loop], [(r"password: $", "x")], stop="BAD PASSWORD")
    assert time.monotonic() - start < 5
    assert rc != 0 and "BAD PASSWORD" in transcript


def test_converse_gives_up_after_the_timeout():
    start = time.monotonic()
    rc, transcript = host.converse(["bash", "-c", 'read -p "Name: " n'], [(r"Password: $", "x")], timeout=1)
    assert time.monotonic() - start < 4
    assert rc is None or rc < 0
    assert transcript == "Name: "


def test_run_reports_missing_programs_and_timeouts():
    assert host.run(["no-such-program-b2b"])[0] == 127
    assert host.run(["sleep", "5"], timeout=1)[0] == 124
    rc, stdout, _err = host.run(["sh", "-c", "echo $LC_ALL; command -v sh"])
    assert rc == 0 and stdout.splitlines()[0] == "C"


def test_file_facts_and_log_counting(tmp_path):
    script = tmp_path / "monitoring.sh"
    script.write_text("#!/bin/bash\necho hi\n")
    os.chmod(script, 0o750)
    facts = host.file_facts(str(script))
    assert facts["exists"] and facts["mode"] == "0750" and len(facts["sha256"]) == 64
    assert host.file_facts(str(tmp_path / "missing")) == {"exists": False}
    for session in ("00/00/01", "00/00/02"):
        (tmp_path / session).mkdir(parents=True)
        (tmp_path / session / "log").write_text("x")
    assert host.count_files_named(str(tmp_path), "log") == 2
    assert host.count_files_named(str(tmp_path / "none"), "log") == 0
    assert host.read_text(str(tmp_path / "none")) is None and host.list_dir(str(tmp_path / "none")) is None


def test_read_from_an_offset_and_after_a_rotation(tmp_path):
    log = tmp_path / "sudo.log"
    log.write_text("old line\n")
    size = log.stat().st_size
    with open(log, "a") as handle:
        handle.write("new line\n")
    assert host.read_from(str(log), size) == "new line\n"
    log.write_text("rotated\n")
    assert host.read_from(str(log), size) == "rotated\n"
    assert host.read_from(str(tmp_path / "none"), 0) == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_converse_as_another_user_keeps_the_terminal():
    rc, transcript = host.converse(
        ["sh", "-c", "id -un; [ -t 0 ] && tty >/dev/null && echo tty; echo $HOME"], [], user="nobody"
    )
    assert rc == 0 and transcript.split() == ["nobody", "tty", "/nonexistent"]
