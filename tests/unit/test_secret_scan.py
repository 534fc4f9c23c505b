"""scripts/secret-scan, which scripts/run-tests runs on each Molecule scenario's log and files."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_LOADER = importlib.machinery.SourceFileLoader("secret_scan", os.path.join(ROOT, "scripts", "secret-scan"))
_SPEC = importlib.util.spec_from_loader("secret_scan", _LOADER)
secret_scan = importlib.util.module_from_spec(_SPEC)
_LOADER.exec_module(secret_scan)

PASSWORD = "Ucq7Lpz2Wm"
HASH = "$6$salt$P2xU/jcuM.qtuOrg"
QUOTED = 'pa"ss\\word'


@pytest.fixture
def secrets(tmp_path):
    path = tmp_path / "secrets"
    path.write_text("%s\n\n%s\n%s\n" % (PASSWORD, HASH, QUOTED))
    return str(path)


def run(capsys, *argv):
    code = secret_scan.main(list(argv))
    return code, capsys.readouterr().out


def test_clean_files_give_zero_hits(tmp_path, secrets, capsys):
    (tmp_path / "run.log").write_text("TASK [bootstrap : Set the password] ok: [guest]\n")
    code, out = run(capsys, "--secrets", secrets, "--label", "default", str(tmp_path / "run.log"))
    assert code == 0
    assert out == "secret-scan default: 0 hit(s) of 3 secret(s) in 1 file(s)\n"


def test_a_secret_in_a_log_or_a_nested_report_fails_naming_file_line_and_secret(tmp_path, secrets, capsys):
    log = tmp_path / "run.log"
    log.write_text("one\ntwo %s\n" % PASSWORD)
    report = tmp_path / "ephemeral" / "evaluate" / "guest.json"
    report.parent.mkdir(parents=True)
    report.write_text('{"hash": "%s"}\n' % HASH)
    code, out = run(capsys, "--secrets", secrets, str(log), str(tmp_path / "ephemeral"))
    assert code == 1
    assert "%s:2 holds the secret of %s line 1" % (log, secrets) in out
    assert "%s:1 holds the secret of %s line 3" % (report, secrets) in out
    assert out.endswith("2 hit(s) of 3 secret(s) in 2 file(s)\n")
    assert PASSWORD not in out and HASH not in out  # the scanner never prints a secret


def test_a_secret_escaped_as_a_json_string_is_found(tmp_path, secrets):
    (tmp_path / "result.json").write_text('{"msg": "pa\\"ss\\\\word"}')
    assert secret_scan.scan(secret_scan.load_secrets(secrets), [str(tmp_path)], skip=[secrets]) == [
        (str(tmp_path / "result.json"), 1, "%s line 4" % secrets)
    ]


def test_a_private_key_body_is_a_secret_outside_its_own_file(tmp_path, secrets, capsys):
    key = tmp_path / "id_ed25519"
    body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----\n" % body)
    assert run(capsys, "--secrets", secrets, "--key", str(key), str(tmp_path))[0] == 0
    (tmp_path / "debug.log").write_text("key: %s\n" % body)
    code, out = run(capsys, "--secrets", secrets, "--key", str(key), str(tmp_path))
    assert code == 1 and "debug.log:1 holds the secret of private key" in out


def test_an_empty_secrets_file_is_refused(tmp_path):
    (tmp_path / "secrets").write_text("\n")
    with pytest.raises(SystemExit, match="lists no secret"):
        secret_scan.load_secrets(str(tmp_path / "secrets"))


def scenarios():
    folder = os.path.join(ROOT, "molecule")
    return sorted(s for s in os.listdir(folder) if os.path.isfile(os.path.join(folder, s, "molecule.yml")))


def secret_values(paths):
    """Values of the password, password-hash and passphrase variables of vars files."""
    values = set()
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            data = yaml.safe_load(stream) or {}
        values |= {str(v) for k, v in data.items() if "password" in k or "passphrase" in k}
    return values


def scenario_vars_files(scenario):
    """The vars files a scenario's own playbooks load; one without playbooks of its own runs the
    default scenario's, with their vars."""
    folder = os.path.join(ROOT, "molecule", scenario)
    found = set()
    for name in os.listdir(folder):
        if not name.endswith(".yml") or name == "molecule.yml":
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as stream:
            plays = yaml.safe_load(stream) or []
        for play in plays if isinstance(plays, list) else []:
            found |= {os.path.normpath(os.path.join(folder, f)) for f in play.get("vars_files", [])}
    return sorted(found) or [os.path.join(ROOT, "molecule", "default", "vars", "bootstrap.yml")]


@pytest.mark.parametrize("scenario", scenarios())
def test_every_scenario_lists_the_secrets_it_uses(scenario):
    secrets_file = os.path.join(ROOT, "molecule", scenario, "secrets")
    listed = {secret for _label, secret in secret_scan.load_secrets(secrets_file)}
    expected = secret_values(scenario_vars_files(scenario))
    assert expected and listed == expected


def test_a_path_that_does_not_exist_is_an_error_not_zero_hits(tmp_path, secrets):
    with pytest.raises(SystemExit, match="nothing to scan at .*/gone.log"):
        secret_scan.main(["--secrets", secrets, str(tmp_path / "gone.log")])
