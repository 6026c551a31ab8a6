"""Another JMAP server as a source: its mailbox tree with roles, every Email's keywords, receivedAt and
original octets (blob download). An Email in several mailboxes is imported once, into all of them."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from mailx.migrate import keywords
from mailx.migrate.jmap import Client, JmapError
from mailx.migrate.model import Failure, Folder, Message

_PAGE = 200


def utc_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def mailbox_folders(client: Client) -> dict[str, Folder]:
    """Every mailbox of the account as a Folder (path of names, role), by mailbox id."""
    listed = client.one("Mailbox/get", {"ids": None, "properties": ["name", "parentId", "role"]})["list"]
    boxes = {b["id"]: b for b in listed}

    def path_of(box: dict[str, Any], depth: int = 0) -> tuple[str, ...]:
        parent = boxes.get(box.get("parentId") or "")
        return (*path_of(parent, depth + 1), box["name"]) if parent and depth < 64 else (box["name"],)

    return {i: Folder(path_of(b), b.get("role")) for i, b in boxes.items()}


def email_pages(client: Client, properties: list[str]) -> Iterator[tuple[int | None, list[dict[str, Any]]]]:
    """(total, Emails) a page at a time, oldest first."""
    position = 0
    while True:
        limit = min(_PAGE, client.max_objects_in_get)
        responses = client.call(
            [
                [
                    "Email/query",
                    {
                        "accountId": client.account_id,
                        "sort": [{"property": "receivedAt", "isAscending": True}],
                        "position": position,
                        "limit": limit,
                        "calculateTotal": True,
                    },
                    "q",
                ],
                [
                    "Email/get",
                    {
                        "accountId": client.account_id,
                        "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                        "properties": properties,
                    },
                    "g",
                ],
            ]
        )
        for name, args, _ in responses:
            if name == "error":
                raise JmapError(f"listing Emails: {args.get('type')} {args.get('description', '')}")
        query, got = responses[0][1], responses[1][1]
        ids = query["ids"]
        by_id = {e["id"]: e for e in got["list"]}
        yield query.get("total"), [by_id[i] for i in ids if i in by_id]
        if len(ids) < limit:
            return
        position += len(ids)


class JmapSource:
    """The mail account of a JMAP session (Basic or Bearer)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.description = f"JMAP {client.session_url} account {client.account_id}"
        self._folders = mailbox_folders(client)

    def folders(self) -> list[Folder]:
        return sorted(self._folders.values(), key=lambda f: (len(f.path), f.path))

    def estimate(self) -> tuple[int | None, int | None]:
        answer = self.client.one("Email/query", {"limit": 0, "calculateTotal": True})
        return answer.get("total"), None

    def messages(self, done_refs: frozenset[str]) -> Iterator[Message | Failure]:
        props = ["blobId", "mailboxIds", "keywords", "receivedAt", "size"]
        with ThreadPoolExecutor(self.client.max_concurrent_upload) as pool:
            for _, emails in email_pages(self.client, props):
                todo = [e for e in emails if f"jmap:{e['id']}" not in done_refs]
                for email, raw in zip(todo, pool.map(self._fetch, todo), strict=True):
                    yield self._message(email, raw)

    def _fetch(self, email: dict[str, Any]) -> bytes | str:
        try:
            return self.client.download(email["blobId"])
        except JmapError as exc:
            return str(exc)

    def _message(self, email: dict[str, Any], raw: bytes | str) -> Message | Failure:
        folders = tuple(self._folders[m] for m in sorted(email.get("mailboxIds") or {}) if m in self._folders)
        ref = f"jmap:{email['id']}"
        if isinstance(raw, str):
            return Failure(ref, ", ".join("/".join(f.path) for f in folders), raw)
        words = keywords.clean(k for k, v in (email.get("keywords") or {}).items() if v)
        return Message(
            raw, folders or (Folder(("Inbox",), "inbox"),), words, utc_date(email.get("receivedAt")), ref
        )
