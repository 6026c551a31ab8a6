"""RFC 8621 §7: the EmailSubmission object's properties, wire form, and this server's sending limits.

Decisions:
- At most MAX_RECIPIENTS envelope recipients per submission (`tooManyRecipients` beyond), and messages
  up to MAX_SEND_SIZE octets (`tooLarge`): both relays (Resend, SES) take 40 MB, and what we accept
  here must also be read whole by a 1 GB consumer.
- Delayed send (FUTURERELEASE, RFC 4865, through HOLDFOR/HOLDUNTIL on mailFrom) up to
  MAX_DELAYED_SEND seconds: SQS holds a message at most 900 s, so the consumer re-queues a held
  send in 900 s hops until its sendAt (a canceled one is dropped at the next hop).
"""

from __future__ import annotations

from typing import Any

from mailx.store.submissions import SubmissionRecord

PROPERTIES = (
    "id",
    "identityId",
    "emailId",
    "threadId",
    "envelope",
    "sendAt",
    "undoStatus",
    "deliveryStatus",
    "dsnBlobIds",
    "mdnBlobIds",
)
CLIENT_SET = frozenset({"identityId", "emailId", "envelope"})
SERVER_SET = frozenset(PROPERTIES) - CLIENT_SET
UNDO_STATUSES = ("pending", "final", "canceled")

MAX_RECIPIENTS = 50
MAX_SEND_SIZE = 25_000_000
MAX_DELAYED_SEND = 7 * 24 * 3600


def account_capability() -> dict[str, Any]:
    """The urn:ietf:params:jmap:submission account capability (RFC 8621 §1.3.2).

    FUTURERELEASE's EHLO arguments are the longest hold in seconds and the latest release date; the
    date would change the Session's state every second, so only the interval is given (it is also
    maxDelayedSend).
    """
    return {
        "maxDelayedSend": MAX_DELAYED_SEND,
        "submissionExtensions": {"FUTURERELEASE": [str(MAX_DELAYED_SEND)]},
    }


def to_json(record: SubmissionRecord) -> dict[str, Any]:
    """The EmailSubmission object as EmailSubmission/get returns it."""
    return {
        "id": record.submission_id,
        "identityId": record.identity_id,
        "emailId": record.email_id,
        "threadId": record.thread_id,
        "envelope": record.envelope,
        "sendAt": record.send_at,
        "undoStatus": record.undo_status,
        "deliveryStatus": record.delivery_status,
        "dsnBlobIds": [],
        "mdnBlobIds": [],
    }
