"""The `mailx` command as an operator uses it: passwords off the command line, --version, errors as JSON
under --json, `deliver` checking what it is given, warnings for foreign domains, the runtime's URL."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mailx.cli import main
from mailx.local import paths
from tests.helpers.cli import KEY, run
from tests.helpers.ports import free_port as _free_port


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.strip() == "mailx 0.1.0"


def test_password_from_stdin_never_on_the_command_line(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ("--url", url, "--key", KEY)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a passphrase from a pipe\n"))
    code, out, err = run(capsys, *base, "account", "create", "dana", "--password", "-", "--json")
    assert code == 0, err
    assert json.loads(out)["username"] == "dana"
    # The password really is the piped line (without its newline): signing in with it works
    monkeypatch.setattr(sys, "stdin", io.StringIO("a passphrase from a pipe\n"))
    code, token, err = run(capsys, "--url", url, "login", "dana", "--password", "-")
    assert code == 0 and token.strip().startswith("mx1."), err
    # An empty stdin is a usage error, nothing is sent
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _, err = run(capsys, *base, "account", "update", "dana", "--password", "-")
    assert code == 2 and "no password on standard input" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_password_asked_at_a_terminal_twice(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    base = ("--url", url, "--key", KEY)
    answers = iter(["typed at the prompt", "typed at the prompt", "first try", "second try"])
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(answers))
    # Without --password at all, create asks (and confirms)
    code, _, err = run(capsys, *base, "account", "create", "erin")
    assert code == 0, err
    monkeypatch.setattr(sys, "stdin", io.StringIO("typed at the prompt\n"))
    assert run(capsys, "--url", url, "login", "erin", "--password", "-")[0] == 0
    # Two different answers: refused, exit 2
    monkeypatch.setattr(sys, "stdin", _Terminal())
    code, _, err = run(capsys, *base, "account", "update", "erin", "--password")
    assert code == 2 and "did not match" in err


def test_errors_are_json_on_stdout_under_json_with_the_same_exit_codes(
    url: str, capsys: pytest.CaptureFixture[str], alice: Any
) -> None:
    base = ("--url", url, "--key", KEY, "--json")
    # refused by the server: 1
    code, out, _ = run(capsys, *base, "account", "show", "nobody-at-all")
    assert code == 1
    assert json.loads(out)["error"] == {
        "type": "refused",
        "status": 404,
        "detail": "no such account",
        "exitCode": 1,
        "message": "HTTP 404 Not Found: no such account",
    }
    # unreachable: 3
    code, out, _ = run(
        capsys, "--url", f"http://127.0.0.1:{_free_port()}", "--key", "k", "--json", "domain", "list"
    )
    assert code == 3 and json.loads(out)["error"]["type"] == "unreachable"
    # a usage error found by argparse: 2
    code, out, _ = run(capsys, *base, "account", "update", "alice", "--disable", "--enable")
    assert code == 2 and json.loads(out)["error"]["type"] == "usage"


def test_deliver_checks_addresses_and_files_before_sending(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, alice: Any
) -> None:
    base = ("--url", url, "--key", KEY, "deliver")
    good = tmp_path / "good.eml"
    good.write_bytes(b"From: p@example.net\r\nTo: alice@example.com\r\nSubject: Hi\r\n\r\nHello\r\n")
    hostname = tmp_path / "hostname"
    hostname.write_text("build-host-7\n")
    binary = tmp_path / "photo.eml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    # An envelope recipient that is not an address: exit 2, not "unknown recipient"
    code, out, err = run(capsys, *base, str(good), "--to", "bad address")
    assert code == 2 and "'bad address' is not an email address" in err and out == ""
    # A file that is not a message (alone, or with a good one): exit 2, nothing delivered
    code, _, err = run(capsys, *base, str(good), str(hostname), "--to", "alice@example.com")
    assert code == 2 and "hostname is not an email message" in err and "header field" in err
    code, _, err = run(capsys, *base, str(binary), "--to", "alice@example.com")
    assert code == 2 and "binary" in err
    listed = run(capsys, "--url", url, "--key", KEY, "--json", "account", "show", "alice")
    assert listed[0] == 0
    # ... and really nothing was: the good message was not delivered by the refused commands
    code, out, _ = run(capsys, *base, str(good), "--to", "alice@example.com", "--json")
    assert code == 0 and list(json.loads(out)[0]["delivered"]) == [alice.account_id]


def test_a_warning_for_addresses_outside_the_configured_domains(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("--url", url, "--key", KEY)
    code, out, err = run(
        capsys, *base, "--json", "account", "create", "fay", "--password", "fay's long password",
        "--address", "fay@example.com", "--address", "fay@elsewhere.org",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["addresses"] == ["fay@elsewhere.org", "fay@example.com"]  # stdout stays JSON
    assert err.count("warning:") == 1 and "fay@elsewhere.org is outside the configured domains" in err


def test_the_command_finds_a_local_runtime_on_any_port(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    monkeypatch.setenv("MAILX_DATA_DIR", str(folder))
    (folder).mkdir()
    (folder / "management-key").write_text(KEY + "\n")
    # Given the runtime wrote where it serves (a port other than 8000), When no --url is given
    paths.write_runtime(folder, url)
    assert not url.endswith(":8000")
    code, out, err = run(capsys, "--json", "account", "list")
    # Then the command went there, with the folder's key
    assert code == 0 and json.loads(out) == {"accounts": []}, err
    # And a runtime that is gone (its process no longer exists) is not used
    (folder / paths.RUNTIME_FILE).write_text(json.dumps({"url": url, "pid": _dead_pid()}))
    assert paths.running_url(folder) is None


def _dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid
