"""Blobs through the Lambda entry point (API Gateway HTTP API payload 2.0 via Mangum, RFC 8620 §6).

API Gateway carries binary bodies base64-encoded both ways; nothing may compress a download.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.helpers.api_events import FakeContext, api_event
from tests.helpers.auth import basic

CONTEXT = FakeContext(aws_request_id="req-blob")


def test_binary_upload_and_download_through_the_lambda_handler(alice: Any) -> None:
    from jmap_handler import handler

    auth = basic("alice", "correct horse battery")
    body = bytes(range(256)) * 2
    # Given a binary upload arriving base64-encoded from API Gateway, with no Content-Type
    upload = api_event(
        "POST",
        f"/jmap/upload/{alice.account_id}/",
        headers=auth,
        body=base64.b64encode(body).decode(),
        b64=True,
    )
    response = handler(upload, CONTEXT)
    assert response["statusCode"] == 201
    uploaded = json.loads(response["body"])
    assert uploaded["size"] == len(body)
    assert uploaded["type"] == "application/octet-stream"
    # When it is downloaded, even by a client that accepts gzip
    event = api_event(
        "GET",
        f"/jmap/download/{alice.account_id}/{uploaded['blobId']}/b%C3%BCcher.bin",
        headers={**auth, "accept-encoding": "gzip, br"},
        body=None,
        query="type=application%2Foctet-stream",
    )
    got = handler(event, CONTEXT)
    # Then the octets come back base64-encoded for API Gateway, uncompressed, with our headers
    assert got["statusCode"] == 200
    assert got["isBase64Encoded"] is True
    assert base64.b64decode(got["body"]) == body
    headers = {k.lower(): v for k, v in got["headers"].items()}
    assert "content-encoding" not in headers
    assert headers["content-type"] == "application/octet-stream"
    assert headers["content-disposition"].endswith("filename*=UTF-8''b%C3%BCcher.bin")
