"""Lambda entry for the outbound queue (RFC 8621 §7 sends): SQS batch -> mailx.mail.outbound, per item.

Each record is handled alone; one to retry later is reported in `batchItemFailures` (the function's
event source mapping has ReportBatchItemFailures), so the others are deleted and it comes back after
the visibility timeout the consumer set from its backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from mailx.mail import outbound, outbound_send
from mailx.mail.relay.base import Relay

logger = Logger(service="mailx-outbound")
# A batch whose every message must wait (a held claim, a relay asking for later) is not a function error:
# each is reported in batchItemFailures and comes back after the visibility timeout the consumer set.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class RetryLater(Exception):
    """The message stays on the queue (its visibility timeout already says when it comes back)."""


def _relay() -> Relay:
    """Chosen per invocation: RELAY may be changed at run time (Config/set)."""
    from mailx.mail.relay.select import get_relay
    from mailx.store.config_store import effective_settings

    return get_relay(effective_settings())


def _handler_for(relay: Relay) -> Callable[[SQSRecord], None]:
    def record_handler(record: SQSRecord) -> None:
        if not outbound_send.handle(outbound.from_sqs(record.raw_event), relay):
            raise RetryLater(record.message_id)

    return record_handler


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS event source (batch size small) -> one send per record; failures reported per item."""
    response = process_partial_response(
        event=event, record_handler=_handler_for(_relay()), processor=processor, context=context
    )
    return dict(response)
