"""The evaluate modules run in-process: evaluate_report writes its files, evaluate_ssh probes a fake
server, evaluate_probe reads this machine (never changes it) and refuses to exercise in check mode."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "module_utils"))
from test_evaluate_checks import EXPECT, break_passwd_tries, good_evidence  # noqa: E402

from ansible_collections.born2beroot.virt.plugins.module_utils._evaluate_checks import judge  # noqa: E402
from ansible_collections.born2beroot.virt.plugins.modules import evaluate_probe, evaluate_report, evaluate_ssh  # noqa: E402


def test_writes_json_markdown_and_html(run, tmp_path):
    ev = good_evidence()
    break_passwd_tries(ev)
    result = run(evaluate_report, dict(evidence=ev, expect=EXPECT, host="marvin42", dest=str(tmp_path / "report")))
    assert not result.failed and result["changed"] is True
    assert result["summary"]["failed_ids"] == ["sudo_passwd_tries"]
    assert sorted(os.listdir(tmp_path / "report")) == ["marvin42.html", "marvin42.json", "marvin42.md"]
    saved = json.loads((tmp_path / "report" / "marvin42.json").read_text())
    assert saved["summary"]["line"] == result["summary"]["line"] and "evidence" not in saved
    assert "passwd_tries is not set in sudoers" in (tmp_path / "report" / "marvin42.md").read_text()


def test_same_verdicts_again_keep_the_files_and_change_nothing(run, tmp_path):
    args = dict(evidence=good_evidence(), expect=EXPECT, host="h", dest=str(tmp_path))
    assert run(evaluate_report, args)["changed"] is True
    saved = json.loads((tmp_path / "h.json").read_text())
    saved["generated"] = "2026-01-01 00:00:00 UTC"  # written long ago; this run's time differs
    (tmp_path / "h.json").write_text(json.dumps(saved))
    first = {name: (tmp_path / name).read_text() for name in ("h.json", "h.md", "h.html")}
    again = run(evaluate_report, args)
    assert again["changed"] is False and again["files"] == [str(tmp_path / n) for n in ("h.json", "h.md", "h.html")]
    assert {name: (tmp_path / name).read_text() for name in first} == first
    (tmp_path / "h.html").unlink()
    assert run(evaluate_report, args)["changed"] is True and (tmp_path / "h.html").is_file()
    ev = good_evidence()
    break_passwd_tries(ev)
    changed = run(evaluate_report, dict(args, evidence=ev))
    assert changed["changed"] is True
    assert json.loads((tmp_path / "h.json").read_text())["summary"]["failed_ids"] == ["sudo_passwd_tries"]


def test_check_mode_writes_nothing(run, tmp_path):
    result = run(
        evaluate_report,
        dict(evidence=good_evidence(), expect=EXPECT, host="h", dest=str(tmp_path / "r")),
        check_mode=True,
    )
    assert result["changed"] is True and result["files"] == [
        str(tmp_path / "r" / "h.json"),
        str(tmp_path / "r" / "h.md"),
        str(tmp_path / "r" / "h.html"),
    ]
    assert not (tmp_path / "r").exists()


def test_raw_evidence_only_on_request_and_no_dest_no_files(run, tmp_path):
    result = run(
        evaluate_report,
        dict(
            evidence=good_evidence(),
            expect=EXPECT,
            host="h",
            dest=str(tmp_path),
            formats=["json"],
            include_evidence=True,
        ),
    )
    assert json.loads((tmp_path / "h.json").read_text())["evidence"]["os"]["id"] == "debian"
    assert result["files"] == [str(tmp_path / "h.json")]
    assert run(evaluate_report, dict(evidence=good_evidence(), expect=EXPECT, host="h"))["files"] == []


def start_fake_sshd(delay=0.0):
    """A TCP server on a free local port that greets like sshd (after ``delay`` seconds) and closes:
    logins fail there. Returns (port, server socket)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def greet(conn):
        with conn:
            time.sleep(delay)
            with contextlib.suppress(OSError):
                conn.sendall(b"SSH-2.0-FakeSSH_1.0\r\n")

    def serve():
        while True:
            try:
                conn, _addr = server.accept()
            except OSError:
                return
            threading.Thread(target=greet, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1], server


