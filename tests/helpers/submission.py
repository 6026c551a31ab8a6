"""EmailSubmission and outbound helpers (RFC 8621 §7): drafts, submissions, JMAP calls with any `using`,
a fake relay, the outbound queue's depth and the outbound Lambda's context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailx.mail.relay.base import OutboundMessage, RelayResult
from mailx.protocol.capabilities import CORE, MAIL, SUBMISSION
from tests.helpers.auth import ALICE
from tests.helpers.mailboxes import box

FULL = [CORE, MAIL, SUBMISSION]  # the capabilities EmailSubmission calls use


class FakeRelay:
    """Counts sends; each call takes the next behaviour (an exception to raise, or None to accept all)."""

    name = "fake"

    def __init__(self, *behaviours: Exception | None) -> None:
        self.behaviours = list(behaviours)
        self.calls: list[OutboundMessage] = []

    def send(self, message: OutboundMessage) -> RelayResult:
        self.calls.append(message)
        behaviour = self.behaviours.pop(0) if self.behaviours else None
        if behaviour is not None:
            raise behaviour
        return RelayResult(f"fake-{len(self.calls)}", message.rcpt_to)


def call(client: Any, using: list[str], *calls: list[Any]) -> list[list[Any]]:
    """POST the calls as alice with USING; the methodResponses (the HTTP status must be 200)."""
    response = client.post("/jmap/api", json={"using": using, "methodCalls": list(calls)}, headers=ALICE)
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


def identity_of(client: Any, account: str) -> str:
    """The id of the account's first Identity."""
    [[_, got, _]] = call(client, FULL, ["Identity/get", {"accountId": account, "ids": None}, "i"])
    identity_id: str = got["list"][0]["id"]
    return identity_id


def draft(client: Any, account: str, **fields: Any) -> str:
    """A draft in Drafts from alice to bob, Bcc carol; FIELDS override (None removes a field)."""
    email: dict[str, Any] = {
        "mailboxIds": {box(account, "drafts"): True},
        "keywords": {"$draft": True},
        "from": [{"name": "Alice", "email": "alice@example.com"}],
        "to": [{"name": "Bob", "email": "bob@example.com"}],
        "bcc": [{"email": "carol@elsewhere.test"}],
        "subject": "Lunch",
        "bodyValues": {"1": {"value": "Noon at the usual place?"}},
        "textBody": [{"partId": "1", "type": "text/plain"}],
    }
    email.update(fields)
    email = {k: v for k, v in email.items() if v is not None}
    [[_, made, _]] = call(client, FULL, ["Email/set", {"accountId": account, "create": {"d": email}}, "d"])
    assert made["created"], made
    email_id: str = made["created"]["d"]["id"]
    return email_id


def submit(client: Any, account: str, create: dict[str, Any], using: list[str] = FULL, **extra: Any) -> Any:
    """EmailSubmission/set with one create `s`; every response of the call."""
    args = {"accountId": account, "create": {"s": create}, **extra}
    return call(client, using, ["EmailSubmission/set", args, "0"])


def queue_depth(dead: bool = False) -> int:
    """Messages in the outbound queue (or its DLQ), visible, in flight or delayed."""
    from mailx import aws
    from mailx.mail import outbound

    sqs = aws.sqs()
    url = sqs.get_queue_url(QueueName=outbound.queue_name() + ("-dlq" if dead else ""))["QueueUrl"]
    names: list[Any] = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    found: Any = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(found.get(name, "0")) for name in names)


def send(client: Any, account: str) -> str:
    """Submit a fresh draft from the account's identity; the EmailSubmission id."""
    create = {"identityId": identity_of(client, account), "emailId": draft(client, account)}
    [[_, made, _]] = submit(client, account, create)
    submission_id: str = made["created"]["s"]["id"]
    return submission_id


@dataclass
class OutboundContext:
    """The Lambda context the outbound function gets."""

    function_name: str = "mailx-outbound"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mailx-outbound"
    aws_request_id: str = "req-outbound"
