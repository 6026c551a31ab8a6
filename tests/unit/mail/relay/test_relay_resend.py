"""The Resend relay against a fake Resend on loopback: the JSON on the wire, the headers, error mapping."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mailx.config import load_settings
from mailx.mail.relay.base import OutboundMessage, PermanentRelayError, TransientRelayError
from mailx.mail.relay.resend import ResendRelay, retry_after
from mailx.mail.relay.select import get_relay
from mailx.mime import Blob, compose_email, strip_bcc

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"x" * 500
BLOBS = {"Gpng": Blob(PNG, "image/png"), "Gpdf": Blob(PDF, "application/pdf")}
API_KEY = "re_test_0123456789"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"id":"4ef9a417-02e9-4d39-ad75-9611e0fcc33c"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeResend:
    """A loopback HTTP server that records each request and answers from a queue (default: 200 + id)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: list[Reply] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append(Recorded(self.path, headers, body))
                reply = fake.replies.pop(0) if fake.replies else Reply()
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def resend() -> Iterator[FakeResend]:
    fake = FakeResend()
    yield fake
    fake.close()


def relay(fake: FakeResend, *, from_domain: str = "", timeout: float = 5.0) -> ResendRelay:
    return ResendRelay(API_KEY, api_url=fake.url, from_domain=from_domain, timeout=timeout)


def draft(**overrides: Any) -> bytes:
    create: dict[str, Any] = {
        "from": [{"name": "Alice Example", "email": "alice@example.com"}],
        "to": [{"name": "Bob", "email": "bob@example.net"}],
        "cc": [{"name": "Carol, C.", "email": "carol@example.org"}],
        "bcc": [{"email": "dave@example.org"}],
        "subject": "Café plans",
        "inReplyTo": ["parent@example.net"],
        "references": ["root@example.net", "parent@example.net"],
        "header:List-Unsubscribe": " <mailto:unsub@example.com?subject=stop>",
        "header:X-Campaign": " spring",
        "bodyValues": {
            "t": {"value": "Logo below, terms attached."},
            "h": {"value": '<p>Logo <img src="cid:logo@x"></p>'},
        },
        "textBody": [{"partId": "t"}],
        "htmlBody": [{"partId": "h"}],
        "attachments": [
            {"blobId": "Gpng", "cid": "logo@x", "disposition": "inline", "type": "image/png"},
            {"blobId": "Gpdf", "type": "application/pdf", "name": "terms.pdf"},
        ],
    }
    create.update(overrides)
    composed = compose_email(create, fetch_blob=BLOBS.get, now=NOW, message_id_domain="mx.example.com")
    return composed.raw


def outbound(raw: bytes, rcpt_to: tuple[str, ...], key: str = "S1") -> OutboundMessage:
    return OutboundMessage(key, "A1", "alice@example.com", rcpt_to, strip_bcc(raw))


ALL = ("bob@example.net", "carol@example.org", "dave@example.org")


def test_converts_a_draft_field_by_field(resend: FakeResend) -> None:
    # Given a composed draft with text, HTML, an inline cid image, an attachment, threading and list fields
    raw = draft()
    message_id = raw.split(b"Message-ID: <", 1)[1].split(b">", 1)[0].decode()
    # When the relay sends it to To, Cc and the Bcc recipient
    result = relay(resend).send(outbound(raw, ALL))
    # Then Resend got one POST /emails whose JSON carries every field
    assert result.relay_message_id == "4ef9a417-02e9-4d39-ad75-9611e0fcc33c"
    assert result.accepted == ALL and dict(result.rejected) == {}
    [request] = resend.requests
    assert request.path == "/emails"
    body = request.body
    assert set(body) == {"from", "to", "cc", "bcc", "subject", "text", "html", "headers", "attachments"}
    assert body["from"] == "Alice Example <alice@example.com>"
    assert body["to"] == ["Bob <bob@example.net>"]
    assert body["cc"] == ['"Carol, C." <carol@example.org>']
    assert body["bcc"] == ["dave@example.org"]
    assert body["subject"] == "Café plans"
    assert body["text"] == "Logo below, terms attached."
    assert body["html"] == '<p>Logo <img src="cid:logo@x"></p>'
    assert body["headers"] == {
        "In-Reply-To": "<parent@example.net>",
        "References": "<root@example.net> <parent@example.net>",
        "List-Unsubscribe": "<mailto:unsub@example.com?subject=stop>",
        "X-Campaign": "spring",
        "Message-ID": f"<{message_id}>",
    }
    image, pdf = body["attachments"]
    assert image == {
        "filename": "part-3.png",
        "content": base64.b64encode(PNG).decode(),
        "content_type": "image/png",
        "content_id": "logo@x",
    }
    assert pdf == {
        "filename": "terms.pdf",
        "content": base64.b64encode(PDF).decode(),
        "content_type": "application/pdf",
    }


