# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""I/O helpers of the evaluate modules (private API): commands, terminals, files.

Stdlib only. ``converse`` runs a program on a pseudo-terminal that becomes its controlling
terminal (sudo with requiretty and passwd need one) and answers its prompts, like a person typing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pty
import pwd
import re
import select
import shutil
import signal
import stat
import subprocess
import time

C_LOCALE = {"LC_ALL": "C", "LANG": "C"}
SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _environ(extra):
    """The module's environment in the C locale, with the sbin directories on PATH."""
    environ = dict(os.environ, **C_LOCALE)
    environ["PATH"] = ":".join(p for p in (environ.get("PATH"), SBIN_PATH) if p)
    environ.update(extra or {})
    return environ


def which(name):
    """Path of a program on PATH or in the sbin directories, or None."""
    return shutil.which(name, path=_environ(None)["PATH"])


def run(argv, stdin=None, timeout=60, env=None):
    """Run argv -> (rc, stdout, stderr) as text; rc 127 when the program does not exist, 124 on timeout."""
    environ = _environ(env)
    try:
        proc = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            env=environ,
            timeout=timeout,
            text=True,
            errors="replace",
            check=False,
        )
    except FileNotFoundError as exc:
        return 127, "", str(exc)
    except subprocess.TimeoutExpired as exc:
        return 124, _text(exc.stdout), "timed out after %ss" % timeout
    return proc.returncode, proc.stdout, proc.stderr


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


def out(argv, **kwargs):
    """stdout of argv, stripped; '' when it fails."""
    rc, stdout, _err = run(argv, **kwargs)
    return stdout.strip() if rc == 0 else ""


def converse(argv, steps, timeout=30, settle=2.0, stop=None, env=None, user=None):
    """Run argv on a new terminal, answering prompts in order; return (rc, transcript).

    ``user``: run as that account (with its groups, HOME and directory), as after a login; not
    through ``su -c``, which detaches the command from the terminal.

    ``steps``: [(regex, reply)]; each reply is typed once its regex matches what the program wrote
    since the previous reply. After the last step the program gets ``settle`` seconds to finish.
    ``stop``: a regex that ends the conversation as soon as the transcript matches it. Every reply
    is masked as ``***`` in the transcript. rc is None when the program had to be killed.
    """
    environ = _environ(env)
    account = pwd.getpwnam(user) if user else None
    if account:
        environ.update(HOME=account.pw_dir, USER=user, LOGNAME=user, SHELL=account.pw_shell)
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            if account:
                os.initgroups(user, account.pw_gid)
                os.setgid(account.pw_gid)
                os.setuid(account.pw_uid)
                with contextlib.suppress(OSError):
                    os.chdir(account.pw_dir)
            os.execvpe(argv[0], argv, environ)
        finally:
            os._exit(127)
    transcript, pending, step, settling = b"", b"", 0, False
    deadline = time.monotonic() + timeout
    try:
        while True:
            if steps and step >= len(steps) and not settling:
                settling = True
                deadline = min(deadline, time.monotonic() + settle)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _w, _x = select.select([fd], [], [], min(0.2, remaining))
            if not ready:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the program closed the terminal (it exited)
                data = b""
            if not data:
                break
            transcript += data
            if stop and re.search(stop, transcript.decode("utf-8", "replace")):
                break
            if settling:
                continue
            pending += data
            if step < len(steps) and re.search(steps[step][0], pending.decode("utf-8", "replace")):
                os.write(fd, (steps[step][1] + "\n").encode())
                step += 1
                pending = b""
                deadline = time.monotonic() + timeout
    finally:
        rc = _finish(pid, fd)
    text = transcript.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    for _pattern, reply in steps:
        if reply:
            text = text.replace(reply, "***")
    return rc, text


def _finish(pid, fd):
    """Hang up the terminal, then reap the program (killing its process group if it lingers)."""
    with contextlib.suppress(OSError):
        os.close(fd)
    for _attempt in range(30):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8
        time.sleep(0.1)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def read_text(path, limit=1 << 20):
    """Content of a file, or None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def read_from(path, offset, limit=1 << 16):
    """What a file holds after ``offset`` (all of it when it is now shorter: it was rotated), or ''."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(offset if handle.tell() >= offset else 0)
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def list_dir(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return None


def file_facts(path):
    """{'exists', 'mode', 'owner_uid', 'size', 'sha256'} of a file (exists False when it is missing)."""
    try:
        info = os.stat(path)
    except OSError:
        return {"exists": False}
    facts = {"exists": True, "mode": "%04o" % stat.S_IMODE(info.st_mode), "uid": info.st_uid, "size": info.st_size}
    if stat.S_ISREG(info.st_mode):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(65536), b""):
                digest.update(block)
        facts["sha256"] = digest.hexdigest()
    return facts


def count_files_named(root, name):
    """How many files called ``name`` are below ``root`` (sudo writes one ``log`` per I/O session)."""
    total = 0
    for _dir, _subdirs, files in os.walk(root):
        total += files.count(name)
    return total


def getent_lines(database):
    """Entries of the passwd or group database, sorted."""
    rc, stdout, _err = run(["getent", database])
    return sorted(line for line in stdout.splitlines() if line) if rc == 0 else []
