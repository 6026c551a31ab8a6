"""Mutated golden MIME through ingest: never raises, stores the octets byte-exact, Email/get answers."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailx.mail.ingest import ingest
from mailx.mime.render import DEFAULT_BODY_PROPERTIES
from mailx.protocol.errors import SERVER_FAIL
from mailx.store import blobs
from tests.helpers.auth import basic
from tests.helpers.fuzz import EXAMPLES, World
from tests.helpers.paths import MIME_FIXTURES

AUTH = {**basic("alice", "correct horse battery"), "Content-Type": "application/json"}
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]
CORPUS_DIR = MIME_FIXTURES
CORPUS = [path.read_bytes() for path in sorted(CORPUS_DIR.glob("*.eml"))]
PROPERTIES = [
    "id",
    "blobId",
    "threadId",
    "mailboxIds",
    "keywords",
    "size",
    "receivedAt",
    "messageId",
    "inReplyTo",
    "references",
    "sender",
    "from",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "sentAt",
    "hasAttachment",
    "preview",
    "bodyStructure",
    "bodyValues",
    "textBody",
    "htmlBody",
    "attachments",
    "headers",
    "header:Subject:asText",
    "header:From:asAddresses",
    "header:To:asGroupedAddresses",
    "header:Date:asDate",
    "header:List-Post:asURLs",
    "header:Message-ID:asMessageIds",
    "header:X-Long:asRaw",
    "header:Content-Type:all",
]
BODY_PROPERTIES = [*DEFAULT_BODY_PROPERTIES, "headers", "subParts", "header:Content-Type:asText"]

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def truncate(raw: bytes, at: int) -> bytes:
    return raw[: at % (len(raw) + 1)]


def flip_bits(raw: bytes, positions: list[int]) -> bytes:
    if not raw:
        return raw
    data = bytearray(raw)
    for position in positions:
        data[(position // 8) % len(data)] ^= 1 << (position % 8)
    return bytes(data)


def giant_header(raw: bytes, length: int, folded: bool, name: bytes) -> bytes:
    value = b"a" * length if not folded else b"\r\n ".join([b"word"] * (length // 5))
    return name + b": " + value + b"\r\n" + raw


def bogus_boundary(raw: bytes, boundary: bytes) -> bytes:
    return re.sub(
        rb'boundary="?[^";\r\n]*"?', lambda _: b'boundary="' + boundary + b'"', raw, flags=re.IGNORECASE
    )


def unknown_charset(raw: bytes, charset: bytes) -> bytes:
    return re.sub(rb'charset="?[^";\r\n]*"?', lambda _: b"charset=" + charset, raw, flags=re.IGNORECASE)


def deep_multipart(depth: int, inner: bytes, kind: bytes, terminate: bool) -> bytes:
    """DEPTH nested multipart (or message/rfc822) layers around INNER."""
    message = inner
    for level in range(depth):
        if kind == b"message/rfc822":
            message = b"Content-Type: message/rfc822\r\n\r\n" + message
            continue
        boundary = b"b%d" % level
        head = b"Content-Type: multipart/" + kind + b'; boundary="' + boundary + b'"\r\n\r\n'
        tail = b"\r\n--" + boundary + b"--\r\n" if terminate else b""
        message = head + b"--" + boundary + b"\r\n" + message + tail
    return b"From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + message


corpus = st.sampled_from(CORPUS)
mutations = st.one_of(
    st.builds(truncate, corpus, st.integers(min_value=0)),
    st.builds(flip_bits, corpus, st.lists(st.integers(min_value=0), min_size=1, max_size=40)),
    st.builds(
        giant_header,
        corpus,
        st.integers(0, 200_000),
        st.booleans(),
        st.sampled_from([b"X-Long", b"Subject", b"From", b"To", b"References", b"Content-Type", b"Date"]),
    ),
    st.builds(bogus_boundary, corpus, st.binary(max_size=80) | st.sampled_from([b"", b"--", b'"', b"\\"])),
    st.builds(
        unknown_charset,
        corpus,
        st.sampled_from(
            [b"x-nope", b'""', b"utf-7", b"utf-16", b"utf-32", b"iso-2022-jp", b"\xff", b"cp65001"]
        )
        | st.binary(max_size=20),
    ),
    st.builds(
        deep_multipart,
        st.integers(1, 400),
        corpus | st.binary(max_size=200),
        st.sampled_from([b"mixed", b"alternative", b"related", b"digest", b"message/rfc822"]),
        st.booleans(),
    ),
    st.binary(max_size=2000),
)


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """One mutation, sometimes followed by a second (a truncated deep tree, a bit-flipped giant header)."""
    raw: bytes = draw(mutations)
    if draw(st.integers(0, 3)) == 0:
        raw = draw(
            st.one_of(
                st.builds(truncate, st.just(raw), st.integers(min_value=0)),
                st.builds(
                    flip_bits, st.just(raw), st.lists(st.integers(min_value=0), min_size=1, max_size=8)
                ),
            )
        )
    return raw


def _email_get(world: World, email_id: str) -> Any:
    args = {
        "accountId": world.account_id,
        "ids": [email_id],
        "properties": PROPERTIES,
        "bodyProperties": BODY_PROPERTIES,
        "fetchAllBodyValues": True,
        "maxBodyValueBytes": 256,
    }
    search = {"accountId": world.account_id, "filter": {"text": "a", "subject": "deep", "body": "x"}}
    body = {
        "using": USING,
        "methodCalls": [
            ["Email/get", args, "g"],
            [
                "Thread/get",
                {
                    "accountId": world.account_id,
                    "#ids": {"resultOf": "g", "name": "Email/get", "path": "/list/*/threadId"},
                },
                "t",
            ],
            # The same octets through the other readers: Email/parse, search snippets, text search.
            ["Email/parse", {**args, "ids": None, "blobIds": [email_id]}, "p"],
            ["SearchSnippet/get", {**search, "emailIds": [email_id]}, "s"],
            ["Email/query", {**search, "sort": [{"property": "subject"}, {"property": "from"}]}, "q"],
        ],
    }
    return world.client.post("/jmap/api", json=body, headers=AUTH)


@FUZZ
@given(raw=messages())
def test_mutated_mime_is_stored_exactly_and_readable(world: World, raw: bytes) -> None:
    result = ingest(world.account_id, raw, mailbox_ids=[world.inbox_id])
    stored = blobs.get(blobs.email_key(world.account_id, result.email_id))
    assert stored is not None and stored.data == raw
    assert result.size == len(raw)
    response = _email_get(world, result.email_id)
    fails = world.take_server_fails()
    assert not fails, "serverFail:\n" + "\n".join(fails)
    assert response.status_code == 200, response.text
    responses = response.json()["methodResponses"]
    for name, answer, _call_id in responses:
        assert name != "error" and answer.get("type") != SERVER_FAIL, answer
    assert [email["id"] for email in responses[0][1]["list"]] == [result.email_id]
    # Destroyed again, so the corpus' shared Message-IDs do not grow one ever larger thread.
    destroy = {"accountId": world.account_id, "destroy": [result.email_id]}
    body = {"using": USING, "methodCalls": [["Email/set", destroy, "d"]]}
    answer = world.client.post("/jmap/api", json=body, headers=AUTH).json()["methodResponses"][0]
    assert answer[0] == "Email/set" and answer[1]["destroyed"] == [result.email_id], answer
