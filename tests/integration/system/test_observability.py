"""What a deployment's logs and metrics show: one JSON line per JMAP request and per invocation, through
Powertools, with the shared package's loggers routed the same way, and EMF counts with dimensions."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from mailx.observe.lambda_log import route_library_loggers
from tests.helpers.api_events import EVENT, FakeContext
from tests.helpers.api_events import api_event as _event
from tests.helpers.auth import basic

ALICE_BASIC = basic("alice", "correct horse battery")
WEBHOOK_SECRET = "whsec_b2JzZXJ2YWJpbGl0eS10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5"


def _capture(logger: Any) -> Generator[io.StringIO, None, None]:
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    route_library_loggers(logger)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


@pytest.fixture
def jmap_log() -> Iterator[io.StringIO]:
    import jmap_handler

    yield from _capture(jmap_handler.logger)


@pytest.fixture
def webhook_log() -> Iterator[io.StringIO]:
    import webhook_handler

    yield from _capture(webhook_handler.logger)


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def _emf(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{") and '"_aws"' in line]


def test_one_json_line_per_jmap_request_with_calls_and_outcomes(
    alice: Any, jmap_log: io.StringIO, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jmap_handler import handler

    monkeypatch.setenv("MAILX_METRICS", "emf")
    capsys.readouterr()
    # Given a request with a good call and a call to an unknown method
    body = (
        '{"using":["urn:ietf:params:jmap:core"],"methodCalls":'
        '[["Core/echo",{"hello":"there"},"a"],["Nope/nothing",{},"b"]]}'
    )
    event = _event(
        "POST", "/jmap/api", headers={**ALICE_BASIC, "content-type": "application/json"}, body=body
    )
    # When it goes through the Lambda handler
    response = handler(event, FakeContext())
    assert response["statusCode"] == 200
    # Then exactly one `request` line was logged, as JSON through Powertools, with the correlation id
    [line] = [x for x in _lines(jmap_log) if str(x.get("message", "")).startswith("request ")]
    request_id = EVENT["requestContext"]["requestId"]
    assert line["message"] == "request POST /jmap/api 200"
    assert line["requestId"] == request_id and line["correlation_id"] == request_id
    assert line["function_request_id"] == "req-1" and line["service"] == "mailx-jmap"
    assert line["status"] == 200 and line["route"] == "/jmap/api" and line["httpMethod"] == "POST"
    assert line["accountId"] == alice.account_id and isinstance(line["durationMs"], float)
    assert line["calls"] == [
        {"method": "Core/echo", "outcome": "ok"},
        {"method": "Nope/nothing", "outcome": "unknownMethod"},
    ]
    # And no argument value went into it
    assert "there" not in json.dumps(line)
    # And the counts are EMF lines with the method as a dimension, not in the name
    counted = {
        (m["method"], name)
        for m in _emf(capsys.readouterr().out)
        for name in ("Requests", "Errors")
        if name in m
    }
    assert counted == {("Core/echo", "Requests"), ("Nope/nothing", "Requests"), ("Nope/nothing", "Errors")}


def test_a_refused_request_is_logged_and_counted_as_an_error(
    alice: Any, jmap_log: io.StringIO, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jmap_handler import handler

    monkeypatch.setenv("MAILX_METRICS", "emf")
    capsys.readouterr()
    wrong = basic("alice", "not the password at all")
    response = handler(_event("GET", "/jmap/session", headers=wrong), FakeContext())
    assert response["statusCode"] == 401
    [line] = [x for x in _lines(jmap_log) if str(x.get("message", "")).startswith("request ")]
    assert (line["status"], line["route"], line.get("accountId")) == (401, "/jmap/session", None)
    assert "not the password" not in jmap_log.getvalue()
    errors = [m for m in _emf(capsys.readouterr().out) if "Errors" in m]
    assert [(m["method"], m["Errors"]) for m in errors] == [("/jmap/session", [1.0])]


def test_library_loggers_write_through_powertools_as_json(jmap_log: io.StringIO) -> None:
    # Given the shared package's own logger (not the function's)
    logging.getLogger("mailx.ingest").info("something the library says", extra={"emailId": "M1"})
    # Then it came out as a Powertools JSON line at INFO (Lambda's root handler would drop INFO)
    [line] = _lines(jmap_log)
    assert line["message"] == "something the library says" and line["level"] == "INFO"
    assert line["emailId"] == "M1" and line["service"] == "mailx-jmap"


def _signed(body: str, svix_id: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "svix-id": svix_id,
        "svix-timestamp": str(int(datetime.now(tz=UTC).timestamp())),
        "svix-signature": Webhook(WEBHOOK_SECRET).sign(svix_id, datetime.now(tz=UTC), body),
    }


def test_webhook_invocation_line_and_outcome_dimension(
    aws: None, webhook_log: io.StringIO, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from webhook_handler import handler

    from mailx.store import config_store

    monkeypatch.setenv("MAILX_METRICS", "emf")
    config_store.set_override("RESEND_WEBHOOK_SECRET", WEBHOOK_SECRET)
    capsys.readouterr()
    body = (
        '{"type":"email.delivered","created_at":"2026-11-25T10:00:00.000Z","data":{"email_id":"unknown-1"}}'
    )
    response = handler(
        _event("POST", "/webhooks/resend", headers=_signed(body, "msg_o1"), body=body), FakeContext()
    )
    assert response["statusCode"] == 200
    lines = _lines(webhook_log)
    [invocation] = [x for x in lines if x["message"] == "invocation"]
    assert (
        invocation["outcome"] == "ok"
        and invocation["status"] == 200
        and invocation["service"] == "mailx-webhook"
    )
    assert invocation["correlation_id"] == EVENT["requestContext"]["requestId"]
    [webhook] = [x for x in lines if x["message"] == "resend webhook"]
    assert webhook["svixId"] == "msg_o1" and WEBHOOK_SECRET not in webhook_log.getvalue()
    [metric] = [m for m in _emf(capsys.readouterr().out) if "WebhookEvents" in m]
    assert metric["WebhookEvents"] == [1.0] and metric["outcome"] == webhook["outcome"]
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "mailx"


def test_a_failing_invocation_is_logged_as_an_error(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parents[3] / "functions" / "outbound"))
    import outbound_handler  # type: ignore[import-not-found, unused-ignore]

    buffer_iter = _capture(outbound_handler.logger)
    buffer = next(buffer_iter)
    monkeypatch.setattr(outbound_handler, "_relay", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    record = {
        "messageId": "m1",
        "receiptHandle": "r",
        "body": "{}",
        "attributes": {},
        "eventSource": "aws:sqs",
    }
    with pytest.raises(RuntimeError):
        outbound_handler.handler({"Records": [record]}, FakeContext())
    [line] = [x for x in _lines(buffer) if x["message"] == "invocation"]
    assert (line["outcome"], line["error"], line["records"]) == ("error", "RuntimeError", 1)
    buffer_iter.close()


def test_metrics_stay_quiet_outside_lambda(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mailx.observe import metrics

    monkeypatch.delenv("MAILX_METRICS", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    metrics.count("Sends", relay="local")
    assert capsys.readouterr().out == ""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "mailx-outbound")
    metrics.count("Sends", relay="local")
    [metric] = _emf(capsys.readouterr().out)
    assert metric["Sends"] == [1.0] and metric["relay"] == "local"
    assert metric["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "relay"]]