def test_sends_the_key_and_the_idempotency_key(resend: FakeResend) -> None:
    relay(resend).send(outbound(draft(), ALL, key="S-42"))
    headers = resend.requests[0].headers
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["idempotency-key"] == "S-42"
    assert headers["content-type"] == "application/json"


def test_an_overlong_idempotency_key_is_digested_stably(resend: FakeResend) -> None:
    key = "k" * 300
    relay(resend).send(outbound(draft(), ALL, key=key))
    relay(resend).send(outbound(draft(), ALL, key=key))
    sent = [r.headers["idempotency-key"] for r in resend.requests]
    assert sent[0] == sent[1] and len(sent[0]) <= 256 and sent[0] != key


def test_bcc_recipients_travel_only_in_bcc(resend: FakeResend) -> None:
    # Given a draft whose stored copy still has its Bcc field (the relay must not rely on the caller)
    message = OutboundMessage("S1", "A1", "alice@example.com", ALL, draft())
    relay(resend).send(message)
    body = resend.requests[0].body
    # Then the hidden recipient is in bcc and nowhere else
    assert body["bcc"] == ["dave@example.org"]
    assert "dave" not in json.dumps({k: v for k, v in body.items() if k != "bcc"})
    assert not any(name.lower() == "bcc" for name in body["headers"])


def test_recipients_are_exactly_the_envelope(resend: FakeResend) -> None:
    # Given an envelope that leaves out Cc and adds someone no header names
    relay(resend).send(outbound(draft(), ("BOB@example.net", "erin@example.com")))
    body = resend.requests[0].body
    # Then Carol gets nothing, Bob keeps his header form, and Erin is a hidden recipient
    assert body["to"] == ["Bob <bob@example.net>"]
    assert "cc" not in body
    assert body["bcc"] == ["erin@example.com"]


def test_a_lone_hidden_recipient_becomes_to_and_several_are_refused(resend: FakeResend) -> None:
    raw = draft(to=None, cc=None)
    relay(resend).send(outbound(raw, ("dave@example.org",)))
    assert resend.requests[0].body["to"] == ["dave@example.org"]
    assert "bcc" not in resend.requests[0].body
    with pytest.raises(PermanentRelayError, match="hidden recipients only"):
        relay(resend).send(outbound(raw, ("dave@example.org", "erin@example.com")))
    assert len(resend.requests) == 1


def test_from_outside_the_resend_domain_is_sent_via_it_with_reply_to(resend: FakeResend) -> None:
    # Given RESEND_FROM_DOMAIN is a sending subdomain, not alice's own domain
    relay(resend, from_domain="Send.Example.com").send(outbound(draft(), ALL))
    body = resend.requests[0].body
    # Then Resend sends from the verified domain, naming alice, and replies go to her own address
    assert body["from"] == "Alice Example via mailx <alice@send.example.com>"
    assert body["reply_to"] == ["Alice Example <alice@example.com>"]


