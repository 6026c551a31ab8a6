"""Delivering mail SES received: route by envelope, ingest one copy per account, report the rest.

The raw message is already in S3 (`inbound/{sesMessageId}`, written by the receipt rule's S3
action). Each account's copy is ingested with the idempotency key `ses:{messageId}`, so a redelivered
event (SES or Lambda retries, or two deliveries racing) creates nothing new, and a failure for one
account can be retried without duplicating the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mailx.mail import ingest as ingest_module
from mailx.mail import vacation
from mailx.mail.relay.base import Relay
from mailx.mail.routing import route, target_mailbox
from mailx.mail.ses_event import InboundMail
from mailx.store import blobs, emails

logger = logging.getLogger("mailx.inbound")
INBOUND_PREFIX = "inbound/"
# Mail over MAX_MESSAGE_SIZE is copied here, outside inbound/'s 7-day expiry, for an operator to fetch.
OVERSIZED_PREFIX = "oversized/"


@dataclass
class InboundOutcome:
    """What happened to one received message."""

    message_id: str
    delivered: dict[str, str] = field(default_factory=dict)  # account id -> email id
    duplicates: list[str] = field(default_factory=list)  # accounts that already had it
    unknown_recipients: list[str] = field(default_factory=list)
    oversized: int | None = None  # the size, when the message was kept under OVERSIZED_PREFIX instead
    over_quota: dict[str, list[str]] = field(default_factory=dict)  # account id -> quotas now exceeded
    kept_at: str | None = None


def _received_at(timestamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _auto_reply(account_id: str, email_id: str, mail: InboundMail, relay: Relay | None) -> None:
    """The account's vacation response (RFC 8621 §8, RFC 3834) to the envelope sender, if it is due.

    The copy is already stored: a failure here is logged and never fails (or retries) the delivery.
    """

    def summary() -> dict[str, Any]:
        record = emails.get(account_id, email_id)
        return record.summary if record is not None else {}

    arrived = _received_at(mail.timestamp) or datetime.now(UTC)
    if arrived.tzinfo is None:
        arrived = arrived.replace(tzinfo=UTC)
    try:
        outcome = vacation.maybe_reply(
            account_id, mail.source, summary, relay, arrived, message_key=mail.message_id
        )
    except Exception:
        logger.exception("vacation response for %s to %s failed", mail.message_id, account_id)
        return
    logger.info("vacation response for %s to %s: %s", mail.message_id, account_id, outcome)


def _keep_oversized(mail: InboundMail, outcome: InboundOutcome, size: int, accounts: list[str]) -> None:
    """Nothing is lost: the octets move (server-side) out of inbound/'s expiry, and the operator is told.
    No account gets a copy and no retry follows: a retry cannot make the message smaller."""
    outcome.oversized = size
    outcome.kept_at = OVERSIZED_PREFIX + mail.message_id
    blobs.copy(INBOUND_PREFIX + mail.message_id, outcome.kept_at)
    logger.error(
        "message over the size limit kept, not delivered",
        extra={
            "sesMessageId": mail.message_id,
            "size": size,
            "keptAt": outcome.kept_at,
            "accounts": accounts,
        },
    )


def deliver_received(mail: InboundMail, *, relay: Relay | None = None) -> InboundOutcome:
    """Ingest MAIL for every account its envelope recipients route to; raise if any account failed.

    Each account that got a new copy (never a duplicate) may send its vacation response through
    RELAY (None: the configured relay), unless SES judged the message spam or a virus.
    Raising makes the asynchronous invocation retry (then land in the dead-letter queue); the accounts
    that already have their copy are skipped on the retry by the idempotency key. A message over
    MAX_MESSAGE_SIZE is kept under OVERSIZED_PREFIX and reported in the outcome instead.
    """
    outcome = InboundOutcome(mail.message_id)
    routing = route(list(mail.recipients))
    outcome.unknown_recipients = list(routing.unknown)
    if routing.unknown:
        logger.warning("unknown recipients for %s: %s", mail.message_id, routing.unknown)
    junk = mail.spam_verdict == "FAIL" or mail.virus_verdict == "FAIL"
    failures: list[tuple[str, Exception]] = []
    for account_id in routing.accounts:
        try:
            result = ingest_module.ingest(
                account_id,
                INBOUND_PREFIX + mail.message_id,
                mailbox_ids=[target_mailbox(account_id, junk=junk)],
                received_at=_received_at(mail.timestamp),
                idempotency_key=f"ses:{mail.message_id}",
            )
        except ingest_module.Oversized as exc:  # the same object for every account: decide once
            _keep_oversized(mail, outcome, exc.size, list(routing.accounts))
            return outcome
        except Exception as exc:
            logger.exception("delivery of %s to %s failed", mail.message_id, account_id)
            failures.append((account_id, exc))
            continue
        if result.created:
            outcome.delivered[account_id] = result.email_id
            if result.over_quota:  # stored all the same: mail from outside is never refused or lost
                outcome.over_quota[account_id] = list(result.over_quota)
                logger.warning(
                    "delivered %s to %s over its quota (%s)", mail.message_id, account_id, result.over_quota
                )
            if not junk:  # never answer spam: its sender is usually forged (backscatter)
                _auto_reply(account_id, result.email_id, mail, relay)
        else:
            outcome.duplicates.append(account_id)
    if failures:
        raise DeliveryFailed(outcome, failures)
    return outcome


class DeliveryFailed(Exception):
    """Some accounts did not get their copy; the others did (and will be skipped on retry)."""

    def __init__(self, outcome: InboundOutcome, failures: list[tuple[str, Exception]]) -> None:
        super().__init__(f"{len(failures)} account(s) failed for {outcome.message_id}")
        self.outcome = outcome
        self.failures = failures
