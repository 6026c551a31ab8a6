"""Lambda entry for the change feed: the accounts table's DynamoDB Stream -> every push path.

The event source mapping reports partial failures (ReportBatchItemFailures): when a sink fails, the
batch is resumed from the first record of the account it failed for (mailx.push.fanout), so records
of accounts already pushed are not retried and none after it is skipped.
"""

from __future__ import annotations

from typing import Any

from mailx.config import get_settings
from mailx.observe.lambda_log import function_logger, log_invocation, record_count
from mailx.push import fanout, websocket_sink
from mailx.push.feed import Sink
from mailx.push.sinks import push_sinks
from mailx.push.stream_records import parse_records

logger = function_logger("mailx-push")


def sinks() -> tuple[Sink, ...]:
    """Every push path the feed is handed to (built per invocation: settings may be swapped in tests)."""
    poster = websocket_sink.management_poster(get_settings().websocket_management_url)
    return push_sinks(poster)


@logger.inject_lambda_context(clear_state=True)
@log_invocation(logger, records=record_count)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """DynamoDB Stream batch -> StateChange pushes; `batchItemFailures` names where to resume."""
    outcome = fanout.deliver(parse_records(event.get("Records", [])), sinks())
    if outcome.resume_from is None:
        return {"batchItemFailures": []}
    return {"batchItemFailures": [{"itemIdentifier": outcome.resume_from}]}
