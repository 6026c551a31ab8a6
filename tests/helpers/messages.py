"""Mail to feed the server: small RFC 5322 messages with CRLF line ends, and ingesting them at set times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mailx.mail.ingest import ingest
from tests.helpers.mailboxes import inbox_id


def message(msgid: str, subject: str, *, refs: str = "", irt: str = "", body: str = "hello") -> bytes:
    """A small RFC 5322 message with CRLF line ends."""
    lines = [f"Message-ID: <{msgid}>", "From: Ann <ann@example.net>", "To: alice@example.com"]
    if irt:
        lines.append(f"In-Reply-To: <{irt}>")
    if refs:
        lines.append("References: " + " ".join(f"<{r}>" for r in refs.split()))
    lines += [f"Subject: {subject}", "Date: Mon, 01 Apr 2024 10:00:00 +0000", "", body, ""]
    return "\r\n".join(lines).encode()


T0 = datetime(2024, 4, 1, 10, 0, tzinfo=UTC)  # put() receives mail minutes after this


def mail(
    msgid: str,
    subject: str,
    *,
    sender: str = "Ann <ann@example.net>",
    to: str = "alice@example.com",
    cc: str = "",
    irt: str = "",
    body: str = "hello",
    date: str = "Mon, 01 Apr 2024 10:00:00 +0000",
    extra: str = "",
) -> bytes:
    """A message with the headers given (IRT adds In-Reply-To and References, EXTRA one more header line)."""
    lines = [f"Message-ID: <{msgid}>", f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Date: {date}"]
    if cc:
        lines.append(f"Cc: {cc}")
    if irt:
        lines += [f"In-Reply-To: <{irt}>", f"References: <{irt}>"]
    if extra:
        lines.append(extra)
    return "\r\n".join([*lines, "", body, ""]).encode()


def put(
    alice: Any, raw: bytes, minutes: int, boxes: list[str] | None = None, keywords: tuple[str, ...] = ()
) -> str:
    """Ingest RAW for alice, received MINUTES after T0, into BOXES (the Inbox by default); the email id."""
    return ingest(
        alice.account_id,
        raw,
        mailbox_ids=boxes or [inbox_id(alice.account_id)],
        keywords=keywords,
        received_at=T0 + timedelta(minutes=minutes),
    ).email_id


# A PNG signature and header chunk, then bytes: an attachment no text sniffing mistakes for text.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 3
