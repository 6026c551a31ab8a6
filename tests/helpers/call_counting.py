"""Counting what reaches AWS: botocore calls by service and operation, and the items DynamoDB returned.

Cost tests assert these counts, so "Email/query cost grows with the page, not the mailbox" is checked on
every run rather than timed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Calls:
    """Counts botocore operations by service and name while active."""

    def __init__(self) -> None:
        self.s3: Counter[str] = Counter()
        self.dynamodb: Counter[str] = Counter()

    def on_s3(self, event_name: str, **_: Any) -> None:
        self.s3[event_name.rsplit(".", 1)[-1]] += 1

    def on_dynamodb(self, event_name: str, **_: Any) -> None:
        self.dynamodb[event_name.rsplit(".", 1)[-1]] += 1


@contextmanager
def counting() -> Iterator[Calls]:
    """Count S3 calls on the shared S3 client and DynamoDB calls on the shared pynamodb client."""
    from mailx import aws
    from mailx.store import tables

    calls = Calls()
    s3_events = aws.s3().meta.events
    ddb_events = tables.connection().client.meta.events
    s3_events.register("before-call.s3.*", calls.on_s3)
    ddb_events.register("before-call.dynamodb.*", calls.on_dynamodb)
    try:
        yield calls
    finally:
        s3_events.unregister("before-call.s3.*", calls.on_s3)
        ddb_events.unregister("before-call.dynamodb.*", calls.on_dynamodb)


@contextmanager
def items_read() -> Iterator[Counter[str]]:
    """Items DynamoDB returned, by operation (Query Count, BatchGetItem responses, GetItem Item)."""
    from mailx.store import tables

    seen: Counter[str] = Counter()

    def on_reply(event_name: str, parsed: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        if "Count" in parsed:
            seen[operation] += int(parsed["Count"])
        elif "Responses" in parsed:
            seen[operation] += sum(len(v) for v in parsed["Responses"].values())
        elif "Item" in parsed:
            seen[operation] += 1

    events = tables.connection().client.meta.events
    events.register("after-call.dynamodb.*", on_reply)
    try:
        yield seen
    finally:
        events.unregister("after-call.dynamodb.*", on_reply)
