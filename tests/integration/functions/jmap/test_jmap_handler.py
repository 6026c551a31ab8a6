"""The Lambda entry point with real-shaped API Gateway HTTP API (payload 2.0) events, through Mangum."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.helpers.api_events import FakeContext, api_event
from tests.helpers.auth import basic


def test_api_call_through_lambda_handler(alice: Any) -> None:
    from jmap_handler import handler

    body = json.dumps({"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {"x": 1}, "0"]]})
    event = api_event(
        "POST",
        "/jmap/api",
        headers={**basic("alice", "correct horse battery"), "content-type": "application/json"},
        body=body,
    )
    response = handler(event, FakeContext())
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["methodResponses"] == [["Core/echo", {"x": 1}, "0"]]


def test_base64_body_and_session_through_lambda_handler(alice: Any) -> None:
    from jmap_handler import handler

    body = json.dumps({"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {}, "b"]]})
    event = api_event(
        "POST",
        "/jmap/api",
        headers=basic("alice", "correct horse battery"),
        body=base64.b64encode(body.encode()).decode(),
        b64=True,
    )
    assert json.loads(handler(event, FakeContext())["body"])["methodResponses"][0][2] == "b"
    session = handler(
        api_event("GET", "/.well-known/jmap", headers=basic("alice", "correct horse battery")), FakeContext()
    )
    assert session["statusCode"] == 200
    assert json.loads(session["body"])["apiUrl"] == "https://mail.example.test/jmap/api"


def test_unauthenticated_lambda_call_is_401(alice: Any) -> None:
    from jmap_handler import handler

    response = handler(api_event("GET", "/jmap/session", headers={}), FakeContext())
    assert response["statusCode"] == 401
    assert "www-authenticate" in {k.lower() for k in response["headers"]}


def test_under_lambda_requests_run_inline_without_worker_threads(alice: Any, monkeypatch: Any) -> None:
    """One request per instance: blocking work runs on the event loop, no thread pool is started."""
    import starlette.concurrency

    from jmap_handler import handler

    def no_threads(*_: Any, **__: Any) -> Any:
        raise AssertionError("a worker thread was used under Lambda")

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "mailx-jmap")
    monkeypatch.setattr(starlette.concurrency, "run_in_threadpool", no_threads)
    auth = basic("alice", "correct horse battery")
    session = handler(api_event("GET", "/jmap/session", headers=auth), FakeContext())
    assert session["statusCode"] == 200, session
    body = json.dumps({"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {}, "0"]]})
    api = handler(
        api_event("POST", "/jmap/api", headers={**auth, "content-type": "application/json"}, body=body),
        FakeContext(),
    )
    assert api["statusCode"] == 200 and json.loads(api["body"])["methodResponses"][0][0] == "Core/echo"
