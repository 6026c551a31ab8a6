"""Fault injection below our code: AWS answers errors, or the process "dies", at a chosen call.

Nothing of mailx is replaced. An error is injected into the HTTP exchange itself: a `before-send` hook
on our shared botocore client marks the attempt, and moto's transport answers a marked attempt with the
error instead of touching its backend — so botocore parses a real error response and its retry policy
runs exactly as it would against AWS. A crash raises `Crash`, a BaseException, from a botocore event
hook: like a Lambda killed by a timeout, no `except Exception` of ours gets to run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

DYNAMODB_ERROR = "com.amazonaws.dynamodb.v20120810#"
MARK = "_mailx_fault"  # the request attribute holding the injected answer


class Crash(BaseException):
    """The process died here (Lambda timeout, out of memory): nothing after this point runs."""


@dataclass(frozen=True)
class AwsError:
    """An error answer of an AWS API: HTTP status, error code and, for transactions, reason codes."""

    code: str
    status: int = 400
    reason: str | None = None  # TransactionCanceledException: this code for every item

    def response(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        body: dict[str, Any] = {"__type": DYNAMODB_ERROR + self.code, "message": f"injected {self.code}"}
        if self.reason is not None:
            items = json.loads(request.body or b"{}").get("TransactItems", [])
            body["CancellationReasons"] = [{"Code": self.reason, "Message": "injected"} for _ in items]
            body["Message"] = f"Transaction cancelled, please refer cancellation reasons [{self.reason}]"
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault-injected"}
        return self.status, headers, json.dumps(body).encode()


THROTTLED = AwsError("ProvisionedThroughputExceededException")
THROTTLING = AwsError("ThrottlingException")
CANCELED_THROTTLED = AwsError("TransactionCanceledException", reason="ThrottlingError")
INTERNAL = AwsError("InternalServerError", status=500)


@dataclass
class Faults:
    """What was injected and what botocore did about it."""

    attempts: Counter[str] = field(default_factory=Counter)  # operation -> attempts sent (retries too)
    injected: Counter[str] = field(default_factory=Counter)
    backoffs: list[float] = field(default_factory=list)  # delays botocore's retry policy asked for


def dynamodb_client() -> Any:
    """The one botocore client every pynamodb model shares."""
    from mailx.store import tables

    return tables.connection().client


@contextmanager
def failing(
    faults: Faults,
    operation: str,
    error: AwsError,
    *,
    times: int | None = None,
    skip: int = 0,
    table: str | None = None,
) -> Iterator[None]:
    """Answer OPERATION (a DynamoDB API name) with ERROR after SKIP good attempts, TIMES times (None: all);
    with TABLE, only the calls on that table."""
    events = dynamodb_client().meta.events
    count = Counter[str]()

    def mark(request: Any, **_: Any) -> None:
        if table is not None and json.loads(request.body or b"{}").get("TableName") != table:
            return
        count["seen"] += 1
        faults.attempts[operation] += 1
        if count["seen"] <= skip or (times is not None and count["hit"] >= times):
            return
        count["hit"] += 1
        faults.injected[operation] += 1
        setattr(request, MARK, error.response(request))

    event = f"before-send.dynamodb.{operation}"
    events.register_first(event, mark)
    try:
        yield
    finally:
        events.unregister(event, mark)


@contextmanager
def crashing(
    client: Any, event: str, *, skip: int = 0, when: Callable[..., bool] | None = None
) -> Iterator[None]:
    """Raise Crash at botocore EVENT (e.g. `after-call.s3.CopyObject`) once, after SKIP matching calls."""
    count = Counter[str]()

    def crash(**kwargs: Any) -> None:
        if when is not None and not when(**kwargs):
            return
        count["seen"] += 1
        if count["seen"] == skip + 1:
            raise Crash(event)

    client.meta.events.register(event, crash)
    try:
        yield
    finally:
        client.meta.events.unregister(event, crash)
