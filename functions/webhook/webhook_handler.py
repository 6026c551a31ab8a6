"""Lambda entry for Resend webhooks (POST /webhooks/resend): HTTP API event -> mailx.mail.webhook_http
(status_webhook.receive with the stored-override secret)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from mailx.mail.webhook_http import receive_resend
from mailx.observe.lambda_log import function_logger, log_invocation

logger = function_logger("mailx-webhook")


def _response(status: int, outcome: str) -> dict[str, Any]:
    body = json.dumps({"outcome": outcome})
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": body}


def _body(event: dict[str, Any]) -> bytes:
    """The exact request octets the signature covers (HTTP API base64-encodes some bodies)."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(raw, validate=True)
    return str(raw).encode("utf-8")


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@log_invocation(logger)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) event in; 2xx only once the event is kept (or safely ignored)."""
    try:
        body = _body(event)
    except (binascii.Error, ValueError):
        return _response(400, "malformed")
    reply = receive_resend(body, event.get("headers") or {})
    return _response(reply.status, reply.outcome)
