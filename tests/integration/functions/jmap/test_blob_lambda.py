"""Blobs through the Lambda entry point (API Gateway HTTP API payload 2.0 via Mangum, RFC 8620 §6).

API Gateway carries binary bodies base64-encoded both ways; nothing may compress a download.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from typing import Any

from tests.helpers.auth import basic
from tests.helpers.paths import EVENTS

EVENT: dict[str, Any] = json.loads((EVENTS / "apigw_http_v2_event.json").read_text())


@dataclass
class FakeContext:
    function_name: str = "mailx-jmap"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mailx-jmap"
    aws_request_id: str = "req-blob"


def _event(
    method: str, path: str, headers: dict[str, str], body: bytes = b"", query: str = ""
) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(EVENT)
    event["routeKey"] = f"{method} {path}"
    event["rawPath"] = path
    event["rawQueryString"] = query
    event.pop("queryStringParameters", None)
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["headers"] = {"host": "abc123.execute-api.us-east-1.amazonaws.com", **headers}
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    return event


def test_binary_upload_and_download_through_the_lambda_handler(alice: Any) -> None:
    from jmap_handler import handler

    auth = basic("alice", "correct horse battery")
    body = bytes(range(256)) * 2
    # Given a binary upload arriving base64-encoded from API Gateway, with no Content-Type
    response = handler(_event("POST", f"/jmap/upload/{alice.account_id}/", auth, body), FakeContext())
    assert response["statusCode"] == 201
    uploaded = json.loads(response["body"])
    assert uploaded["size"] == len(body)
    assert uploaded["type"] == "application/octet-stream"
    # When it is downloaded, even by a client that accepts gzip
    event = _event(
        "GET",
        f"/jmap/download/{alice.account_id}/{uploaded['blobId']}/b%C3%BCcher.bin",
        {**auth, "accept-encoding": "gzip, br"},
        query="type=application%2Foctet-stream",
    )
    event["body"] = None
    event["isBase64Encoded"] = False
    got = handler(event, FakeContext())
    # Then the octets come back base64-encoded for API Gateway, uncompressed, with our headers
    assert got["statusCode"] == 200
    assert got["isBase64Encoded"] is True
    assert base64.b64decode(got["body"]) == body
    headers = {k.lower(): v for k, v in got["headers"].items()}
    assert "content-encoding" not in headers
    assert headers["content-type"] == "application/octet-stream"
    assert headers["content-disposition"].endswith("filename*=UTF-8''b%C3%BCcher.bin")
