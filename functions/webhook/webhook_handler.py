"""Lambda entry for Resend webhooks (POST /webhooks/resend): HTTP API event -> status_webhook.receive."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from mailx.config import get_settings
from mailx.mail import status_webhook

logger = Logger(service="mailx-webhook")
metrics = Metrics(namespace="mailx", service="webhook")


def _response(status: int, outcome: str) -> dict[str, Any]:
    body = json.dumps({"outcome": outcome})
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": body}


def _body(event: dict[str, Any]) -> bytes:
    """The exact request octets the signature covers (HTTP API base64-encodes some bodies)."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(raw, validate=True)
    return str(raw).encode("utf-8")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) event in; 2xx only once the event is kept (or safely ignored)."""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    try:
        body = _body(event)
    except (binascii.Error, ValueError):
        return _response(400, "malformed")
    reply = status_webhook.receive(body, headers, get_settings().resend_webhook_secret)
    logger.info("resend webhook", extra={"svixId": headers.get("svix-id"), "outcome": reply.outcome})
    metrics.add_metric(name=f"Webhook-{reply.outcome}", unit=MetricUnit.Count, value=1)
    return _response(reply.status, reply.outcome)
