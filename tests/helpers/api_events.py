"""Real-shaped API Gateway HTTP API (payload 2.0) events for the Lambda handlers behind it (jmap, webhook)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from tests.helpers.paths import EVENTS

EVENT: dict[str, Any] = json.loads((EVENTS / "apigw_http_v2_event.json").read_text())


@dataclass
class FakeContext:
    """The Lambda context the jmap function gets."""

    function_name: str = "mailx-jmap"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mailx-jmap"
    aws_request_id: str = "req-1"


def api_event(
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    body: str | None = "",
    b64: bool = False,
    query: str | None = None,
) -> dict[str, Any]:
    """The sample event turned into METHOD PATH with HEADERS and BODY (base64 when B64), and with
    QUERY as the raw query string when given."""
    event: dict[str, Any] = copy.deepcopy(EVENT)
    event["routeKey"] = f"{method} {path}"
    event["rawPath"] = path
    if query is not None:
        event["rawQueryString"] = query
        event.pop("queryStringParameters", None)
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["headers"] = {"host": "abc123.execute-api.us-east-1.amazonaws.com", **headers}
    event["body"] = body
    event["isBase64Encoded"] = b64
    return event
