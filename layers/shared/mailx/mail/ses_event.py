"""SES receipt-rule Lambda events, parsed leniently.

Powertools' strict `SesModel` rejects real mail (for example a message without a Subject), so only what
routing needs is required: the SES message id (it names the S3 object the S3 action wrote) and the
envelope recipients. Everything else is optional and kept for logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# SES message ids are letters, digits and dashes; anything else must never reach an S3 key.
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9-]{1,200}$")


class MalformedEvent(ValueError):
    """The event lacks what delivery needs; the message says what."""


@dataclass(frozen=True)
class InboundMail:
    """One received message as SES describes it."""

    message_id: str
    recipients: tuple[str, ...]
    timestamp: str
    source: str
    spam_verdict: str
    virus_verdict: str


def _verdict(receipt: dict[str, Any], name: str) -> str:
    value = receipt.get(name)
    return str(value.get("status", "")) if isinstance(value, dict) else ""


def parse_record(record: Any) -> InboundMail:
    """One `Records[]` entry -> InboundMail; MalformedEvent when it cannot be delivered."""
    ses = record.get("ses") if isinstance(record, dict) else None
    mail = ses.get("mail") if isinstance(ses, dict) else None
    receipt = ses.get("receipt") if isinstance(ses, dict) else None
    if not isinstance(mail, dict) or not isinstance(receipt, dict):
        raise MalformedEvent("record has no ses.mail / ses.receipt")
    message_id = mail.get("messageId")
    if not isinstance(message_id, str) or not _MESSAGE_ID.match(message_id):
        raise MalformedEvent("ses.mail.messageId is missing or not an SES message id")
    recipients = receipt.get("recipients")
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise MalformedEvent("ses.receipt.recipients is missing or not a list of addresses")
    return InboundMail(
        message_id=message_id,
        recipients=tuple(recipients),
        timestamp=str(receipt.get("timestamp") or mail.get("timestamp") or ""),
        source=str(mail.get("source") or ""),
        spam_verdict=_verdict(receipt, "spamVerdict"),
        virus_verdict=_verdict(receipt, "virusVerdict"),
    )


def parse_event(event: Any) -> list[InboundMail | MalformedEvent]:
    """Every record of the event, each parsed or the reason it could not be."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        return [MalformedEvent("event has no Records list")]
    parsed: list[InboundMail | MalformedEvent] = []
    for record in records:
        try:
            parsed.append(parse_record(record))
        except MalformedEvent as exc:
            parsed.append(exc)
    return parsed
