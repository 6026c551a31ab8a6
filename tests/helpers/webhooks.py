"""Resend webhooks as Resend sends them: signed (Standard Webhooks) through the webhook Lambda handler with a
real-shaped HTTP API event; and what a client then sees of the submission."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.helpers.api_events import FakeContext, api_event
from tests.helpers.auth import ALICE
from tests.helpers.submission import FULL, call

SECRET = "whsec_" + base64.b64encode(b"integration-webhook-secret-01234").decode()


RCPTS = ("bob@example.com", "carol@elsewhere.test")


@dataclass(frozen=True)
class Sent:
    """A submission the outbound consumer sent through a fake relay, which called it RELAY_ID."""

    client: Any
    account: str
    submission_id: str
    relay_id: str


def configure(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    """Give the webhook function SECRET as its signing secret."""
    from mailx import config

    monkeypatch.setenv("RESEND_WEBHOOK_SECRET", secret)
    config.reset_settings()


def payload(kind: str, email_id: str, created_at: str = "2026-11-25T10:00:00.000Z", **extra: Any) -> str:
    """A Resend event body of type KIND about the relay's EMAIL_ID."""
    data = {"email_id": email_id, "from": "alice@example.com", "to": list(RCPTS[:1]), "subject": "Lunch"}
    body = {"type": kind, "created_at": created_at, "data": {**data, "created_at": created_at, **extra}}
    return json.dumps(body)


def post(
    body: str,
    svix_id: str,
    *,
    at: datetime | None = None,
    sent_body: str | None = None,
    b64: bool = False,
) -> tuple[int, str]:
    """POST /webhooks/resend signed over BODY (SENT_BODY, if given, is what actually travels)."""
    from webhook_handler import handler

    moment = at or datetime.now(tz=UTC)
    headers = {
        "content-type": "application/json",
        "svix-id": svix_id,
        "svix-timestamp": str(int(moment.timestamp())),
        "svix-signature": Webhook(SECRET).sign(svix_id, moment, body),
        "user-agent": "Svix-Webhooks/1.0",
    }
    wire = body if sent_body is None else sent_body
    if b64:
        wire = base64.b64encode(wire.encode()).decode()
    response = handler(
        api_event("POST", "/webhooks/resend", headers=headers, body=wire, b64=b64), FakeContext()
    )
    return int(response["statusCode"]), str(json.loads(response["body"])["outcome"])


def submission(s: Sent) -> tuple[dict[str, Any], str]:
    """(deliveryStatus, state) as EmailSubmission/get shows them."""
    get = ["EmailSubmission/get", {"accountId": s.account, "ids": [s.submission_id]}, "g"]
    [[_, got, _]] = call(s.client, FULL, get)
    status: dict[str, Any] = got["list"][0]["deliveryStatus"]
    return status, str(got["state"])


def history(s: Sent, headers: dict[str, str] = ALICE) -> list[dict[str, Any]]:
    """The submission's stored webhook events, from GET /v0/submissions/{id}/events."""
    response = s.client.get(f"/v0/submissions/{s.submission_id}/events", headers=headers)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def delivered(s: Sent) -> set[str]:
    """The `delivered` values of every recipient of the submission."""
    status, _ = submission(s)
    return {status[rcpt]["delivered"] for rcpt in RCPTS}
