"""`mailx import FILE.mbox`: mboxrd and mboxo quoting undone byte-exact, Google Takeout labels mapped to
mailboxes and keywords, dates from the From line, threads formed, a second run imports nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.migrate import (
    TAKEOUT,
    client,
    create_account,
    digest,
    holdings,
    mailbox_tree,
    mailx,
    report,
)


def _message(n: int, body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"From: Ann <ann@example.org>\nTo: bob@example.com\n"
        + f"Subject: message {n}\nMessage-ID: <m{n}@example.org>\n".encode()
        + f"Date: Mon, 01 Jan 2024 10:0{n}:00 +0000\n".encode()
        + extra
        + b"\n"
        + body
    )


ORIGINALS = [
    _message(1, b"From here on it is quoted.\n>From was quoted already.\n>>From twice.\nend\n"),
    _message(2, b"ends at a blank line\n\n"),
    _message(3, b"line\n\n\nFrom the blank line above.\n"),
]


def _mboxrd(messages: list[bytes]) -> bytes:
    out = b""
    for n, raw in enumerate(messages):
        quoted = b"".join(
            (b">" + line if line.lstrip(b">").startswith(b"From ") else line)
            for line in raw.splitlines(keepends=True)
        )
        out += f"From ann@example.org Tue Jan  2 0{n}:00:00 2024\n".encode() + quoted + b"\n"
    return out


def test_mboxrd_quoting_is_undone_byte_exact(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given an mboxrd file whose messages have From lines, quoted From lines and trailing blank lines
    create_account(capsys, url, "ann")
    source = tmp_path / "Saved.mbox"
    source.write_bytes(_mboxrd(ORIGINALS))
    # When it is imported
    state = tmp_path / "state.jsonl"
    code, out, err = mailx(capsys, url, "import", str(source), "--account", "ann", "--state", str(state))
    # Then every message is stored byte for byte, in a mailbox named after the file, dated by its From line
    assert code == 0, err + out
    assert "imported 3, skipped 0" in out
    held = holdings(client(url, "ann"))
    # (the last message has no newline; the separator before EOF is not part of it)
    assert sorted(h["digest"] for h in held) == sorted(digest(m) for m in ORIGINALS)
    assert [h["receivedAt"] for h in held] == [
        "2024-01-02T00:00:00Z",
        "2024-01-02T01:00:00Z",
        "2024-01-02T02:00:00Z",
    ]
    assert {tuple(h["mailboxes"]) for h in held} == {("Saved",)}
    assert all(h["keywords"] == [] for h in held)
    # And running it again creates nothing new
    code, out, err = mailx(capsys, url, "import", str(source), "--account", "ann", "--state", str(state))
    assert code == 0, err
    assert "imported 0, skipped 3 already imported, failed 0" in out
    assert len(holdings(client(url, "ann"))) == 3


def test_mboxo_quoting_is_undone(url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Given an mboxo file: only "From " lines were quoted (">From "), ">From" lines left alone
    create_account(capsys, url, "otto")
    original = _message(4, b"From the start.\nplain\n")
    source = tmp_path / "old.mbox"
    source.write_bytes(
        b"From MAILER-DAEMON Wed Feb  7 12:30:00 2024\n"
        + original.replace(b"\nFrom the", b"\n>From the")
        + b"\n"
    )
    # When it is imported with --quoting mboxo into the Inbox
    code, out, err = mailx(
        capsys, url, "import", str(source), "--account", "otto", "--quoting", "mboxo", "--mailbox", "Inbox",
        "--state", str(tmp_path / "s.jsonl"),
    )  # fmt: skip
    # Then the stored octets are the original's and it is in the inbox-role mailbox
    assert code == 0, err + out
    (held,) = holdings(client(url, "otto"))
    assert held["raw"] == original
    assert held["roles"] == ["inbox"]
    assert held["receivedAt"] == "2024-02-07T12:30:00Z"


def test_takeout_labels_become_mailboxes_and_keywords(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a Google Takeout mbox (X-Gmail-Labels: system labels, a nested label with a comma, RFC 2047)
    create_account(capsys, url, "dan")
    source = tmp_path / "All mail Including Spam and Trash.mbox"
    source.write_bytes(TAKEOUT)
    report_file = tmp_path / "report.json"
    # When it is imported
    code, out, err = mailx(
        capsys, url, "import", str(source), "--account", "dan", "--state", str(tmp_path / "s.jsonl"),
        "--report", str(report_file),
    )  # fmt: skip
    assert code == 0, err + out
    jmap = client(url, "dan")
    held = {h["subject"]: h for h in holdings(jmap)}
    # Then system labels map to the role mailboxes and to keywords, user labels to a mailbox tree
    assert held["Plans"]["roles"] == ["inbox"]
    assert held["Plans"]["keywords"] == ["$flagged", "$seen"]
    assert held["Re: Plans"]["mailboxes"] == ["Sent", "Work/Projects, 2024"]
    assert held["Re: Plans"]["keywords"] == ["$important", "$seen"]
    assert held["Receipt"]["mailboxes"] == ["Reçus"]
    assert held["Receipt"]["keywords"] == []
    assert held["Old news"]["roles"] == ["archive"]
    assert held["Plans"]["receivedAt"] == "2024-03-04T09:15:00Z"
    assert mailbox_tree(jmap)["Work"] is None
    # And the reply joins its parent's thread, as delivered mail would
    assert held["Plans"]["threadId"] == held["Re: Plans"]["threadId"]
    assert held["Receipt"]["threadId"] != held["Plans"]["threadId"]
    # And the report file counts per mailbox
    data = report(report_file)
    assert data["imported"] == 4
    assert data["failed"] == 0
    assert data["perMailbox"]["Work/Projects, 2024"] == 1


def test_a_bad_message_is_reported_and_the_rest_imported(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given an mbox whose second entry is not a message at all (no header fields)
    create_account(capsys, url, "fred")
    good = [_message(5, b"first\n"), _message(6, b"third\n")]
    source = tmp_path / "mixed.mbox"
    source.write_bytes(
        b"From a Mon Jan  1 00:00:00 2024\n" + good[0] + b"\n"
        b"From b Mon Jan  1 00:00:00 2024\njust a line of text, no header\n\n"
        b"From c Mon Jan  1 00:00:00 2024\n" + good[1]
    )
    report_file = tmp_path / "report.json"
    state = tmp_path / "s.jsonl"
    argv = ("import", str(source), "--account", "fred", "--state", str(state), "--report", str(report_file))
    # When it is imported
    code, out, err = mailx(capsys, url, *argv)
    # Then the run goes on, the failure is listed at the end and in the report, and the exit code says so
    assert code == 1
    assert "1 message(s) not imported" in err
    assert "imported 2, skipped 0 already imported, failed 1" in out
    data = report(report_file)
    assert data["failed"] == 1
    (failure,) = data["failures"]
    assert failure["ref"].startswith("mixed.mbox@")
    assert failure["error"].startswith("invalidEmail")
    assert sorted(h["digest"] for h in holdings(client(url, "fred"))) == sorted(digest(g) for g in good)
    # And a second run retries only the failed one
    code, out, _ = mailx(capsys, url, *argv)
    assert code == 1
    assert "imported 0, skipped 2 already imported, failed 1" in out
