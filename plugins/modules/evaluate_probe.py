#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: evaluate_probe
short_description: Gather the evidence of a Born2beRoot evaluation on the host, exercising it like an examiner
version_added: 0.1.0
description:
  - The host side of the R(born2beroot.virt.evaluate,ansible_collections.born2beroot.virt.evaluate_role) role;
    it returns raw evidence, which M(born2beroot.virt.evaluate_report) judges on the controller.
  - O(phase=inspect) only reads (configuration, state, the output of C(monitoring.sh)) and returns a
    snapshot of what the exercises may touch (accounts, groups, hostname, firewall rules, cron, the script).
  - O(phase=exercise) does what an examiner does at the keyboard, on a terminal where needed - sudo with the
    right and with wrong passwords, with and without a terminal; a test user and group with a compliant and
    with weak passwords; a temporary firewall rule; stopping and starting cron; a temporary hostname.
    Each exercise removes its own objects before it ends, even when it fails.
  - O(phase=restore) removes whatever an interrupted exercise left, by comparing with the snapshot of
    O(state), and takes the snapshot again.
  - Must run as root.
options:
  phase:
    description: What to do.
    type: str
    choices: [inspect, exercise, restore]
    required: true
  login:
    description: The evaluated account.
    type: str
    required: true
  user_password:
    description: Password of O(login), for sudo with the right password. Empty skips those exercises.
    type: str
    default: ""
  platform:
    description:
      - What differs between OS families. Keys C(package_manager) (V(dpkg) or V(rpm)), C(gui_packages),
        C(firewall) (V(ufw) or V(firewalld)), C(mac) (V(apparmor) or V(selinux)), C(cron_service) and
        C(pam_password_file).
    type: dict
    required: true
  expect:
    description:
      - The baseline, as the role builds it. This module reads C(sudo_logfile), C(sudo_log_dir),
        C(monitoring_script) and C(pwquality) (the policy the test passwords are made for).
    type: dict
    required: true
  test_user:
    description: Name of the temporary test user. An existing account of that name is never touched.
    type: str
    default: evaluator
  test_group:
    description: Name of the temporary group the test user joins.
    type: str
    default: evaluating
  temp_hostname:
    description: The hostname set for a moment during O(phase=exercise).
    type: str
    default: evaluating42
  temp_port:
    description: The port of the temporary firewall rule, as C(port/proto).
    type: str
    default: 8080/tcp
  keep_hostname:
    description: Leave O(temp_hostname) in place after O(phase=exercise), for a reboot before O(phase=restore).
    type: bool
    default: false
  state:
    description: The RV(state) returned by O(phase=inspect); required by O(phase=exercise) and O(phase=restore).
    type: dict
extends_documentation_fragment:
  - born2beroot.virt.attributes
attributes:
  check_mode:
    support: partial
    details: O(phase=inspect) runs normally in check mode; the other phases do nothing there.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - The exercises undo what they create.
      - O(phase=restore) reports a change only when it had to remove leftovers.
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: Read the host
  born2beroot.virt.evaluate_probe:
    phase: inspect
    login: marvin
    platform: "{{ __evaluate_platform }}"
    expect: "{{ __evaluate_expect }}"
  register: inspected

- name: Exercise it, and always clean up
  block:
    - name: Exercise
      born2beroot.virt.evaluate_probe:
        phase: exercise
        login: marvin
        user_password: "{{ vault_marvin_password }}"
        platform: "{{ __evaluate_platform }}"
        expect: "{{ __evaluate_expect }}"
        state: "{{ inspected.state }}"
  always:
    - name: Restore
      born2beroot.virt.evaluate_probe:
        phase: restore
        login: marvin
        platform: "{{ __evaluate_platform }}"
        expect: "{{ __evaluate_expect }}"
        state: "{{ inspected.state }}"
"""

RETURN = r"""
evidence:
  description:
    - Raw evidence, keyed by subject (C(os), C(sudo), C(sshd), C(firewall), ... for O(phase=inspect);
      C(x_sudo), C(x_user), C(x_firewall), C(x_cron), C(x_hostname) for O(phase=exercise);
      C(restore) and C(after) for O(phase=restore)). Passwords typed into programs are masked as C(***).
  returned: always
  type: dict
  sample: {sshd: {rc: 0, effective: "port 4242\npermitrootlogin no\n", error: "", listening: ""}}
state:
  description: Snapshot of accounts, groups, hostname, firewall rules, cron and the monitoring script.
  returned: when O(phase=inspect) or O(phase=restore)
  type: dict
  sample: {hostname: marvin42, cron_active: active, test_user_exists: false}
"""

import os
import random

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils import _evaluate_gather as gather

ARGUMENT_SPEC = dict(
    phase=dict(type="str", required=True, choices=["inspect", "exercise", "restore"]),
    login=dict(type="str", required=True),
    user_password=dict(type="str", default="", no_log=True),
    platform=dict(type="dict", required=True),
    expect=dict(type="dict", required=True),
    test_user=dict(type="str", default="evaluator"),
    test_group=dict(type="str", default="evaluating"),
    temp_hostname=dict(type="str", default="evaluating42"),
    temp_port=dict(type="str", default="8080/tcp"),
    keep_hostname=dict(type="bool", default=False),
    state=dict(type="dict"),
)


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_if=[("phase", "exercise", ["state"]), ("phase", "restore", ["state"])],
    )
    params = module.params
    if os.geteuid() != 0:
        module.fail_json(
            msg="evaluate_probe must run as root (become: true): it reads sudoers, shadow and sshd's settings"
        )
    if params["phase"] == "inspect":
        evidence = gather.inspect(params)
        module.exit_json(changed=False, evidence=evidence, state=evidence.pop("state"))
    if module.check_mode:
        module.exit_json(changed=False, evidence={}, skipped_reason="check mode: nothing exercised")
    if params["phase"] == "exercise":
        module.exit_json(changed=False, evidence=gather.exercise(params, params["state"], random.SystemRandom()))
    restored = gather.restore(params, params["state"])
    after = gather.snapshot(params)
    module.exit_json(changed=bool(restored["actions"]), evidence={"restore": restored, "after": after}, state=after)


if __name__ == "__main__":
    main()
