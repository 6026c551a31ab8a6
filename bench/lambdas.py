"""The other Lambda handlers, called with real-shaped events: calls per invocation and bytes logged.

SES inbound gets the receipt-rule event of tests/events with the raw message already under inbound/
(where the S3 action puts it); the outbound consumer gets the SQS record the queue holds after an
EmailSubmission/set, with a relay that accepts everything (the relay's own call is not AWS). Log bytes
are what the handler writes to stdout and its loggers (CloudWatch Logs ingests those), without Lambda's
own START/END/REPORT lines, which docs/cost.md adds.
"""

from __future__ import annotations

import copy
import importlib
import io
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from typing import Any

from bench.harness import ROOT, metering
from bench.report import Row

FUNCTIONS = (ROOT / "functions" / "ses_inbound", ROOT / "functions" / "outbound")
SES_EVENT = ROOT / "tests" / "events" / "ses_lambda_event.json"


@dataclass
class Context:
    """The attributes Powertools reads from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id: str = "bench-request"


class AcceptingRelay:
    """A relay that takes every recipient (no AWS call: Resend is HTTP, SES would be one SendRawEmail)."""

    name = "bench"

    def send(self, message: Any) -> Any:
        from mailx.mail.relay.base import RelayResult

        return RelayResult(f"relay-{message.idempotency_key}", message.rcpt_to)


def _add_paths() -> None:
    for path in FUNCTIONS:
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


@contextmanager
def logged() -> Iterator[io.StringIO]:
    """Everything printed or logged through a stream handler while active, in one buffer."""
    buffer = io.StringIO()
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in logging.root.manager.loggerDict)]
    handlers = [h for lg in loggers for h in lg.handlers if isinstance(h, logging.StreamHandler)]
    streams = [h.setStream(buffer) for h in handlers]
    capture = logging.StreamHandler(buffer)
    logging.getLogger("mailx").addHandler(capture)
    try:
        with redirect_stdout(buffer):
            yield buffer
    finally:
        logging.getLogger("mailx").removeHandler(capture)
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)


def _measure(name: str, action: Callable[[], Any], target: str = "-", check: Any = None) -> Row:
    began = time.perf_counter()
    with logged() as buffer, metering() as meter:
        action()
    ms = (time.perf_counter() - began) * 1000
    size = len(buffer.getvalue().encode())
    return Row(name, meter, ms, target, None if check is None else check(meter), log_bytes=size)


def ses_inbound(raw: bytes, message_id: str = "bench-ses-event") -> Row:
    """The SES inbound handler delivering RAW to alice (one recipient account)."""
    _add_paths()
    from ses_inbound_handler import handler

    from mailx.store import blobs

    blobs.put(f"inbound/{message_id}", raw, "message/rfc822")
    event: dict[str, Any] = copy.deepcopy(json.loads(SES_EVENT.read_text()))
    ses = event["Records"][0]["ses"]
    ses["mail"]["messageId"] = message_id
    ses["receipt"]["recipients"] = ["alice@example.com"]

    def one_write(m: Any) -> bool:
        writes = m.s3["PutObject"] + m.s3["CopyObject"]
        return bool(writes == 1 and m.dynamodb["TransactWriteItems"] == 1 and m.s3["GetObject"] <= 1)

    return _measure("SES inbound Lambda: 1 message, 1 account (handler)",
                    lambda: handler(event, Context("mailx-ses-inbound")), "S3 1 write, 1 transaction",
                    one_write)  # fmt: skip


def outbound() -> Row:
    """The outbound handler sending the one message waiting on the queue."""
    _add_paths()
    handler_module: Any = importlib.import_module("outbound_handler")  # not on mypy's path
    handler_module._relay = AcceptingRelay  # the relay is chosen per invocation through this

    from mailx import aws
    from mailx.mail import outbound as queue

    sqs = aws.sqs()
    found = sqs.receive_message(QueueUrl=queue.queue_url(), MaxNumberOfMessages=1,
                                AttributeNames=["ApproximateReceiveCount"])["Messages"]  # fmt: skip
    [message] = found
    record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
              "body": message["Body"], "attributes": {"ApproximateReceiveCount": "1"},
              "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:outbound",
              "messageAttributes": {}, "md5OfBody": "", "awsRegion": "us-east-1"}  # fmt: skip
    event = {"Records": [record]}
    return _measure("outbound Lambda: send 1 submission (relay stubbed; SQS delete is the runtime's)",
                    lambda: handler_module.handler(event, Context("mailx-outbound")))  # fmt: skip
