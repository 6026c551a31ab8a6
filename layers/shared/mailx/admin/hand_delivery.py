"""Delivering a message by hand (`mailx deliver`, POST /v0/management/deliver) exactly as SES would.

The envelope recipients are routed by `mail.routing.route` (addresses, subaddresses, postmaster,
catch-all) and each account gets one copy in its Inbox through `mail.ingest.ingest` (RFC 8621 §4):
the same path, threading and counters as inbound mail. With an idempotency key, a repeated delivery
creates nothing new and reports the copies made the first time as duplicates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from mailx.mail import ingest as ingest_module
from mailx.mail.routing import route
from mailx.mail.routing import target_mailbox as inbox_of  # the Inbox choice SES delivery makes

logger = logging.getLogger("mailx.deliver")


@dataclass
class DeliveryReport:
    """What one delivery did, by account; unknown recipients are reported, not errors."""

    delivered: dict[str, str] = field(default_factory=dict)  # account id -> new email id
    duplicates: dict[str, str] = field(default_factory=dict)  # account id -> email id made before
    failed: dict[str, str] = field(default_factory=dict)  # account id -> why
    unknown_recipients: list[str] = field(default_factory=list)
    routes: dict[str, str] = field(default_factory=dict)  # recipient -> account id

    def to_json(self) -> dict[str, object]:
        return {
            "delivered": self.delivered,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "unknownRecipients": self.unknown_recipients,
            "routes": self.routes,
        }


def deliver(raw: bytes, recipients: list[str], *, idempotency_key: str | None = None) -> DeliveryReport:
    """Ingest RAW once for every account RECIPIENTS route to (each account once, however many of its
    addresses are named). A failure for one account is reported and does not stop the others."""
    report = DeliveryReport()
    routing = route(recipients)
    report.unknown_recipients = list(routing.unknown)
    report.routes = {r.recipient: r.account_id for r in routing.routes}
    key = None if idempotency_key is None else f"deliver:{idempotency_key}"
    for account_id in routing.accounts:
        try:
            result = ingest_module.ingest(
                account_id, raw, mailbox_ids=[inbox_of(account_id, junk=False)], idempotency_key=key
            )
        except ingest_module.IngestError as exc:
            report.failed[account_id] = str(exc)
            continue
        except Exception:
            logger.exception("manual delivery to %s failed", account_id)
            report.failed[account_id] = "internal error (logged)"
            continue
        target = report.delivered if result.created else report.duplicates
        target[account_id] = result.email_id
    return report
