#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: evaluate_ssh
short_description: Try a host's SSH server from outside, as an examiner's laptop would
version_added: 0.1.0
description:
  - Part of the R(born2beroot.virt.evaluate,ansible_collections.born2beroot.virt.evaluate_role) role; run it
    on the controller (with C(delegate_to) V(localhost)). It returns raw evidence, which
    M(born2beroot.virt.evaluate_report) judges.
  - Reads the banner of O(port) and of each of O(closed_ports); then logs in as O(login) and tries to log in
    as root, each with the password (given to C(ssh) through C(SSH_ASKPASS), never on a command line) and
    with the key, as far as they are given.
  - Needs the OpenSSH client (8.4 or later for password logins).
options:
  host:
    description: Address of the host.
    type: str
    required: true
  port:
    description: The port SSH should answer on.
    type: int
    default: 4242
  closed_ports:
    description: Ports on which nothing may answer SSH.
    type: list
    elements: int
    default: [22]
  login:
    description: The account expected to log in.
    type: str
    required: true
  password:
    description: Password of O(login). Empty skips the password login.
    type: str
    default: ""
  root_password:
    description: Password of root, to show that even the right one is refused. Empty skips that attempt.
    type: str
    default: ""
  identity_file:
    description: Private key accepted for O(login) (and tried for root). Empty skips the key logins.
    type: path
  timeout:
    description: Seconds to wait for a connection or a login.
    type: int
    default: 20
extends_documentation_fragment:
  - born2beroot.virt.attributes.INFO_MODULE
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: Try SSH from the controller
  born2beroot.virt.evaluate_ssh:
    host: "{{ ansible_host }}"
    login: marvin
    password: "{{ vault_marvin_password }}"
    root_password: "{{ vault_root_password }}"
  delegate_to: localhost
  become: false
"""

RETURN = r"""
evidence:
  description: What the controller saw.
  returned: always
  type: dict
  contains:
    ports:
      description: Per port, C(open), the first bytes it sent (C(banner)) or the C(error).
      type: dict
      returned: always
    user:
      description: Login attempts as O(login), each with C(method), C(rc), C(accepted) and the last C(output).
      type: list
      elements: dict
      returned: always
    root:
      description: Login attempts as root, like RV(evidence.user).
      type: list
      elements: dict
      returned: always
  sample:
    ports:
      "22": {open: false, banner: "", error: "Connection refused"}
      "4242": {open: true, banner: SSH-2.0-OpenSSH_9.2p1, error: ""}
    user: [{method: password, rc: 0, accepted: true, output: marvin}]
    root:
      - {method: password, rc: 255, accepted: false, output: "root@192.168.150.20: Permission denied (password)."}
"""

import os
import socket
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

ASKPASS = '#!/bin/sh\nprintf "%s\\n" "$B2B_EVALUATE_SSH_PASSWORD"\n'


# A firewall that drops packets makes a closed port time out: a few seconds tell enough. An open
# port may greet late (a loaded emulated guest): its banner gets the whole timeout.
CONNECT_TIMEOUT = 5


def banner(host, port, timeout):
    try:
        with socket.create_connection((host, port), timeout=min(timeout, CONNECT_TIMEOUT)) as sock:
            sock.settimeout(timeout)
            try:
                data = sock.recv(64)
            except TimeoutError:
                data = b""
            return {"open": True, "banner": data.decode("ascii", "replace").strip(), "error": ""}
    except OSError as exc:
        return {"open": False, "banner": "", "error": exc.strerror or str(exc)}


def ssh_login(module, account, method, secret, askpass):
    p = module.params
    argv = [
        module.get_bin_path("ssh", required=True),
        "-p", str(p["port"]),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        "-o", "ControlMaster=no", "-o", "ControlPath=none", "-o", "ConnectTimeout=%d" % p["timeout"],
        "-o", "NumberOfPasswordPrompts=1", "-o", "GSSAPIAuthentication=no", "-T",
    ]  # fmt: skip
    env = dict(os.environ, LC_ALL="C")
    if method == "key":
        argv += [
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "PreferredAuthentications=publickey",
            "-i",
            secret,
        ]
    else:
        argv += ["-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no"]
        env.update(
            SSH_ASKPASS=askpass,
            SSH_ASKPASS_REQUIRE="force",
            DISPLAY=env.get("DISPLAY", ":0"),
            B2B_EVALUATE_SSH_PASSWORD=secret,
        )
    argv += ["%s@%s" % (account, p["host"]), "id -un"]
    try:
        proc = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, env=env,
            timeout=p["timeout"] * 2, text=True, start_new_session=True, check=False,
        )  # fmt: skip
        rc, output = proc.returncode, (proc.stdout + proc.stderr).strip()
    except subprocess.TimeoutExpired:
        rc, output = None, "no answer within %d s" % (p["timeout"] * 2)
    return {
        "method": method,
        "rc": rc,
        "accepted": rc == 0 and output.splitlines()[:1] == [account],
        "output": output[-300:],
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            host=dict(type="str", required=True),
            port=dict(type="int", default=4242),
            closed_ports=dict(type="list", elements="int", default=[22]),
            login=dict(type="str", required=True),
            password=dict(type="str", default="", no_log=True),
            root_password=dict(type="str", default="", no_log=True),
            identity_file=dict(type="path"),
            timeout=dict(type="int", default=20),
        ),
        supports_check_mode=True,
    )
    p = module.params
    attempts = []
    for account, name, password in (("user", p["login"], p["password"]), ("root", "root", p["root_password"])):
        if password:
            attempts.append((account, name, "password", password))
        if p["identity_file"]:
            attempts.append((account, name, "key", p["identity_file"]))
    evidence = {"ports": {}, "user": [], "root": []}
    # All at once: each handshake with a slow guest takes seconds.
    with tempfile.TemporaryDirectory(prefix="b2b-evaluate-") as tmp, ThreadPoolExecutor(max_workers=8) as pool:
        askpass = os.path.join(tmp, "askpass")
        with open(askpass, "w") as handle:
            handle.write(ASKPASS)
        os.chmod(askpass, 0o700)
        ports = [(port, pool.submit(banner, p["host"], port, p["timeout"])) for port in [p["port"]] + p["closed_ports"]]
        logins = [(a[0], pool.submit(ssh_login, module, a[1], a[2], a[3], askpass)) for a in attempts]
        evidence["ports"] = {str(port): job.result() for port, job in ports}
        for account, job in logins:
            evidence[account].append(job.result())
    module.exit_json(changed=False, evidence=evidence)


if __name__ == "__main__":
    main()
