"""JMAP to JMAP: `mailx import https://USER@HOST/.well-known/jmap` copies another account (Basic or
Bearer; password from the environment or stdin) with its mailbox tree, roles, keywords, dates and octets;
then `mailx export` to Maildir and to mbox, imported into fresh accounts, gives the same mail back."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.migrate import (
    PASSWORD,
    TAKEOUT,
    client,
    comparable,
    create_account,
    holdings,
    mailbox_tree,
    mailx,
)


def _fill(capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path, name: str) -> list[dict[str, Any]]:
    """An account with the Takeout sample (nested labels, roles, keywords, a thread)."""
    create_account(capsys, url, name)
    source = tmp_path / f"{name}.mbox"
    source.write_bytes(TAKEOUT)
    code, out, err = mailx(
        capsys, url, "import", str(source), "--account", name, "--state", str(tmp_path / f"{name}.jsonl")
    )
    assert code == 0, err + out
    return holdings(client(url, name))


def _flattened(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """One row per (mailbox, message): Maildir keeps a copy per mailbox."""
    return sorted(
        (box, tuple(i["keywords"]), i["receivedAt"], i["digest"]) for i in items for box in i["mailboxes"]
    )


def test_jmap_to_jmap_with_basic_auth(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an account with mail on a JMAP server, and its password in the environment
    original = _fill(capsys, url, tmp_path, "old")
    create_account(capsys, url, "new")
    monkeypatch.setenv("MAILX_SOURCE_PASSWORD", PASSWORD)
    source = url.replace("http://", "http://old@") + "/.well-known/jmap"
    # When it is imported into another account
    code, out, err = mailx(
        capsys, url, "import", source, "--account", "new", "--state", str(tmp_path / "j.jsonl")
    )
    assert code == 0, err + out
    assert "imported 4," in out
    # Then the mailboxes (paths and roles), keywords, dates and octets are the same
    copied = holdings(client(url, "new"))
    assert comparable(copied) == comparable(original)
    old_tree, new_tree = mailbox_tree(client(url, "old")), mailbox_tree(client(url, "new"))
    assert new_tree == old_tree
    # And threads form again
    by_subject = {c["subject"]: c["threadId"] for c in copied}
    assert by_subject["Plans"] == by_subject["Re: Plans"]


def test_jmap_source_with_bearer_token_from_stdin(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a Bearer token of the source account, fed on stdin
    original = _fill(capsys, url, tmp_path, "src")
    create_account(capsys, url, "dst")
    code, out, _ = mailx(capsys, url, "login", "src", "--password", PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO(out.strip() + "\n"))
    # When it is imported with --auth bearer --password-stdin
    code, out, err = mailx(
        capsys, url, "import", url + "/.well-known/jmap", "--account", "dst", "--auth", "bearer",
        "--password-stdin", "--state", str(tmp_path / "b.jsonl"),
    )  # fmt: skip
    assert code == 0, err + out
    assert comparable(holdings(client(url, "dst"))) == comparable(original)


def test_a_wrong_source_password_is_a_clear_error(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_account(capsys, url, "who")
    monkeypatch.setenv("MAILX_SOURCE_PASSWORD", "not it")
    source = url.replace("http://", "http://who@") + "/.well-known/jmap"
    code, _, err = mailx(capsys, url, "import", source, "--account", "who", "--state", str(tmp_path / "x"))
    assert code == 1
    assert "HTTP 401" in err


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_export_then_import_round_trips(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    # Given an account with mail in nested mailboxes, with keywords, dates and a CRLF message
    original = _fill(capsys, url, tmp_path, "first")
    crlf = tmp_path / "crlf"
    for sub in ("cur", "new", "tmp"):
        (crlf / ".Lists.Python" / sub).mkdir(parents=True)
    raw = b"From: l@example.org\r\nSubject: crlf\r\n\r\nFrom a line\r\nno final newline"
    (crlf / ".Lists.Python" / "cur" / "1.M1.h:2,FS").write_bytes(raw)
    code, out, err = mailx(
        capsys, url, "import", str(crlf), "--account", "first", "--state", str(tmp_path / "c")
    )
    assert code == 0, err + out
    original = holdings(client(url, "first"))
    # When it is exported and imported into a fresh account
    target = tmp_path / ("export.mbox" if fmt == "mbox" else "export-maildir")
    code, out, err = mailx(capsys, url, "export", "first", "--to", str(target), "--format", fmt, "--json")
    assert code == 0, err
    assert json.loads(out)["emails"] == 5
    create_account(capsys, url, "second")
    code, out, err = mailx(
        capsys, url, "import", str(target), "--account", "second", "--state", str(tmp_path / "r.jsonl")
    )
    assert code == 0, err + out
    copied = holdings(client(url, "second"))
    # Then the same mailboxes, keywords, dates and octets come back
    if fmt == "mbox":
        assert comparable(copied) == comparable(original)  # one entry per Email, every mailbox named
    else:
        assert _flattened(copied) == _flattened(original)  # a copy per mailbox
    assert mailbox_tree(client(url, "second")) == mailbox_tree(client(url, "first"))
    assert raw in [c["raw"] for c in copied]
