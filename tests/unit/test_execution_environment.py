"""The AWX / Automation Controller execution environment: `ansible-builder create` gives a build
context whose steps work, short of the container engine we lack here.

The collection tarball is installed with the galaxy stage's own command from the context's
requirements.yml, and ansible-builder's introspection (the builder stage's script, copied into the
context) reads the installed collection's meta/execution-environment.yml, as a real build would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

bindep_depends = pytest.importorskip(
    "bindep.depends", reason="bindep and ansible-builder are in the control venv only, not in the compat venv"
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV_BIN = os.path.dirname(sys.executable)
DOCKERFILE_INSTRUCTIONS = {"ARG", "FROM", "USER", "ENV", "COPY", "RUN", "WORKDIR", "LABEL", "ENTRYPOINT", "CMD"}
LIBRARIES = {"libvirt-python", "pycdlib", "passlib"}


def tool(name):
    return os.path.join(VENV_BIN, name) if os.path.exists(os.path.join(VENV_BIN, name)) else shutil.which(name)


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    out = tmp_path_factory.mktemp("ee") / "context"
    env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ["PATH"])
    subprocess.run([os.path.join(ROOT, "scripts", "ee-context"), str(out)], check=True, env=env, capture_output=True)
    return out


def instructions(containerfile):
    """(instruction, arguments) of each non-blank, non-comment line."""
    lines = [line for line in containerfile.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def test_containerfile_uses_known_instructions_and_stages(context):
    steps = instructions(context / "Containerfile")
    assert {step[0] for step in steps} <= DOCKERFILE_INSTRUCTIONS
    stages = [args.split()[-1] for op, args in steps if op == "FROM"]
    assert stages == ["base", "galaxy", "builder", "final"]
    for op, args in steps:
        if op == "COPY" and args.startswith("--from="):
            assert args.split()[0].split("=", 1)[1] in stages


def test_every_copy_source_is_in_the_context(context):
    sources = [args.split()[0] for op, args in instructions(context / "Containerfile") if op == "COPY"]
    local = [src for src in sources if not src.startswith("--from=")]
    assert "_build" in local
    for src in local:
        assert (context / src).exists(), "COPY %s: not in the build context" % src


def test_the_pins_reach_the_containerfile(context):
    text = (context / "Containerfile").read_text()
    with open(os.path.join(ROOT, "requirements", "constraints.txt")) as handle:
        constraints = handle.read().splitlines()
    for package in ("ansible-core", "ansible-runner"):
        pin = next(line for line in constraints if line.startswith(package + "=="))
        assert re.search(r"ANSIBLE_INSTALL_REFS=\"[^\"]*%s" % re.escape(pin), text), pin


def clean_env(**extra):
    """The environment without the checkout's collection paths, as in the image: there ansible-galaxy
    would find this collection already installed and skip the install."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ANSIBLE_COLLECTIONS_PATH")}
    return dict(env, **extra)


@pytest.fixture(scope="module")
def introspected(context, tmp_path_factory):
    """Run the galaxy stage's install and the builder stage's introspection on this machine."""
    collections = tmp_path_factory.mktemp("collections")
    subprocess.run(
        [tool("ansible-galaxy"), "collection", "install", "-r", "requirements.yml", "--collections-path", collections],
        cwd=context / "_build",
        check=True,
        capture_output=True,
        env=clean_env(ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1", ANSIBLE_COLLECTIONS_PATH=str(collections)),
    )
    out = tmp_path_factory.mktemp("introspect")
    subprocess.run(
        [
            sys.executable,
            context / "_build" / "scripts" / "introspect.py",
            "introspect",
            "--user-bindep",
            context / "_build" / "bindep.txt",
            "--write-bindep",
            out / "bindep.txt",
            "--write-pip",
            out / "requirements.txt",
            collections,
        ],
        check=True,
        capture_output=True,
    )
    return dict(
        installed=collections / "ansible_collections" / "born2beroot" / "virt",
        pip=(out / "requirements.txt").read_text().splitlines(),
        bindep=(out / "bindep.txt").read_text(),
    )


def test_the_collection_installs_from_the_context(introspected):
    assert (introspected["installed"] / "meta" / "execution-environment.yml").is_file()
    assert (introspected["installed"] / "plugins" / "modules" / "guest.py").is_file()


def test_introspection_finds_the_python_libraries(introspected):
    names = {re.split(r"[<>=\s#]", line, maxsplit=1)[0] for line in introspected["pip"] if line}
    assert names >= LIBRARIES
    assert all("# from collection born2beroot.virt" in line for line in introspected["pip"] if line)


def rpm_and_dpkg_packages(text, profile):
    depends = bindep_depends.Depends(text)
    found = {}
    for platform in (["platform:rpm", "platform:redhat", "platform:centos"], ["platform:dpkg", "platform:debian"]):
        found[platform[0]] = {rule[0] for rule in depends.active_rules(platform + profile)}
    return found


def test_introspection_finds_the_build_and_runtime_packages(introspected):
    build = rpm_and_dpkg_packages(introspected["bindep"], ["compile"])
    assert {"libvirt-devel", "pkgconf-pkg-config", "gcc", "python3-devel", "python3.11-devel"} <= build["platform:rpm"]
    assert {"libvirt-dev", "pkg-config", "gcc", "python3-dev"} <= build["platform:dpkg"]
    runtime = rpm_and_dpkg_packages(introspected["bindep"], [])
    assert {"libvirt-libs", "openssh-clients"} == runtime["platform:rpm"]
    assert {"libvirt0", "openssh-client"} == runtime["platform:dpkg"]


def test_bindep_finds_every_debian_package_installed_here():
    """The Debian names are real: the lab machine has them all (scripts/lab deps installs them)."""
    done = subprocess.run(
        [tool("bindep"), "--brief", "--file", os.path.join(ROOT, "meta", "ee-bindep.txt"), "compile", "default"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and not done.stdout.strip(), "missing here: %s" % done.stdout
