"""The SES inbound function driven as SES drives it: the raw mail put where the S3 action would, then the
Lambda action's real-shaped receipt event handed to the handler."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from mailx.store import blobs
from tests.helpers.paths import EVENTS, MIME_FIXTURES

EVENT: dict[str, Any] = json.loads((EVENTS / "ses_lambda_event.json").read_text())
RAW = (MIME_FIXTURES / "mixed_attachments.eml").read_bytes()


@dataclass
class FakeContext:
    """The Lambda context the SES inbound function gets."""

    function_name: str = "mailx-ses-inbound"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mailx-ses-inbound"
    aws_request_id: str = "req-ses"


def receive(
    message_id: str, recipients: list[str], *, raw: bytes = RAW, spam: str = "PASS"
) -> dict[str, Any]:
    """Put the raw mail where the S3 action would and build the Lambda action's event."""
    blobs.put(f"inbound/{message_id}", raw, "message/rfc822")
    event: dict[str, Any] = copy.deepcopy(EVENT)
    ses = event["Records"][0]["ses"]
    ses["mail"]["messageId"] = message_id
    ses["mail"]["destination"] = ["someone-else@example.com"]  # the To header; routing must not use it
    ses["receipt"]["recipients"] = recipients
    ses["receipt"]["spamVerdict"] = {"status": spam}
    del ses["mail"]["commonHeaders"]["subject"]  # real mail may lack a Subject
    return event


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """Run the SES inbound Lambda handler on EVENT; its result."""
    from ses_inbound_handler import handler

    result: dict[str, Any] = handler(event, FakeContext())
    return result


def sized_message(size: int) -> bytes:
    """A plain message of exactly SIZE octets, for the size limits."""
    head = b"From: big@sender.example\r\nTo: alice@example.com\r\nSubject: big\r\n\r\n"
    line = b"x" * 76 + b"\r\n"
    body = line * ((size - len(head)) // len(line) + 1)
    return (head + body)[:size]


class OversizedContext:
    """The Lambda context of the SES inbound function in the message size tests."""

    function_name = "mailx-ses-inbound"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mailx-ses-inbound"
    aws_request_id = "req-oversized"
