"""`mailx import MAILDIR`: Maildir++ folders (nested, empty ones too) become mailboxes, `:2,` flags and
dovecot-keywords become keywords, mtime becomes receivedAt; `--into` puts it all under one parent."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers.migrate import client, create_account, holdings, mailbox_tree, mailx


def _put(folder: Path, sub: str, name: str, subject: str, when: datetime) -> bytes:
    raw = (
        f"From: a@example.org\r\nTo: b@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@example.org>\r\n\r\nBody of {subject}.\r\n"
    ).encode()
    (folder / sub).mkdir(parents=True, exist_ok=True)
    for other in ("cur", "new", "tmp"):
        (folder / other).mkdir(exist_ok=True)
    path = folder / sub / name
    path.write_bytes(raw)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return raw


def _tree(root: Path) -> dict[str, bytes]:
    day = datetime(2023, 5, 1, 12, 0, tzinfo=UTC)
    raws = {
        "read": _put(root, "cur", "1682942400.M1P1.host,S=100:2,S", "read", day),
        "new": _put(root, "new", "1682942401.M2P1.host", "new", day.replace(hour=13)),
        "work": _put(root / ".Work", "cur", "1682942402.M3P1.host:2,FRa", "work", day.replace(hour=14)),
        "project": _put(
            root / ".Work.Projects", "cur", "1682942403.M4P1.host:2,DS", "project", day.replace(hour=15)
        ),
        "sent": _put(root / ".Sent", "cur", "1682942404.M5P1.host:2,PS", "sent", day.replace(hour=16)),
        "gone": _put(root / ".Work", "cur", "1682942405.M6P1.host:2,ST", "gone", day.replace(hour=17)),
    }
    (root / ".Work" / "dovecot-keywords").write_text("0 $label1\n1 urgent\n")
    for sub in ("cur", "new", "tmp"):
        (root / ".Empty%2Efolder" / sub).mkdir(parents=True)
    return raws


def test_maildir_folders_flags_and_dates(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a Maildir++ tree with flags, a custom keyword, a nested and an empty folder
    create_account(capsys, url, "mia")
    root = tmp_path / "Maildir"
    raws = _tree(root)
    # When it is imported
    code, out, err = mailx(
        capsys, url, "import", str(root), "--account", "mia", "--state", str(tmp_path / "s.jsonl")
    )
    assert code == 0, err + out
    jmap = client(url, "mia")
    held = {h["subject"]: h for h in holdings(jmap)}
    # Then folders mirror the tree: root = Inbox, .Sent = the sent-role mailbox, nested and empty ones made
    tree = mailbox_tree(jmap)
    assert tree["Work/Projects"] is None
    assert "Empty.folder" in tree
    assert held["read"]["roles"] == ["inbox"]
    assert held["new"]["roles"] == ["inbox"]
    assert held["sent"]["roles"] == ["sent"]
    assert held["project"]["mailboxes"] == ["Work/Projects"]
    # And flags become keywords (new/ is unread; T goes to the Trash), mtime becomes receivedAt
    assert held["read"]["keywords"] == ["$seen"]
    assert held["new"]["keywords"] == []
    assert held["work"]["keywords"] == ["$answered", "$flagged", "$label1"]
    assert held["project"]["keywords"] == ["$draft", "$seen"]
    assert held["sent"]["keywords"] == ["$forwarded", "$seen"]
    assert held["gone"]["roles"] == ["trash"]
    assert held["work"]["receivedAt"] == "2023-05-01T14:00:00Z"
    # And the octets (CRLF line ends) are byte-exact
    for subject, raw in raws.items():
        assert held[subject]["raw"] == raw


def test_into_puts_the_whole_import_under_one_parent(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given the same tree and an account whose Inbox must stay untouched
    create_account(capsys, url, "max")
    root = tmp_path / "Maildir"
    _tree(root)
    # When it is imported --into "Old server"
    code, out, err = mailx(
        capsys, url, "import", str(root), "--account", "max", "--into", "Old server",
        "--state", str(tmp_path / "s.jsonl"),
    )  # fmt: skip
    assert code == 0, err + out
    jmap = client(url, "max")
    held = {h["subject"]: h for h in holdings(jmap)}
    # Then every message sits under the parent, in role-less copies of the source folders
    assert held["read"]["mailboxes"] == ["Old server/Inbox"]
    assert held["sent"]["mailboxes"] == ["Old server/Sent"]
    assert held["project"]["mailboxes"] == ["Old server/Work/Projects"]
    assert held["gone"]["mailboxes"] == ["Old server/Trash"]
    tree = mailbox_tree(jmap)
    assert tree["Old server/Sent"] is None
    assert tree["Sent"] == "sent"
