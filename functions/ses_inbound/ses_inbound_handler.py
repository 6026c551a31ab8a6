"""Lambda entry for SES receipt-rule events: parse leniently, deliver, log and count the outcome."""

from __future__ import annotations

from typing import Any

from mailx.mail.inbound import DeliveryFailed, deliver_received
from mailx.mail.ses_event import MalformedEvent, parse_event
from mailx.observe import metrics
from mailx.observe.lambda_log import function_logger, log_invocation, record_count

logger = function_logger("mailx-ses-inbound")


def _count(outcome: str, value: int = 1) -> None:
    """Ingests by outcome (delivered, duplicate, unknownRecipient, malformed, oversized, failed)."""
    metrics.count("Ingests", value, outcome=outcome)


def _handle(event: dict[str, Any]) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    failed: DeliveryFailed | None = None
    for item in parse_event(event):
        if isinstance(item, MalformedEvent):
            # Retrying cannot fix a malformed event; the raw object (if any) stays under inbound/.
            logger.error("malformed SES record", extra={"reason": str(item)})
            _count("malformed")
            continue
        try:
            outcome = deliver_received(item)
        except DeliveryFailed as exc:
            failed = exc
            outcome = exc.outcome
        logger.info(
            "inbound delivered",
            extra={
                "sesMessageId": outcome.message_id,
                "accounts": sorted(outcome.delivered),
                "duplicates": outcome.duplicates,
                "unknownRecipients": outcome.unknown_recipients,
            },
        )
        _count("delivered", len(outcome.delivered))
        _count("duplicate", len(outcome.duplicates))
        _count("unknownRecipient", len(outcome.unknown_recipients))
        result: dict[str, Any] = {"messageId": outcome.message_id, "delivered": len(outcome.delivered)}
        if outcome.over_quota:  # stored anyway (docs/quotas.md); the account's JMAP writes are refused
            _count("OverQuotaDeliveries", len(outcome.over_quota))
            result["overQuota"] = outcome.over_quota
        if outcome.oversized is not None:  # kept in S3, logged by mail.inbound; an alarm can watch this
            _count("oversized")
            result.update(oversized=outcome.oversized, keptAt=outcome.kept_at)
        results.append(result)
    if failed is not None:
        _count("failed", len(failed.failures))
        raise failed  # the async invocation is retried, then parked in the dead-letter queue
    return {"results": results}


@logger.inject_lambda_context(clear_state=True)
@log_invocation(logger, records=record_count)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SES receipt rule (Lambda action, Event invocation) -> one stored Email per recipient account."""
    return _handle(event)
