"""Shared by the import/export tests: the app under uvicorn on a free port, accounts, and a JMAP view of
what an account holds (mailbox paths, keywords, receivedAt, downloaded octets)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from mailx.cli import main
from mailx.migrate.jmap import Client, basic
from tests.helpers.cli import KEY

PASSWORD = "a long test password"


def mailx(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    """The `mailx` command in-process against URL; (exit code, stdout, stderr)."""
    code = main(["--url", url, "--key", KEY, *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def create_account(capsys: pytest.CaptureFixture[str], url: str, name: str) -> None:
    code, _, err = mailx(capsys, url, "account", "create", name, "--password", PASSWORD)
    assert code == 0, err


def client(url: str, name: str) -> Client:
    """The account's own JMAP client, signed in with Basic auth as a user would."""
    return Client(f"{url}/.well-known/jmap", basic(name, PASSWORD))


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def holdings(jmap: Client) -> list[dict[str, Any]]:
    """Every Email: its mailbox paths (with roles), keywords, receivedAt, octets digest, thread."""
    boxes = jmap.one("Mailbox/get", {"ids": None})["list"]
    by_id = {b["id"]: b for b in boxes}

    def path(box: dict[str, Any]) -> str:
        parent = by_id.get(box.get("parentId") or "")
        return f"{path(parent)}/{box['name']}" if parent else str(box["name"])

    ids = jmap.one("Email/query", {"limit": 1000})["ids"]
    emails = jmap.one(
        "Email/get",
        {"ids": ids, "properties": ["blobId", "mailboxIds", "keywords", "receivedAt", "threadId", "subject"]},
    )["list"]
    found = []
    for email in emails:
        raw = jmap.download(email["blobId"])
        found.append(
            {
                "mailboxes": sorted(path(by_id[m]) for m in email["mailboxIds"]),
                "roles": sorted(str(by_id[m].get("role")) for m in email["mailboxIds"]),
                "keywords": sorted(email["keywords"]),
                "receivedAt": email["receivedAt"],
                "digest": digest(raw),
                "raw": raw,
                "threadId": email["threadId"],
                "subject": email["subject"],
            }
        )
    return sorted(found, key=lambda e: (e["receivedAt"], e["digest"]))


def comparable(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What a round trip must keep: mailboxes, keywords, receivedAt, octets."""
    return sorted((tuple(i["mailboxes"]), tuple(i["keywords"]), i["receivedAt"], i["digest"]) for i in items)


def mailbox_tree(jmap: Client) -> dict[str, str | None]:
    """Mailbox path -> role."""
    boxes = jmap.one("Mailbox/get", {"ids": None})["list"]
    by_id = {b["id"]: b for b in boxes}

    def path(box: dict[str, Any]) -> str:
        parent = by_id.get(box.get("parentId") or "")
        return f"{path(parent)}/{box['name']}" if parent else str(box["name"])

    return {path(b): b.get("role") for b in boxes}


def report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


# A Google Takeout mbox: system labels, a nested label with a comma, an RFC 2047 label, a reply thread.
TAKEOUT = (
    b"From 1780000000000000001@xxx Mon Mar 04 09:15:00 +0000 2024\n"
    b"X-GM-THRID: 1780000000000000001\n"
    b"X-Gmail-Labels: Inbox,Starred,Opened,Category Personal\n"
    b"From: Carol <carol@example.org>\nTo: dan@example.com\nSubject: Plans\n"
    b"Message-ID: <plans@example.org>\nDate: Mon, 4 Mar 2024 09:14:00 +0000\n\nShall we?\n\n"
    b"From 1780000000000000002@xxx Mon Mar 04 10:00:00 +0000 2024\n"
    b"X-GM-THRID: 1780000000000000001\n"
    b'X-Gmail-Labels: Sent,Opened,"Work/Projects, 2024",Important\n'
    b"From: Dan <dan@example.com>\nTo: carol@example.org\nSubject: Re: Plans\n"
    b"Message-ID: <re-plans@example.com>\nIn-Reply-To: <plans@example.org>\n"
    b"References: <plans@example.org>\nDate: Mon, 4 Mar 2024 09:59:00 +0000\n\nYes.\n\n"
    b"From 1780000000000000003@xxx Tue Mar 05 08:00:00 +0000 2024\n"
    b"X-Gmail-Labels: Unread,=?UTF-8?Q?Re=C3=A7us?=\n"
    b"From: Eve <eve@example.net>\nTo: dan@example.com\nSubject: Receipt\n"
    b"Message-ID: <receipt@example.net>\nDate: Tue, 5 Mar 2024 07:59:00 +0000\n\nPaid.\n\n"
    b"From 1780000000000000004@xxx Wed Mar 06 08:00:00 +0000 2024\n"
    b"X-Gmail-Labels: Archived,Opened\n"
    b"From: Fay <fay@example.net>\nTo: dan@example.com\nSubject: Old news\n"
    b"Message-ID: <old@example.net>\nDate: Wed, 6 Mar 2024 07:59:00 +0000\n\nDone.\n"
)
