"""Real-shaped API Gateway WebSocket API events (authorizer, $connect, $default, $disconnect), DynamoDB
Stream events of the accounts table read from moto, and a fake API Gateway Management API endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.helpers.http_servers import QuietHandler, serving

API_ID = "a1b2c3d4e5"
STAGE = "jmap"
DOMAIN = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/test-accounts/stream/2026-12-01T00:00:00.000"


def _request_context(route: str, event_type: str, connection_id: str) -> dict[str, Any]:
    return {
        "routeKey": route,
        "eventType": event_type,
        "extendedRequestId": "ZQ9bqGkFoAMFfLw=",
        "requestTime": "06/Dec/2026:22:00:00 +0000",
        "messageDirection": "IN",
        "stage": STAGE,
        "connectedAt": 1796680800000,
        "requestTimeEpoch": 1796680800123,
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "Python/3.11 websockets/17.4"},
        "requestId": "ZQ9bqGkFoAMFfLw=",
        "domainName": DOMAIN,
        "connectionId": connection_id,
        "apiId": API_ID,
    }


def _upgrade_headers(extra: Mapping[str, str]) -> dict[str, str]:
    headers = {
        "Host": DOMAIN,
        "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
        "X-Amzn-Trace-Id": "Root=1-6753f8a0-0123456789abcdef01234567",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    headers.update(extra)
    return headers


def authorizer_event(
    connection_id: str, headers: Mapping[str, str] | None = None, query: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The REQUEST authorizer event of $connect (no identity sources configured)."""
    all_headers = _upgrade_headers(headers or {})
    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}/{STAGE}/$connect",
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "stageVariables": None,
        "requestContext": _request_context("$connect", "CONNECT", connection_id),
    }


def _with_authorizer(context: dict[str, Any], grant: Mapping[str, Any] | None) -> dict[str, Any]:
    if grant is not None:
        context["authorizer"] = {**grant, "integrationLatency": 143}
    return context


def connect_event(
    connection_id: str, grant: Mapping[str, Any] | None, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """$connect after the authorizer allowed it: its context is in requestContext.authorizer."""
    all_headers = _upgrade_headers(headers or {})
    return {
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "requestContext": _with_authorizer(_request_context("$connect", "CONNECT", connection_id), grant),
        "isBase64Encoded": False,
    }


def message_event(connection_id: str, grant: Mapping[str, Any] | None, body: str) -> dict[str, Any]:
    """A text message routed to $default."""
    context = _request_context("$default", "MESSAGE", connection_id)
    context["messageId"] = "ZQ9cfdGxIAMCJHQ="
    return {"requestContext": _with_authorizer(context, grant), "body": body, "isBase64Encoded": False}


def disconnect_event(connection_id: str, grant: Mapping[str, Any] | None) -> dict[str, Any]:
    context = _request_context("$disconnect", "DISCONNECT", connection_id)
    context.update({"disconnectStatusCode": 1001, "disconnectReason": "Going away"})
    return {
        "headers": {"Host": DOMAIN, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""},
        "multiValueHeaders": {},
        "requestContext": _with_authorizer(context, grant),
        "isBase64Encoded": False,
    }


def _plain(value: Any) -> Any:
    """moto's boto3 answer as the JSON Lambda receives (timestamps as epoch seconds)."""
    return json.loads(
        json.dumps(value, default=lambda v: v.timestamp() if isinstance(v, datetime) else str(v))
    )


class StreamReader:
    """Reads the accounts table's stream in moto from its start, handing out what is new as Lambda events."""

    def __init__(self, table: str = "test-accounts") -> None:
        import boto3

        # The endpoint named explicitly: resolved by botocore's rules, moto's mock routes it to DynamoDB.
        self.client = boto3.client(
            "dynamodbstreams",
            region_name="us-east-1",
            endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com",
        )
        arn = boto3.client("dynamodb", region_name="us-east-1").describe_table(TableName=table)["Table"][
            "LatestStreamArn"
        ]
        shard = self.client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.iterator = self.client.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def new_records(self) -> list[dict[str, Any]]:
        answer = self.client.get_records(ShardIterator=self.iterator, Limit=1000)
        self.iterator = answer["NextShardIterator"]
        return [dict(_plain(r), eventSourceARN=STREAM_ARN) for r in answer["Records"]]

    def event(self) -> dict[str, Any]:
        """The Lambda event of everything written since the last call."""
        return {"Records": self.new_records()}


@dataclass
class FakeManagementApi:
    """API Gateway's Management API for one stage: POST /@connections/{id} is recorded, or refused with
    410 GoneException for ids in `gone`, or 403 ForbiddenException for ids in `forbidden`."""

    url: str = ""
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)

    def to(self, connection_id: str) -> list[dict[str, Any]]:
        return [body for target, body in self.posts if target == connection_id]


@contextmanager
def fake_management_api() -> Iterator[FakeManagementApi]:
    """A FakeManagementApi on a free loopback port, its URL like https://{api}.execute-api.../{stage}."""
    api = FakeManagementApi()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            prefix = f"/{STAGE}/@connections/"
            assert self.path.startswith(prefix), self.path
            connection_id = self.path.removeprefix(prefix)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if connection_id in api.gone or connection_id in api.forbidden:
                kind, status = (
                    ("GoneException", 410) if connection_id in api.gone else ("ForbiddenException", 403)
                )
                payload = json.dumps({"message": kind}).encode()
                self.send_response(status)
                self.send_header("x-amzn-ErrorType", kind)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            api.posts.append((connection_id, json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving(Handler) as port:
        api.url = f"http://127.0.0.1:{port}/{STAGE}"
        yield api
