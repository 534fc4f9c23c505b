"""docs/tutorial.md names every command `make demo` runs (Makefile target `demo` and scripts/demo)."""

from __future__ import annotations

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What counts as a command worth naming, in a recipe or a script line.
COMMANDS = (
    re.compile(r"scripts/[\w-]+(?: [a-z]+)?"),  # scripts/lab start, scripts/demo-passwords
    re.compile(r"playbooks/[\w-]+\.yml"),
    re.compile(r"examples/[\w/.-]+"),
    re.compile(r"requirements/[\w.-]+"),
    re.compile(r"ANSIBLE_[A-Z_]+=(?:true|false)"),
    re.compile(r"ansible-playbook -i"),
    re.compile(r"ssh-keygen [^\"$]*?(?= -f)"),
)


def make_recipes(makefile_text, target, seen=None):
    """Recipe lines of ``target`` and of the Makefile targets it depends on, recursively."""
    seen = set() if seen is None else seen
    if target in seen:
        return []
    seen.add(target)
    rule = re.search(r"^%s:([^\n=]*)\n((?:\t[^\n]*\n?)*)" % re.escape(target), makefile_text, re.MULTILINE)
    if not rule:
        return []
    lines = [line.strip() for line in rule.group(2).splitlines()]
    for prerequisite in rule.group(1).split():
        lines += make_recipes(makefile_text, prerequisite, seen)
    return lines


def commands(lines):
    found = set()
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        for pattern in COMMANDS:
            found.update(match.strip() for match in pattern.findall(line))
    return found


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def demo_commands():
    lines = make_recipes(read("Makefile"), "demo") + read("scripts", "demo").splitlines()
    return commands(lines)


def test_make_demo_commands_are_found():
    found = demo_commands()
    # The extraction itself works: these are in scripts/demo and the Makefile today.
    assert {"scripts/lab deps", "scripts/lab start", "playbooks/site.yml", "ansible-playbook -i"} <= found, found


def test_the_tutorial_names_every_command_make_demo_runs():
    tutorial = read("docs", "tutorial.md")
    missing = sorted(command for command in demo_commands() if command not in tutorial)
    assert not missing, "make demo runs these, docs/tutorial.md does not show them: %s" % missing


def test_a_new_demo_command_is_noticed():
    found = commands(["  scripts/lab snapshot", "playbook playbooks/new.yml", "# scripts/lab stop"])
    assert found == {"scripts/lab snapshot", "playbooks/new.yml"}
