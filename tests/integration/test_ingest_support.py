"""Helpers for the ingest, Email/get and thread tests: AWS call counting, JMAP calls, mailbox counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mailx.protocol.capabilities import CORE, MAIL
from mailx.store import emails
from mailx.store.models import Mailbox
from tests.support import basic

ALICE = basic("alice", "correct horse battery")


class Calls:
    """Counts botocore operations by service and name while active."""

    def __init__(self) -> None:
        self.s3: Counter[str] = Counter()
        self.dynamodb: Counter[str] = Counter()

    def _on_s3(self, event_name: str, **_: Any) -> None:
        self.s3[event_name.rsplit(".", 1)[-1]] += 1

    def _on_dynamodb(self, event_name: str, **_: Any) -> None:
        self.dynamodb[event_name.rsplit(".", 1)[-1]] += 1


@contextmanager
def counting() -> Iterator[Calls]:
    """Count S3 calls on the shared S3 client and DynamoDB calls on the shared pynamodb client."""
    from mailx import aws
    from mailx.store import tables

    calls = Calls()
    s3_events = aws.s3().meta.events
    ddb_events = tables.connection().client.meta.events
    s3_events.register("before-call.s3.*", calls._on_s3)
    ddb_events.register("before-call.dynamodb.*", calls._on_dynamodb)
    try:
        yield calls
    finally:
        s3_events.unregister("before-call.s3.*", calls._on_s3)
        ddb_events.unregister("before-call.dynamodb.*", calls._on_dynamodb)


def inbox_id(account_id: str) -> str:
    return next(m for m, role in emails.mailbox_roles(account_id).items() if role == "inbox")


def counters(account_id: str, mailbox_id: str) -> dict[str, int]:
    box = Mailbox.get(account_id, mailbox_id, consistent_read=True)
    return {
        "totalEmails": int(box.total_emails),
        "unreadEmails": int(box.unread_emails),
        "totalThreads": int(box.total_threads),
        "unreadThreads": int(box.unread_threads),
    }


def jmap(client: Any, *calls: list[Any]) -> list[list[Any]]:
    """POST one request with core+mail and return its methodResponses."""
    response = client.post(
        "/jmap/api", json={"using": [CORE, MAIL], "methodCalls": list(calls)}, headers=ALICE
    )
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


def message(msgid: str, subject: str, *, refs: str = "", irt: str = "", body: str = "hello") -> bytes:
    """A small RFC 5322 message with CRLF line ends."""
    lines = [f"Message-ID: <{msgid}>", "From: Ann <ann@example.net>", "To: alice@example.com"]
    if irt:
        lines.append(f"In-Reply-To: <{irt}>")
    if refs:
        lines.append("References: " + " ".join(f"<{r}>" for r in refs.split()))
    lines += [f"Subject: {subject}", "Date: Mon, 01 Apr 2024 10:00:00 +0000", "", body, ""]
    return "\r\n".join(lines).encode()
