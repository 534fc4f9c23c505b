"""The report renderers: every check, the summary line, and text escaped for each format."""

from __future__ import annotations

import json

from ansible_collections.born2beroot.virt.plugins.module_utils._evaluate_report import (
    render_html,
    render_json,
    render_markdown,
)

EVIL = {
    "id": "ssh_port",
    "title": "SSH <b>port</b> | 4242",
    "status": "fail",
    "reason": "sshd -T ports: 22 | 4242\nnext",
    "evidence": ["WRONG: <script>x</script>", "```"],
}
REPORT = {
    "host": "marvin42",
    "login": "marvin",
    "os": "Debian GNU/Linux 12 (bookworm)",
    "generated": "2026-11-28 03:00:00 UTC",
    "summary": {"passed": 1, "failed": 1, "skipped": 1, "line": "1 passed, 1 failed, 1 skipped"},
    "checks": [
        {
            "id": "os",
            "title": "Operating system is Debian or Rocky",
            "status": "pass",
            "reason": "",
            "evidence": ["ok: Debian"],
        },
        EVIL,
        {
            "id": "partitions",
            "title": "At least two encrypted LVM partitions",
            "status": "skip",
            "reason": "evaluate_disk_layout is none",
            "evidence": [],
        },
    ],
}


def test_json_round_trips():
    assert json.loads(render_json(REPORT)) == REPORT


def test_markdown_has_the_summary_a_row_per_check_and_escaped_cells():
    text = render_markdown(REPORT)
    assert "**1 passed, 1 failed, 1 skipped**" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == 3
    assert "| SSH <b>port</b> \\| 4242 (`ssh_port`) | FAIL | sshd -T ports: 22 \\| 4242 next |" in rows
    assert text.count("```text") == 3 and "'''" in text  # a fence inside the evidence cannot close the block
    assert "(none)" in text


def test_html_escapes_everything_and_opens_failed_checks():
    text = render_html(REPORT)
    assert "<script>" not in text and "&lt;script&gt;" in text and "SSH &lt;b&gt;port&lt;/b&gt;" in text
    assert '<p id="summary"><strong>1 passed, 1 failed, 1 skipped</strong></p>' in text
    assert text.count("<details open>") == 1 and text.count("<details>") == 2
    assert text.count('<td class="fail">FAIL</td>') == 1
