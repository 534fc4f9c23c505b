# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evaluation report as JSON, Markdown and HTML (private API). Pure functions of one dict.

``report``: {'host', 'login', 'os', 'generated', 'summary': {..., 'line'}, 'checks': [...]}, as
built by the evaluate_report module.
"""

from __future__ import annotations

import html
import json

STATUS_WORD = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _cell(text):
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text or "").split()).replace("\\", "\\\\").replace("|", "\\|")


def render_markdown(report):
    lines = [
        "# Born2beRoot evaluation of %s" % _cell(report["host"]),
        "",
        "%s · login `%s` · %s" % (_cell(report.get("generated")), _cell(report.get("login")), _cell(report.get("os"))),
        "",
        "**%s**" % report["summary"]["line"],
        "",
        "| Check | Status | Why |",
        "|---|---|---|",
    ]
    for check in report["checks"]:
        lines.append(
            "| %s (`%s`) | %s | %s |"
            % (_cell(check["title"]), check["id"], STATUS_WORD[check["status"]], _cell(check["reason"]))
        )
    lines += ["", "## Evidence", ""]
    for check in report["checks"]:
        lines += ["### %s `%s`: %s" % (STATUS_WORD[check["status"]], check["id"], _cell(check["title"])), "", "```text"]
        lines += [str(line).replace("```", "'''") for line in check["evidence"]] or ["(none)"]
        lines += ["```", ""]
    return "\n".join(lines)


_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
.pass, .fail, .skip { font-weight: bold; }
.pass { color: #1a7f37; } .fail { color: #cf222e; } .skip { color: #9a6700; }
pre { background: #f6f8fa; padding: 0.5em; white-space: pre-wrap; }
""".strip()


def render_html(report):
    esc = html.escape
    rows = []
    for check in report["checks"]:
        rows.append(
            '<tr><td>%s <code>%s</code></td><td class="%s">%s</td><td>%s</td></tr>'
            % (
                esc(check["title"]),
                esc(check["id"]),
                check["status"],
                STATUS_WORD[check["status"]],
                esc(check["reason"]),
            )
        )
    details = []
    for check in report["checks"]:
        details.append(
            '<details%s><summary><span class="%s">%s</span> <code>%s</code> %s</summary><pre>%s</pre></details>'
            % (
                " open" if check["status"] == "fail" else "",
                check["status"],
                STATUS_WORD[check["status"]],
                esc(check["id"]),
                esc(check["title"]),
                esc("\n".join(map(str, check["evidence"])) or "(none)"),
            )
        )
    title = "Born2beRoot evaluation of %s" % report["host"]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head><body>'
            % (esc(title), _STYLE),
            "<h1>%s</h1>" % esc(title),
            "<p>%s · login <code>%s</code> · %s</p>"
            % (esc(str(report.get("generated"))), esc(str(report.get("login"))), esc(str(report.get("os")))),
            '<p id="summary"><strong>%s</strong></p>' % esc(report["summary"]["line"]),
            "<table><thead><tr><th>Check</th><th>Status</th><th>Why</th></tr></thead><tbody>",
            "\n".join(rows),
            "</tbody></table>",
            "<h2>Evidence</h2>",
            "\n".join(details),
            "</body></html>",
            "",
        ]
    )
