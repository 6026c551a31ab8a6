"""The `mailx` command against the real app served by uvicorn (moto behind it): output, errors, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailx.cli import main
from tests.helpers.cli import KEY, run, run_json
from tests.helpers.ports import free_port


def test_account_lifecycle(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a running server and its management key
    # When an account is created, shown by address, renamed and listed
    code, out, _ = run(
        capsys,
        "--url",
        url,
        "--key",
        KEY,
        "account",
        "create",
        "carol",
        "--password",
        "carol's password",
        "--name",
        "Carol",
        "--address",
        "carol@example.com",
    )
    assert code == 0
    assert "created account" in out and "carol@example.com" in out
    shown = run_json(capsys, "--url", url, "--key", KEY, "account", "show", "carol@example.com")
    updated = run_json(capsys, "--url", url, "--key", KEY, "account", "update", "carol", "--name", "C.")
    code, listing, _ = run(capsys, "account", "list", "--url", url, "--key", KEY)
    # Then every view agrees, and options after the command work as well as before it
    assert shown["username"] == "carol" and shown["addresses"] == ["carol@example.com"]
    assert updated["name"] == "C." and updated["accountId"] == shown["accountId"]
    assert code == 0
    assert listing.splitlines()[0].split() == ["ACCOUNT", "ID", "USERNAME", "STATUS", "ADDRESSES"]
    assert shown["accountId"] in listing

    # When it is deleted, Then showing it is a 404 with the server's detail and exit code 1
    assert run(capsys, "--url", url, "--key", KEY, "account", "delete", "carol")[0] == 0
    code, _, err = run(capsys, "--url", url, "--key", KEY, "account", "show", "carol")
    assert code == 1
    assert "HTTP 404" in err and "no such account" in err


def test_password_disable_and_login(url: str, capsys: pytest.CaptureFixture[str], alice: Any) -> None:
    import httpx

    base = ("--url", url, "--key", KEY)
    # Given alice with a new password from the command
    assert run(capsys, *base, "account", "update", "alice", "--password", "a brand new one")[0] == 0
    # When she logs in with it, Then the printed token is a working Bearer token
    code, token, _ = run(capsys, "--url", url, "login", "alice@example.com", "--password", "a brand new one")
    assert code == 0
    me = httpx.get(f"{url}/v0/auth/me", headers={"Authorization": f"Bearer {token.strip()}"})
    assert me.status_code == 200 and me.json()["username"] == "alice"
    # When the account is disabled, Then logging in fails with 401, exit code 1
    run_json(capsys, *base, "account", "update", "alice", "--disable")
    code, _, err = run(capsys, "--url", url, "login", "alice", "--password", "a brand new one")
    assert code == 1 and "HTTP 401" in err
    assert run_json(capsys, *base, "account", "update", "alice", "--enable")["disabled"] is False


def test_identities(url: str, capsys: pytest.CaptureFixture[str], alice: Any) -> None:
    base = ("--url", url, "--key", KEY)
    added = run_json(capsys, *base, "identity", "add", "alice", "a.l+ice@example.com", "--name", "Al")
    assert added["addresses"] == ["a.l+ice@example.com", "alice@example.com"]
    removed = run_json(capsys, *base, "identity", "remove", "alice", "a.l+ice@example.com")
    assert removed["addresses"] == ["alice@example.com"]
    code, _, err = run(capsys, *base, "identity", "add", "alice", "not an address")
    assert code == 1 and "HTTP 400" in err and "not a valid email address" in err


def test_duplicate_account_is_a_conflict(url: str, capsys: pytest.CaptureFixture[str], alice: Any) -> None:
    code, out, err = run(
        capsys, "--url", url, "--key", KEY, "account", "create", "alice", "--password", "whatever!!"
    )
    assert (code, out) == (1, "")
    assert "HTTP 409" in err


def test_domain_routing_keeps_what_is_not_given(
    url: str, capsys: pytest.CaptureFixture[str], alice: Any, bob: Any
) -> None:
    base = ("--url", url, "--key", KEY)
    # Given a domain routed by username and address
    first = run_json(
        capsys,
        *base,
        "domain",
        "set",
        "Example.ORG",
        "--postmaster",
        "alice",
        "--catch-all",
        "bob@example.com",
    )
    assert first == {
        "domain": "example.org",
        "source": "stored",
        "postmasterAccountId": alice.account_id,
        "catchAllAccountId": bob.account_id,
    }
    # When only the catch-all is cleared, Then the postmaster stays
    second = run_json(capsys, *base, "domain", "set", "example.org", "--catch-all", "")
    assert second["postmasterAccountId"] == alice.account_id and second["catchAllAccountId"] is None
    listed = run_json(capsys, *base, "domain", "list")["domains"]
    assert {d["domain"] for d in listed} == {"example.com", "example.org"}
    # When it is removed twice, Then the second time is a 404
    assert run(capsys, *base, "domain", "remove", "example.org")[0] == 0
    code, _, err = run(capsys, *base, "domain", "remove", "example.org")
    assert code == 1 and "HTTP 404" in err
    # And an unknown account is refused before anything is stored
    code, _, err = run(capsys, *base, "domain", "set", "example.net", "--postmaster", "nobody")
    assert code == 1 and "no such account" in err


def test_config(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = ("--url", url, "--key", KEY)
    code, out, _ = run(capsys, *base, "config", "set", "send_rate_limit", "7")
    assert code == 0 and out.strip().startswith("SEND_RATE_LIMIT = 7") and "stored" in out
    assert run_json(capsys, *base, "config", "get", "SEND_RATE_LIMIT")["SEND_RATE_LIMIT"]["value"] == "7"
    assert "SEND_RATE_LIMIT = 100" in run(capsys, *base, "config", "unset", "SEND_RATE_LIMIT")[1]
    code, out, _ = run(capsys, *base, "config", "get")
    assert code == 0 and "TOKEN_SECRET" in out and KEY not in out  # secrets redacted by the server
    code, _, err = run(capsys, *base, "config", "set", "TOKEN_SECRET", "x")
    assert code == 1 and "HTTP 403" in err and "reserved" in err
    code, _, err = run(capsys, *base, "config", "set", "SEND_RATE_LIMIT", "many")
    assert code == 1 and "must be an integer" in err


def test_wrong_key_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--url", url, "--key", "not-the-key", "account", "list")
    assert (code, out) == (1, "")
    assert err.strip() == "mailx: HTTP 401 Unauthorized: a valid management key is required"


def test_key_from_environment_and_from_the_local_data_folder(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given the key in MAILX_MANAGEMENT_KEY and the URL in MAILX_URL
    monkeypatch.setenv("MAILX_MANAGEMENT_KEY", KEY)
    monkeypatch.setenv("MAILX_URL", url)
    assert run(capsys, "account", "list")[0] == 0
    # Given instead only the local runtime's key file (the URL is a loopback one)
    monkeypatch.delenv("MAILX_MANAGEMENT_KEY")
    folder = tmp_path / "dev-data"
    folder.mkdir()
    (folder / "management-key").write_text(KEY + "\n")
    monkeypatch.setenv("MAILX_DATA_DIR", str(folder))
    assert run(capsys, "account", "list")[0] == 0


def test_missing_key_unreachable_server_and_usage_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MAILX_MANAGEMENT_KEY", raising=False)
    monkeypatch.setenv("MAILX_DATA_DIR", str(tmp_path))
    # A remote URL never falls back to a local key file: nothing is sent, exit code 2
    code, _, err = run(capsys, "--url", "https://mail.example.invalid", "account", "list")
    assert code == 2 and "no management key" in err
    # Nothing listening: exit code 3
    code, _, err = run(capsys, "--url", f"http://127.0.0.1:{free_port()}", "--key", "k", "domain", "list")
    assert code == 3 and "cannot reach" in err
    # Not an http(s) URL, or nothing to change: exit code 2
    assert run(capsys, "--url", "file:///etc/passwd", "--key", "k", "account", "list")[0] == 2
    code, _, err = run(capsys, "--url", "http://127.0.0.1:9", "--key", "k", "account", "update", "alice")
    assert code == 2 and "nothing to change" in err
    # argparse's own usage errors exit 2 as well
    with pytest.raises(SystemExit) as exited:
        main(["account", "update", "alice", "--disable", "--enable"])
    assert exited.value.code == 2
