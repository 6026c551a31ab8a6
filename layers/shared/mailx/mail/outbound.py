"""The durable outbound queue of RFC 8621 §7.5 sends: what EmailSubmission/set enqueues, and its consumer.

EmailSubmission/set copies the Email's octets to `outbound/{accountId}/{submissionId}.eml` (so a later
destroy of the Email cannot change the send, §7.5), sends one small SQS message naming the submission,
and only then commits the record; the consumer (`process`) claims the record with a conditional write,
relays the message with the submission id as idempotency key and records the outcome. A redelivered
message finds the record already over and sends nothing. See docs/sending.md for the retry policy.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mailx import aws
from mailx.config import get_settings

logger = logging.getLogger("mailx.outbound")

MAX_RECEIVES = 5  # the redrive policy's maxReceiveCount: the fifth failed attempt goes to the DLQ
MAX_SQS_DELAY = 900  # SendMessage DelaySeconds cap; longer holds hop through the queue again
MAX_VISIBILITY = 43_200  # ChangeMessageVisibility cap (12 hours)
BASE_BACKOFF = 30  # seconds before the first retry; doubled on each later one
QUEUE_VISIBILITY = 120  # the queue's default: longer than a consumer's claim on a send
DLQ_RETENTION = 1_209_600  # 14 days, SQS's maximum


@dataclass(frozen=True)
class QueuedSend:
    """The body of one queue message: which submission to send (never the message itself)."""

    account_id: str
    submission_id: str
    queued_at: int

    def to_body(self) -> str:
        body = {"v": 1, "accountId": self.account_id, "submissionId": self.submission_id}
        return json.dumps({**body, "queuedAt": self.queued_at}, separators=(",", ":"))

    @classmethod
    def from_body(cls, body: str) -> QueuedSend | None:
        try:
            data = json.loads(body)
            return cls(str(data["accountId"]), str(data["submissionId"]), int(data["queuedAt"]))
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Outcome:
    """What to do with the queue message: delete it (done), or make it visible again in RETRY_IN s."""

    done: bool
    note: str
    retry_in: int = 0


@dataclass(frozen=True)
class ReceivedMessage:
    """The parts of an SQS message the consumer needs, whoever received it (Lambda or a poller)."""

    message_id: str
    body: str
    receipt_handle: str
    receive_count: int


def outbound_key(account_id: str, submission_id: str) -> str:
    """Where the octets of a submission wait until the send is over."""
    return f"outbound/{account_id}/{submission_id}.eml"


def queue_name() -> str:
    return f"{get_settings().table_prefix}outbound"


@lru_cache(maxsize=4)
def _lookup_url(name: str, endpoint: str) -> str:
    return aws.sqs().get_queue_url(QueueName=name)["QueueUrl"]


def queue_url() -> str:
    """OUTBOUND_QUEUE_URL, or the URL of the queue named {TABLE_PREFIX}outbound."""
    settings = get_settings()
    return settings.outbound_queue_url or _lookup_url(queue_name(), settings.aws_endpoint_url)


def ensure_queues() -> str:
    """Create the queue and its DLQ with the template's redrive policy (local runtime, tests)."""
    sqs = aws.sqs()
    dlq_url = sqs.create_queue(
        QueueName=f"{queue_name()}-dlq", Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION)}
    )["QueueUrl"]
    found = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    dlq_arn = found["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)})
    attributes: dict[Any, str] = {"VisibilityTimeout": str(QUEUE_VISIBILITY), "RedrivePolicy": redrive}
    url: str = sqs.create_queue(QueueName=queue_name(), Attributes=attributes)["QueueUrl"]
    _lookup_url.cache_clear()
    return url


def enqueue(account_id: str, submission_id: str, delay_seconds: float = 0) -> None:
    """One message for the submission, held for DELAY_SECONDS (at most 900; the consumer re-queues)."""
    message = QueuedSend(account_id, submission_id, int(time.time()))
    delay = max(0, min(MAX_SQS_DELAY, int(delay_seconds)))
    aws.sqs().send_message(QueueUrl=queue_url(), MessageBody=message.to_body(), DelaySeconds=delay)


def backoff(receive_count: int, retry_after: float | None = None) -> int:
    """Seconds before the next attempt: doubling from BASE_BACKOFF, never sooner than Retry-After."""
    doubled = BASE_BACKOFF * 2 ** max(0, receive_count - 1)
    wanted = max(doubled, int(retry_after or 0) + 1 if retry_after else 0)
    return int(min(MAX_VISIBILITY, wanted))


def delay(receipt_handle: str, seconds: int) -> None:
    try:
        aws.sqs().change_message_visibility(
            QueueUrl=queue_url(), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
    except Exception:  # the queue's own visibility timeout still brings the message back
        logger.exception("could not set the retry delay of an outbound message")


def from_sqs(record: dict[str, Any]) -> ReceivedMessage:
    """A ReceivedMessage from a Lambda SQS event record or a ReceiveMessage result entry."""
    attributes = record.get("attributes") or record.get("Attributes") or {}
    return ReceivedMessage(
        message_id=str(record.get("messageId") or record.get("MessageId")),
        body=str(record.get("body") or record.get("Body") or ""),
        receipt_handle=str(record.get("receiptHandle") or record.get("ReceiptHandle")),
        receive_count=int(attributes.get("ApproximateReceiveCount", 1)),
    )
