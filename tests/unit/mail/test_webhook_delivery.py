"""Resend webhook verification (svix / Standard Webhooks) and the event -> deliveryStatus mapping, no AWS."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from mailx.mail.status_webhook import BadSignature, WebhookEvent, next_status, parse, verify

SECRET = "whsec_" + base64.b64encode(b"unit-test-webhook-secret-0123456").decode()
BODY = json.dumps({"type": "email.delivered", "created_at": "t", "data": {"email_id": "e1"}}).encode()


def signed(
    body: bytes, *, msg_id: str = "msg_1", at: datetime | None = None, secret: str = SECRET
) -> dict[str, str]:
    moment = at or datetime.now(tz=UTC)
    signature = Webhook(secret).sign(msg_id, moment, body.decode())
    return {"svix-id": msg_id, "svix-timestamp": str(int(moment.timestamp())), "svix-signature": signature}


def event(kind: str, **data: Any) -> WebhookEvent:
    return WebhookEvent(kind, "2026-11-25T10:00:00Z", "e1", data)


def test_a_correct_signature_verifies() -> None:
    verify(BODY, signed(BODY), SECRET)


def test_a_signature_made_by_hand_verifies_too() -> None:
    # Given the svix algorithm spelled out: HMAC-SHA256 over "{id}.{timestamp}.{body}" with the base64 key
    import hashlib
    import hmac
    import time

    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    stamp = str(int(time.time()))
    mac = hmac.new(key, b"msg_2." + stamp.encode() + b"." + BODY, hashlib.sha256).digest()
    headers = {
        "Svix-Id": "msg_2",
        "Svix-Timestamp": stamp,
        "Svix-Signature": "v1," + base64.b64encode(mac).decode(),
    }
    # Then it verifies (header names in any case)
    verify(BODY, headers, SECRET)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda h, b: (h, b.replace(b"delivered", b"bounced")), id="tampered-body"),
        pytest.param(lambda h, b: ({**h, "svix-id": "msg_other"}, b), id="other-id"),
        pytest.param(
            lambda h, b: ({k: v for k, v in h.items() if k != "svix-signature"}, b), id="no-signature"
        ),
        pytest.param(lambda h, b: ({**h, "svix-signature": "garbage"}, b), id="malformed-signature"),
        pytest.param(lambda h, b: ({**h, "svix-timestamp": "soon"}, b), id="malformed-timestamp"),
        pytest.param(lambda h, b: ({}, b), id="no-headers"),
    ],
)
def test_anything_but_the_signed_request_is_refused(change: Any) -> None:
    headers, body = change(signed(BODY), BODY)
    with pytest.raises(BadSignature):
        verify(body, headers, SECRET)


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_timestamp_outside_five_minutes_is_refused(minutes: int) -> None:
    headers = signed(BODY, at=datetime.now(tz=UTC) + timedelta(minutes=minutes))
    with pytest.raises(BadSignature):
        verify(BODY, headers, SECRET)


def test_another_secret_is_refused() -> None:
    other = "whsec_" + base64.b64encode(b"another-secret-another-secret-00").decode()
    with pytest.raises(BadSignature):
        verify(BODY, signed(BODY, secret=other), SECRET)


def test_parse_takes_the_resend_shape_and_refuses_others() -> None:
    parsed = parse(BODY)
    assert parsed == WebhookEvent("email.delivered", "t", "e1", {"email_id": "e1"})
    assert parse(b"[]") is None and parse(b"{") is None and parse(b'{"type": "x", "data": {}}') is None


UNKNOWN = {"smtpReply": "250 2.0.0 Accepted by the relay", "delivered": "unknown", "displayed": "unknown"}


@pytest.mark.parametrize(
    ("kind", "data", "delivered", "reply"),
    [
        ("email.sent", {}, "queued", "250 2.0.0 Sent"),
        ("email.delivery_delayed", {}, "queued", "451 4.4.7 Delivery delayed"),
        ("email.delivered", {}, "yes", "250 2.0.0 Delivered"),
        (
            "email.bounced",
            {"bounce": {"type": "Permanent", "subType": "General", "message": "mailbox does not exist"}},
            "no",
            "550 5.0.0 Bounced (Permanent/General): mailbox does not exist",
        ),
        (
            "email.bounced",
            {"bounce": {"message": "550 5.1.1 <bob@example.com>: user unknown"}},
            "no",
            "550 5.1.1 <bob@example.com>: user unknown",
        ),
        (
            "email.failed",
            {"failed": {"reason": "reached_daily_quota"}},
            "no",
            "554 5.0.0 Send failed: reached_daily_quota",
        ),
        (
            "email.suppressed",
            {"suppressed": {"type": "OnAccountSuppressionList", "message": "bounced before"}},
            "no",
            "550 5.7.1 Suppressed (OnAccountSuppressionList): bounced before",
        ),
    ],
)
def test_each_event_sets_delivered_and_smtp_reply(
    kind: str, data: dict[str, Any], delivered: str, reply: str
) -> None:
    after = next_status(UNKNOWN, event(kind, **data))
    assert after == {"smtpReply": reply, "delivered": delivered, "displayed": "unknown"}


@pytest.mark.parametrize("final", ["email.delivered", "email.bounced", "email.failed", "email.suppressed"])
@pytest.mark.parametrize(
    "later", ["email.sent", "email.delivery_delayed", "email.delivered", "email.bounced"]
)
def test_a_final_state_never_moves(final: str, later: str) -> None:
    settled = next_status(UNKNOWN, event(final))
    assert next_status(settled, event(later)) == settled


def test_sent_after_a_delay_keeps_the_delay() -> None:
    delayed = next_status(UNKNOWN, event("email.delivery_delayed"))
    assert next_status(delayed, event("email.sent")) == delayed


def test_opened_sets_displayed_and_complaints_and_clicks_change_nothing() -> None:
    delivered = next_status(UNKNOWN, event("email.delivered"))
    assert next_status(delivered, event("email.opened")) == {**delivered, "displayed": "yes"}
    assert next_status(delivered, event("email.complained")) == delivered
    assert next_status(delivered, event("email.clicked", click={"link": "https://x.test"})) == delivered
    assert next_status(UNKNOWN, event("email.unheard_of")) == UNKNOWN
