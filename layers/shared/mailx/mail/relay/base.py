"""The relay interface every outbound path uses (RFC 5321 envelope + RFC 5322 message).

The outbound consumer and the vacation responder hand a relay an `OutboundMessage` and get back which
recipients it accepted; a relay raises `TransientRelayError` for anything worth retrying (429 with its
Retry-After, 5xx, timeouts) and `PermanentRelayError` for what never will succeed. The submission id is
the relay's idempotency key, so a redelivered queue message never sends twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutboundMessage:
    """One message to send: the envelope, and our MIME with the Bcc header already removed."""

    idempotency_key: str  # the EmailSubmission id (or another unique id for system mail)
    account_id: str
    mail_from: str
    rcpt_to: tuple[str, ...]
    raw: bytes


@dataclass(frozen=True)
class RelayResult:
    """What the relay took: its own message id (for delivery webhooks) and per-recipient answers."""

    relay_message_id: str | None
    accepted: tuple[str, ...]
    rejected: Mapping[str, str] = field(default_factory=dict)  # recipient -> SMTP-style reply


class RelayError(Exception):
    """Base class of relay failures."""


class TransientRelayError(RelayError):
    """Try again later; RETRY_AFTER (seconds) when the relay said how long to wait."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentRelayError(RelayError):
    """The relay refused the message for good; REPLY is what to show as each recipient's smtpReply."""

    def __init__(self, message: str, reply: str = "550 5.0.0 Rejected by relay") -> None:
        super().__init__(message)
        self.reply = reply


class Relay(Protocol):
    """Sends one message; implementations are chosen by configuration (see `mailx.mail.relay.select`)."""

    name: str

    def send(self, message: OutboundMessage) -> RelayResult: ...