@pytest.fixture
def fake_sshd():
    port, server = start_fake_sshd()
    yield port
    server.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ssh_reads_banners_and_reports_refused_logins(run, fake_sshd, tmp_path):
    closed = free_port()
    key = tmp_path / "id"
    key.write_text("not a key\n")
    args = dict(
        host="127.0.0.1",
        port=fake_sshd,
        closed_ports=[closed],
        login="marvin",
        password="pw1",
        root_password="pw2",
        identity_file=str(key),
        timeout=5,
    )
    result = run(evaluate_ssh, args)
    ports = result["evidence"]["ports"]
    assert ports[str(fake_sshd)]["banner"] == "SSH-2.0-FakeSSH_1.0"
    assert ports[str(closed)] == {"open": False, "banner": "", "error": "Connection refused"}
    assert [a["method"] for a in result["evidence"]["user"]] == ["password", "key"]
    assert not any(a["accepted"] for a in result["evidence"]["user"] + result["evidence"]["root"])
    assert "pw1" not in json.dumps(result) and "pw2" not in json.dumps(result)


def test_ssh_waits_the_whole_timeout_for_a_late_banner(run, monkeypatch):
    """A loaded emulated guest accepts at once but greets late; only connecting is capped short."""
    monkeypatch.setattr(evaluate_ssh, "CONNECT_TIMEOUT", 0.5)
    port, server = start_fake_sshd(delay=1.0)
    try:
        result = run(evaluate_ssh, dict(host="127.0.0.1", port=port, closed_ports=[], login="marvin", timeout=5))
    finally:
        server.close()
    assert result["evidence"]["ports"][str(port)]["banner"] == "SSH-2.0-FakeSSH_1.0"


def test_ssh_without_credentials_tries_no_login(run, fake_sshd):
    result = run(evaluate_ssh, dict(host="127.0.0.1", port=fake_sshd, closed_ports=[], login="marvin", timeout=5))
    assert result["evidence"]["user"] == [] and result["evidence"]["root"] == []


PLATFORM = {
    "package_manager": "dpkg",
    "gui_packages": ["gdm3"],
    "firewall": "ufw",
    "mac": "apparmor",
    "cron_service": "cron",
    "pam_password_file": "/etc/pam.d/common-password",
}
PROBE = dict(
    login="b2b-nobody", platform=PLATFORM, expect=EXPECT, test_user="b2b-eval-test", test_group="b2b-evaluating"
)


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/etc/debian_version"), reason="reads a Debian machine as root"
)
def test_probe_inspect_reads_a_machine_without_the_baseline_and_the_judge_fails_it(run):
    result = run(evaluate_probe, dict(PROBE, phase="inspect"))
    assert not result.failed and result["changed"] is False
    assert result["state"]["test_user_exists"] is False and result["evidence"]["login"] == {
        "exists": False,
        "groups": [],
    }
    checks = {c["id"]: c for c in judge(dict(result["evidence"], state=result["state"]), EXPECT)}
    assert checks["login_groups"]["status"] == "fail" and checks["hostname"]["status"] == "fail"
    assert checks["os"]["status"] == "pass"


@pytest.mark.skipif(os.geteuid() != 0, reason="the module refuses to run as a normal user")
def test_probe_exercise_and_restore_do_nothing_in_check_mode(run):
    for phase in ("exercise", "restore"):
        result = run(evaluate_probe, dict(PROBE, phase=phase, state={"hostname": "x"}), check_mode=True)
        assert result["changed"] is False and result["evidence"] == {} and "check mode" in result["skipped_reason"]


def test_probe_exercise_needs_the_snapshot(run):
    result = run(evaluate_probe, dict(PROBE, phase="exercise"))
    assert result.failed and "state" in result["msg"]