def test_from_domain_rule_keeps_an_explicit_reply_to_and_matching_domains(resend: FakeResend) -> None:
    raw = draft(replyTo=[{"email": "team@example.com"}], **{"from": [{"email": "alice@example.com"}]})
    relay(resend, from_domain="mx.example.org").send(outbound(raw, ALL))
    relay(resend, from_domain="EXAMPLE.com").send(outbound(raw, ALL))
    rewritten, kept = (r.body for r in resend.requests)
    assert rewritten["from"] == '"alice@example.com via mailx" <alice@mx.example.org>'
    assert rewritten["reply_to"] == ["team@example.com"]
    assert kept["from"] == "alice@example.com"
    assert kept["reply_to"] == ["team@example.com"]


def test_429_is_transient_with_retry_after(resend: FakeResend) -> None:
    error = b'{"statusCode":429,"name":"rate_limit_exceeded","message":"Too many"}'
    resend.replies.append(Reply(429, error, {"Retry-After": "7"}))
    with pytest.raises(TransientRelayError, match="rate_limit_exceeded") as caught:
        relay(resend).send(outbound(draft(), ALL))
    assert caught.value.retry_after == 7.0


def test_500_is_transient(resend: FakeResend) -> None:
    resend.replies.append(Reply(500, b'{"statusCode":500,"name":"application_error","message":"oops"}'))
    with pytest.raises(TransientRelayError) as caught:
        relay(resend).send(outbound(draft(), ALL))
    assert caught.value.retry_after is None


def test_422_is_permanent_with_resend_message_in_the_reply(resend: FakeResend) -> None:
    resend.replies.append(
        Reply(422, b'{"statusCode":422,"name":"validation_error","message":"Invalid `to` field."}')
    )
    with pytest.raises(PermanentRelayError) as caught:
        relay(resend).send(outbound(draft(), ALL))
    assert "Invalid `to` field." in caught.value.reply
    assert caught.value.reply.startswith("554 5.0.0")


def test_403_unverified_domain_is_permanent(resend: FakeResend) -> None:
    error = b'{"statusCode":403,"name":"validation_error","message":"not verified"}'
    resend.replies.append(Reply(403, error))
    with pytest.raises(PermanentRelayError, match="403 validation_error: not verified"):
        relay(resend).send(outbound(draft(), ALL))


def test_a_concurrent_idempotent_request_is_transient(resend: FakeResend) -> None:
    resend.replies.append(Reply(409, b'{"statusCode":409,"name":"concurrent_idempotent_requests"}'))
    with pytest.raises(TransientRelayError):
        relay(resend).send(outbound(draft(), ALL))


def test_a_timeout_is_transient(resend: FakeResend) -> None:
    resend.replies.append(Reply(delay=1.0))
    with pytest.raises(TransientRelayError, match="unreachable"):
        relay(resend, timeout=0.2).send(outbound(draft(), ALL))


def test_a_refused_connection_and_a_success_without_id_are_transient(resend: FakeResend) -> None:
    closed = ResendRelay(API_KEY, api_url="http://127.0.0.1:9", timeout=1.0)
    with pytest.raises(TransientRelayError):
        closed.send(outbound(draft(), ALL))
    resend.replies.append(Reply(200, b"{}"))
    with pytest.raises(TransientRelayError, match="without an id"):
        relay(resend).send(outbound(draft(), ALL))


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert retry_after("12") == 12.0
    assert retry_after("Mon, 06 May 2024 07:08:39 GMT", now) == 30.0
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_get_relay_points_resend_at_the_configured_url(resend: FakeResend) -> None:
    settings = load_settings(
        {
            "TOKEN_SECRET": "t",
            "MANAGEMENT_KEY": "m",
            "PUBLIC_BASE_URL": "https://mail.example.test",
            "RESEND_API_KEY": API_KEY,
            "RESEND_API_URL": resend.url + "/",
        }
    )
    chosen = get_relay(settings)
    assert chosen.name == "resend"
    assert chosen.send(outbound(draft(), ALL)).relay_message_id
    assert resend.requests[0].path == "/emails"
