#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: evaluate_report
short_description: Judge the evidence of a Born2beRoot evaluation and write the report
version_added: 0.1.0
description:
  - Part of the R(born2beroot.virt.evaluate,ansible_collections.born2beroot.virt.evaluate_role) role; run it
    on the controller (with C(delegate_to) V(localhost)).
  - Judges the evidence of M(born2beroot.virt.evaluate_probe) and M(born2beroot.virt.evaluate_ssh) against the
    baseline in O(expect), check by check (pass, fail or skip, with the reason and the evidence), and writes
    C(<host>.json), C(<host>.md) and C(<host>.html) into O(dest).
  - A check passes only when every part of it was observed; it is skipped when nothing observed was wrong but
    some part could not be observed (no password given, exercises off, check mode); otherwise it fails.
  - The module itself does not fail when checks fail; the role decides that.
options:
  evidence:
    description: The merged evidence of the probes.
    type: dict
    required: true
  expect:
    description: The baseline, as the role builds it from its C(evaluate_*) variables.
    type: dict
    required: true
  host:
    description: Name of the evaluated host (the report's file names).
    type: str
    required: true
  dest:
    description: Directory of the report files (created if missing). Omitted, no file is written.
    type: path
  formats:
    description: Which files to write.
    type: list
    elements: str
    choices: [json, markdown, html]
    default: [json, markdown, html]
  include_evidence:
    description: Also put the raw O(evidence) into the JSON file (large; sudoers and other files in full).
    type: bool
    default: false
extends_documentation_fragment:
  - born2beroot.virt.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A rerun that reaches the same verdicts (each check's status and reason) as the JSON report in
        O(dest) leaves the files as they are and reports no change; the files then keep the time and the
        evidence of the run that wrote them. The returned RV(checks) always hold this run's evidence.
      - Without C(json) in O(formats), or with a report file missing, the files are written at every run.
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: Judge and write the report
  born2beroot.virt.evaluate_report:
    evidence: "{{ __evaluate_evidence }}"
    expect: "{{ __evaluate_expect }}"
    host: "{{ inventory_hostname }}"
    dest: "{{ playbook_dir }}/evaluate-report"
  delegate_to: localhost
  become: false
  register: judged
"""

RETURN = r"""
checks:
  description: One entry per check of the baseline, in a fixed order.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: Stable identifier (for example C(ssh_port))., type: str, returned: always}
    title: {description: What is checked., type: str, returned: always}
    status: {description: "V(pass), V(fail) or V(skip).", type: str, returned: always}
    reason: {description: Why it failed or was skipped (empty when it passed)., type: str, returned: always}
    evidence:
      description: What was seen, one line each; requirements start with C(ok:) or C(WRONG:).
      type: list
      returned: always
  sample:
    - id: ssh_port
      title: SSH listens only on port 4242
      status: fail
      reason: "sshd -T ports: 22, 4242, wanted only 4242"
      evidence: ["WRONG: sshd -T ports: 22, 4242, wanted only 4242"]
summary:
  description: Counts, the ids of failed checks, and the line C(N passed, N failed, N skipped).
  returned: always
  type: dict
  sample: {passed: 26, failed: 1, skipped: 2, line: "26 passed, 1 failed, 2 skipped", failed_ids: [ssh_port]}
files:
  description: The report files, written or kept as they were (or that would be written, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/tmp/report/marvin42.json, /tmp/report/marvin42.md, /tmp/report/marvin42.html]
"""

import datetime
import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils._evaluate_checks import judge, summarize
from ansible_collections.born2beroot.virt.plugins.module_utils._evaluate_report import (
    render_html,
    render_json,
    render_markdown,
)

RENDERERS = {"json": (".json", render_json), "markdown": (".md", render_markdown), "html": (".html", render_html)}


def write(module, path, content):
    """Write ``content`` to ``path`` atomically; True when the file changed."""
    try:
        with open(path) as handle:
            if handle.read() == content:
                return False
    except OSError:
        pass
    if module.check_mode:
        return True
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".evaluate-")
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    os.chmod(tmp, 0o644)
    module.atomic_move(tmp, path)
    return True


def verdicts(report):
    """What a report concludes, without the evidence (which holds times, loads and counters)."""
    checks = [(c.get("id"), c.get("status"), c.get("reason")) for c in report.get("checks") or []]
    return report.get("host"), report.get("login"), report.get("os"), checks


def same_verdicts_on_file(paths, report):
    """True when every file of ``paths`` (format -> path) exists and the JSON one reaches the same
    verdicts as ``report``."""
    if "json" not in paths or not all(os.path.isfile(path) for path in paths.values()):
        return False
    try:
        with open(paths["json"]) as handle:
            saved = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(saved, dict) and verdicts(saved) == verdicts(report)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            evidence=dict(type="dict", required=True),
            expect=dict(type="dict", required=True),
            host=dict(type="str", required=True),
            dest=dict(type="path"),
            formats=dict(type="list", elements="str", choices=list(RENDERERS), default=list(RENDERERS)),
            include_evidence=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    checks = judge(p["evidence"], p["expect"])
    summary = summarize(checks)
    os_name = ((p["evidence"].get("os") or {}).get("pretty_name")) or "unknown OS"
    report = {
        "host": p["host"],
        "login": p["expect"].get("login"),
        "os": os_name,
        "generated": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "summary": summary,
        "checks": checks,
    }
    dest = p["dest"]
    paths = {name: os.path.join(dest, p["host"] + RENDERERS[name][0]) for name in p["formats"]} if dest else {}
    changed = False
    if paths and not same_verdicts_on_file(paths, report):
        if not os.path.isdir(dest) and not module.check_mode:
            os.makedirs(dest)
        for name, path in paths.items():
            render = RENDERERS[name][1]
            content = render(
                dict(report, evidence=p["evidence"]) if name == "json" and p["include_evidence"] else report
            )
            changed = write(module, path, content) or changed
    files = list(paths.values())
    module.exit_json(changed=changed, checks=checks, summary=summary, files=files)


if __name__ == "__main__":
    main()
