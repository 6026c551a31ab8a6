"""Logs keep no secrets and no mail: a whole session through the Lambda entry, every log line scanned.

Everything that could be logged is captured: the standard logging tree at DEBUG (caplog), the
Powertools logger's own JSON output (its handler's stream, redirected), and anything written to the
process's stdout or stderr (capfd).
"""

from __future__ import annotations

import base64
import copy
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers.auth import basic
from tests.helpers.paths import EVENTS

EVENT: dict[str, Any] = json.loads((EVENTS / "apigw_http_v2_event.json").read_text())
PASSWORD = "Saffron-Quokka-Lantern-1913"
WRONG_PASSWORD = "Turquoise-Walrus-Guess-2024"
SENTENCE = "Meet me beneath the copper clock when the tide turns."
UPLOADED = "Contents of an uploaded file nobody else should read."
# The AWS SDK and pynamodb dump whole request payloads at DEBUG, message text included (S3 PutObject
# bodies, the search text written to DynamoDB). They only speak at DEBUG, which a deployment never
# sets for them (docs/security.md says so); secrets never reach them, and that is still checked.
SDK_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "pynamodb", "moto")
MAIL_TEXT = {"message body", "a phrase of the body", "uploaded content"}
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]


@dataclass
class FakeContext:
    function_name: str = "mailx-jmap"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mailx-jmap"
    aws_request_id: str = "req-logs"


def _call(method: str, path: str, headers: dict[str, str], body: str | bytes = "") -> dict[str, Any]:
    """One request through the Lambda handler (Powertools + Mangum), as API Gateway would send it."""
    from jmap_handler import handler

    raw_path, _, query = path.partition("?")
    event: dict[str, Any] = copy.deepcopy(EVENT)
    event.update(routeKey=f"{method} {raw_path}", rawPath=raw_path, rawQueryString=query)
    event["requestContext"]["http"].update(method=method, path=raw_path)
    event["headers"] = {"host": "abc123.execute-api.us-east-1.amazonaws.com", **headers}
    data = body.encode() if isinstance(body, str) else body
    event.update(body=base64.b64encode(data).decode(), isBase64Encoded=True)
    event.pop("queryStringParameters", None)
    result: dict[str, Any] = handler(event, FakeContext())
    return result


def _records(records: Iterator[logging.LogRecord] | Any) -> str:
    """Everything a handler could print from these records: message, arguments, traceback, extras."""
    return "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''} {vars(r)!r}" for r in records)


def _json(response: dict[str, Any]) -> Any:
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


@pytest.fixture
def powertools_output(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The Powertools logger at DEBUG, its JSON lines written to a buffer we can read."""
    import jmap_handler

    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    buffer = io.StringIO()
    handler = jmap_handler.logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)
    level = jmap_handler.logger.log_level
    jmap_handler.logger.setLevel("DEBUG")
    try:
        yield buffer
    finally:
        handler.setStream(previous)
        jmap_handler.logger.setLevel(level)


def _workflow(env: dict[str, str]) -> list[str]:
    """A whole session; returns the Bearer token it was given."""
    management = {"Authorization": f"Bearer {env['MANAGEMENT_KEY']}", "content-type": "application/json"}
    created = _call(
        "POST",
        "/v0/management/accounts",
        management,
        json.dumps({"username": "logan", "password": PASSWORD, "addresses": ["logan@example.com"]}),
    )
    assert created["statusCode"] == 201, created
    account = _json(created)["accountId"]
    login = _call(
        "POST",
        "/v0/auth/login",
        {"content-type": "application/json"},
        json.dumps({"username": "logan", "password": PASSWORD}),
    )
    assert login["statusCode"] == 200, login
    token = _json(login)["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    basic_auth = basic("logan", PASSWORD)
    assert _call("GET", "/jmap/session", basic_auth)["statusCode"] == 200
    uploaded = _call("POST", f"/jmap/upload/{account}/", {**bearer, "content-type": "text/plain"}, UPLOADED)
    assert uploaded["statusCode"] == 201, uploaded
    raw = (
        "From: Pat <pat@example.net>\r\nTo: logan@example.com\r\nSubject: Tide\r\n"
        f"Message-ID: <tide@example.net>\r\n\r\n{SENTENCE}\r\n"
    )
    delivered = _call(
        "POST",
        "/v0/management/deliver?to=logan@example.com",
        {**management, "content-type": "message/rfc822"},
        raw,
    )
    assert delivered["statusCode"] == 200, delivered
    calls = [
        ["Email/query", {"accountId": account}, "q"],
        [
            "Email/get",
            {
                "accountId": account,
                "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                "fetchAllBodyValues": True,
                "properties": ["bodyValues", "textBody", "preview"],
            },
            "g",
        ],
        ["Email/get", {"accountId": account, "ids": ["Mnope"], "properties": ["nope"]}, "bad"],
    ]
    api = _call(
        "POST",
        "/jmap/api",
        {**basic_auth, "content-type": "application/json"},
        json.dumps({"using": USING, "methodCalls": calls}),
    )
    got = _json(api)["methodResponses"][1][1]["list"]
    assert SENTENCE in json.dumps(got), got  # the body really went through the logged code paths
    assert (
        _call("POST", "/jmap/api", {**bearer, "content-type": "application/json"}, "{not json")["statusCode"]
        == 400
    )
    assert _call("GET", "/jmap/session", basic("logan", WRONG_PASSWORD))["statusCode"] == 401
    wrong_login = json.dumps({"username": "logan", "password": WRONG_PASSWORD})
    assert (
        _call("POST", "/v0/auth/login", {"content-type": "application/json"}, wrong_login)["statusCode"]
        == 401
    )
    assert _call("POST", "/v0/auth/logout", bearer)["statusCode"] == 200
    assert _call("GET", "/jmap/session", bearer)["statusCode"] == 401
    return [token, token.rsplit(".", 1)[1]]


def test_no_secret_or_mail_text_reaches_the_logs(
    aws: None,
    env: dict[str, str],
    powertools_output: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    # When a whole session runs: account creation, sign-in, Basic and Bearer calls, upload, delivery,
    # reading the body, a malformed request, wrong passwords, sign-out
    token_parts = _workflow(env)
    # Then no log line, record argument or stray output holds a secret or the mail's text
    captured = capfd.readouterr()
    logged = {
        "our logging records": _records(r for r in caplog.records if not r.name.startswith(SDK_LOGGERS)),
        "the AWS SDK's DEBUG wire dump": _records(
            r for r in caplog.records if r.name.startswith(SDK_LOGGERS)
        ),
        "powertools": powertools_output.getvalue(),
        "stdout": captured.out,
        "stderr": captured.err,
    }
    secrets = {
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "Basic credentials": basic("logan", PASSWORD)["Authorization"].split()[1],
        "wrong Basic credentials": basic("logan", WRONG_PASSWORD)["Authorization"].split()[1],
        "token": token_parts[0],
        "token signature": token_parts[1],
        "management key": env["MANAGEMENT_KEY"],
        "TOKEN_SECRET": env["TOKEN_SECRET"],
        "message body": SENTENCE,
        "a phrase of the body": "copper clock",
        "uploaded content": UPLOADED,
    }
    leaks = [
        f"{what} in {where}"
        for where, text in logged.items()
        for what, value in secrets.items()
        if value in text and not (where.startswith("the AWS SDK") and what in MAIL_TEXT)
    ]
    assert not leaks, leaks
    # And the capture really captured: the run logged something we can see
    assert any(r.name.startswith("mangum") for r in caplog.records), (
        "nothing was logged at DEBUG: the capture is broken"
    )
