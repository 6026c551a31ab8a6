"""Message size and recipient limits (RFC 8621 §1.3.1, §4.6, §7.5) and oversized SES mail.

The limits are shrunk with monkeypatch so the tests stay small; the code paths are the real ones
(HTTP for JMAP, the SES Lambda handler with a real-shaped event for inbound mail, moto underneath).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from mailx.mail import ingest as ingest_module
from mailx.store import blobs, emails
from tests.helpers.paths import TESTS
from tests.helpers.ses_events import OversizedContext, sized_message
from tests.helpers.submission import FULL, call, draft, identity_of, queue_depth, submit

ROOT = TESTS
SES_EVENT: dict[str, Any] = json.loads((ROOT / "events" / "ses_lambda_event.json").read_text())
LIMIT = 200_000


def _ses_event(message_id: str, recipients: list[str]) -> dict[str, Any]:
    event = copy.deepcopy(SES_EVENT)
    event["Records"][0]["ses"]["mail"]["messageId"] = message_id
    event["Records"][0]["ses"]["receipt"]["recipients"] = recipients
    return event


def _octets_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every read of an S3 response body, in octets (botocore's StreamingBody, under moto too)."""
    from botocore.response import StreamingBody

    reads: list[int] = []
    original = StreamingBody.read

    def counting(self: Any, amt: int | None = None) -> bytes:
        data: bytes = original(self, amt)
        reads.append(len(data))
        return data

    monkeypatch.setattr(StreamingBody, "read", counting)
    return reads


def _inbox(account_id: str) -> list[str]:
    return emails.list_ids(account_id, 100)


def test_oversized_ses_mail_is_kept_and_reported_not_read(
    alice: Any, bob: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ses_inbound_handler import handler

    # Given a message over the limit, where SES's S3 action put it, for two accounts
    monkeypatch.setattr(ingest_module, "MAX_MESSAGE_SIZE", LIMIT)
    raw = sized_message(5 * LIMIT)
    blobs.put("inbound/ses-oversized-1", raw, "message/rfc822")
    event = _ses_event("ses-oversized-1", ["alice@example.com", "bob@example.com"])
    reads = _octets_read(monkeypatch)
    # When SES invokes the function (and, as SES may, again with the same event)
    first = handler(event, OversizedContext())
    again = handler(copy.deepcopy(event), OversizedContext())
    consumed = sum(reads)
    # Then it answers normally (no retry, which could not help), reporting where the message is kept
    expected = {"messageId": "ses-oversized-1", "delivered": 0, "oversized": len(raw)}
    assert first["results"] == again["results"] == [{**expected, "keptAt": "oversized/ses-oversized-1"}]
    # ... the octets are kept byte-exact outside inbound/'s expiry, and the original is untouched
    kept = blobs.get("oversized/ses-oversized-1")
    assert kept is not None and kept.data == raw
    assert blobs.head("inbound/ses-oversized-1") == (len(raw), "message/rfc822")
    # ... no body was read into the function: nothing of the message came through Lambda
    assert consumed == 0
    # ... no account got a half-made Email, and the metric an alarm can watch was emitted
    assert _inbox(alice.account_id) == [] and _inbox(bob.account_id) == []
    assert "OversizedMessages" in capsys.readouterr().out


def test_mail_at_the_limit_is_still_delivered(alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ses_inbound_handler import handler

    monkeypatch.setattr(ingest_module, "MAX_MESSAGE_SIZE", LIMIT)
    raw = sized_message(LIMIT)
    blobs.put("inbound/ses-at-limit", raw, "message/rfc822")
    result = handler(_ses_event("ses-at-limit", ["alice@example.com"]), OversizedContext())
    assert result["results"] == [{"messageId": "ses-at-limit", "delivered": 1}]
    [email_id] = _inbox(alice.account_id)
    stored = blobs.get(blobs.email_key(alice.account_id, email_id))
    assert stored is not None and stored.data == raw
    assert blobs.head("oversized/ses-at-limit") is None


def test_email_set_create_over_the_message_limit_is_too_large(
    email_set: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.methods.email import _set_create

    # Given a message limit smaller than a draft with a long text body (and no attachment at all)
    monkeypatch.setattr(_set_create, "MAX_MESSAGE_SIZE", 5_000)
    account = alice.account_id
    drafts = next(m for m, r in emails.mailbox_roles(account).items() if r == "drafts")

    def body(text: str) -> dict[str, Any]:
        return {
            "mailboxIds": {drafts: True},
            "subject": "long",
            "bodyValues": {"t": {"value": text}},
            "textBody": [{"partId": "t", "type": "text/plain"}],
        }

    # When both a long and a short draft are created
    [[_, result, _]] = call(
        email_set,
        FULL,
        [
            "Email/set",
            {"accountId": account, "create": {"long": body("y" * 6_000), "short": body("hi")}},
            "0",
        ],
    )
    # Then the long one is tooLarge naming the limit (RFC 8620 §5.3), the short one is made
    assert result["notCreated"] == {
        "long": {"type": "tooLarge", "description": "the message would be over 5000 octets", "maxSize": 5_000}
    }
    assert set(result["created"]) == {"short"}
    assert len(_inbox(account)) == 1


def test_derived_envelope_with_too_many_recipients(sending: Any, alice: Any) -> None:
    # Given a draft whose To header alone names more recipients than a submission may have
    account = alice.account_id
    many = [{"email": f"r{i}@elsewhere.test"} for i in range(51)]
    email_id = draft(sending, account, to=many, bcc=None)
    # When it is submitted without an envelope (so the envelope is derived from the headers, §7)
    [[_, result, _]] = submit(
        sending, account, {"identityId": identity_of(sending, account), "emailId": email_id}
    )
    # Then tooManyRecipients names the maximum (RFC 8621 §7.5) and nothing is queued
    assert result["notCreated"]["s"]["type"] == "tooManyRecipients"
    assert result["notCreated"]["s"]["maxRecipients"] == 50
    assert queue_depth() == 0
