#!/usr/bin/python
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: console_unlock
short_description: Unlock a guest's encrypted disk by typing its passphrase on the serial console
version_added: 0.1.0
description:
  - Does what a person at the console does when a guest with an encrypted root file system boots -
    waits for the initramfs passphrase prompt (C(Please unlock disk ...)) on the guest's serial
    console, types O(passphrase), and waits until the initramfs says the disk is unlocked.
  - It reads and writes the console through libvirt's console stream (C(virDomainOpenConsole)), so
    it works with local and remote (V(qemu+ssh://)) hypervisors alike. The guest needs a pty serial
    console (M(born2beroot.virt.guest) with O(born2beroot.virt.guest#module:serial_log=''), the default).
  - With O(start=true) (the default) the module starts a shut-off guest itself, paused, opens the console and
    then lets it run, so no output is missed. On a guest that was already running, a prompt printed before the
    console was opened is not seen; after 3 s of silence the module presses Enter once, which makes the console
    print its prompt again (at a passphrase prompt this is one empty attempt, which the initramfs refuses).
  - A guest whose QEMU guest agent answers, or whose console shows a login prompt, is already past its
    initramfs, so nothing is typed and nothing changes.
  - The passphrase is never logged - it is a V(no_log) option, the prompt does not echo it and it is
    removed from the returned console lines.
options:
  name:
    description: Name of the guest (libvirt domain).
    type: str
    required: true
  passphrase:
    description: The passphrase of the encrypted disk. Take it from Ansible Vault.
    type: str
    required: true
  start:
    description:
      - Start the guest when it is shut off (paused first, so that the whole console output is read).
      - With V(false), a shut-off guest is an error.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for the prompt, and then again for the disk to be unlocked.
    type: int
    default: 600
  prompt:
    description:
      - Regular expression (Python) of the passphrase prompt, up to its colon.
      - The default matches Debian's and systemd's prompts.
    type: str
    default: 'Please unlock disk [^\r\n:]+:|Please enter passphrase for disk [^\r\n]+:'
  success:
    description: Regular expression the console prints once the disk is unlocked.
    type: str
    default: 'set up successfully|Finished .*Cryptography Setup'
  booted:
    description: Regular expression that shows the guest is already past its initramfs (nothing to unlock).
    type: str
    default: 'login: '
  force:
    description: Take the console over from another session (such as C(virsh console)) holding it.
    type: bool
    default: false
notes:
  - The layouts of this collection have one encrypted container. The module types the passphrase at the
    first prompt and returns when that container is open; a second identical prompt means the passphrase
    was refused, and the module fails at once instead of trying again.
  - In check mode nothing is started or typed; a guest whose agent does not answer is reported as changed.
  - The other unattended mode, a key file inside the initramfs, is an option of M(born2beroot.virt.disk_image)
    (O(born2beroot.virt.disk_image#module:unlock=keyfile)); it is weaker and meant for labs.
extends_documentation_fragment:
  - born2beroot.virt.connection
  - born2beroot.virt.attributes
attributes:
  check_mode:
    support: partial
    details: Predicts a change for a guest that is shut off or whose guest agent does not answer yet.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: A guest that is already unlocked (its guest agent answers) is left alone.
seealso:
  - module: born2beroot.virt.disk_image
  - module: born2beroot.virt.guest
author:
  - born2beroot.virt contributors (@born2beroot)
"""

EXAMPLES = r"""
- name: Define the guest without starting it
  born2beroot.virt.guest:
    name: crypt42
    virt_type: qemu
    boot: "{{ image_volumes['debian-bonus'].boot }}"
    disks:
      - pool: born2beroot
        volume: crypt42.qcow2
    interfaces:
      - network: b2b-lab

- name: Start it and type the disk passphrase on its console
  born2beroot.virt.console_unlock:
    name: crypt42
    passphrase: "{{ vault_disk_passphrase }}"

- name: Wait for SSH
  born2beroot.virt.guest:
    name: crypt42
    state: running
    wait_for: ssh
"""

RETURN = r"""
started:
  description: The module started the guest.
  returned: always
  type: bool
unlocked:
  description: The passphrase was typed and the disk was unlocked (or would be, in check mode).
  returned: always
  type: bool
already_unlocked:
  description: The guest was already past its initramfs; nothing was typed.
  returned: always
  type: bool
prompt:
  description: The prompt that was answered.
  returned: always
  type: str
  sample: "Please unlock disk vda5_crypt"
prompt_after:
  description: Seconds from opening the console (the start, when the module started the guest) to the prompt.
  returned: always
  type: float
  sample: 9.8
unlocked_after:
  description: Seconds from opening the console to the disk being unlocked.
  returned: always
  type: float
  sample: 14.2
console:
  description: The last lines of the console (at most 30), without the passphrase.
  returned: always
  type: list
  elements: str
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.born2beroot.virt.plugins.module_utils import _console
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import URI_ARGUMENT_SPEC, libvirt, run_module

ARGUMENT_SPEC = dict(
    URI_ARGUMENT_SPEC,
    name=dict(type="str", required=True),
    passphrase=dict(type="str", required=True, no_log=True),
    start=dict(type="bool", default=True),
    timeout=dict(type="int", default=600),
    prompt=dict(type="str", default=_console.DEFAULT_PROMPT),
    success=dict(type="str", default=_console.DEFAULT_SUCCESS),
    booted=dict(type="str", default=_console.DEFAULT_BOOTED),
    force=dict(type="bool", default=False),
)


def check_params(module):
    params = module.params
    for field in ("prompt", "success", "booted"):
        try:
            re.compile(params[field])
        except re.error as exc:
            module.fail_json(msg="%s: %r is not a valid regular expression: %s" % (field, params[field], exc))
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout: %d; it must be a positive number of seconds" % params["timeout"])
    if not params["passphrase"] or "\n" in params["passphrase"] or "\r" in params["passphrase"]:
        module.fail_json(msg="passphrase: must be non-empty and without line breaks (it is typed on the console)")


def result(started, outcome=None, console=None):
    outcome = outcome or dict(unlocked=False, already=False, prompt=None, prompt_after=None, unlocked_after=None)
    return dict(
        changed=started or outcome["unlocked"],
        started=started,
        unlocked=outcome["unlocked"],
        already_unlocked=outcome["already"],
        prompt=outcome["prompt"],
        prompt_after=outcome["prompt_after"],
        unlocked_after=outcome["unlocked_after"],
        console=console or [],
    )


def work(module, conn):
    params = module.params
    try:
        dom = conn.lookupByName(params["name"])
    except libvirt.libvirtError:
        raise _console.LibvirtError("name: no guest named %r on %s" % (params["name"], params["uri"])) from None
    state = dom.state()[0]
    if state == libvirt.VIR_DOMAIN_RUNNING and _console.agent_answers(dom):
        return result(False, dict(unlocked=False, already=True, prompt=None, prompt_after=None, unlocked_after=None))
    shut_off = state in (libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTDOWN, libvirt.VIR_DOMAIN_CRASHED)
    if shut_off and not params["start"]:
        raise _console.LibvirtError("guest %s is shut off; start: true lets this module start it" % params["name"])
    if module.check_mode:
        return result(shut_off, dict(unlocked=True, already=False, prompt=None, prompt_after=None, unlocked_after=None))
    was_running = state == libvirt.VIR_DOMAIN_RUNNING
    if shut_off:
        dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
    console = _console.Console(conn, dom, force=params["force"])
    watcher = _console.ConsoleWatcher(params["prompt"], params["success"], params["booted"], params["passphrase"])
    try:
        if dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED:
            dom.resume()
        outcome = _console.unlock(
            console,
            watcher,
            params["passphrase"],
            params["timeout"],
            lambda: _console.agent_answers(dom),
            nudge=was_running,
        )
    finally:
        console.close()
    return result(shut_off, outcome, watcher.tail())


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    check_params(module)
    if libvirt is not None:
        _console.start_event_loop()
    run_module(module, lambda conn: work(module, conn), user_errors=(_console.UnlockError,))


if __name__ == "__main__":
    main()
