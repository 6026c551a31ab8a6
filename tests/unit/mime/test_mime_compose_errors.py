"""Email/set create rules: every violation names its property (RFC 8621 §4.6)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mailx.mime.compose import Blob, BlobNotFound, ComposeError, compose_email

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
BLOBS = {"Gpng": Blob(b"\x89PNG", "image/png")}
TEXT = {"bodyValues": {"t": {"value": "hi"}}, "textBody": [{"partId": "t"}]}


def compose(create: dict[str, Any]) -> bytes:
    return compose_email(create, fetch_blob=BLOBS.get, now=NOW, message_id_domain="mx.example").raw


CASES: list[tuple[str, dict[str, Any], str]] = [
    # A header field set twice, by two properties or a property and `headers`
    ("same field twice", {"from": [], "header:From:asAddresses": []}, "header:From:asAddresses"),
    ("same field, other case", {"header:x-a": " 1", "header:X-A:asText": "2"}, "header:X-A:asText"),
    (
        "headers and a property",
        {"subject": "s", "headers": [{"name": "Subject", "value": " t"}]},
        "headers/0/name",
    ),
    # Forms a field may not be set in, and malformed header property names
    ("form not allowed", {"header:From:asDate": "2024-01-01T00:00:00Z"}, "header:From:asDate"),
    ("bad header name", {"header:Bad Name": "x"}, "header:Bad Name"),
    # Content-* only on body parts; MIME-Version is the server's
    ("content on email", {"header:Content-Type": " text/plain"}, "header:Content-Type"),
    ("content in headers", {"headers": [{"name": "Content-Language", "value": " en"}]}, "headers/0/name"),
    ("mime-version", {"header:MIME-Version": " 1.0"}, "header:MIME-Version"),
    # bodyStructure excludes the three lists
    ("structure and lists", {**TEXT, "bodyStructure": {"partId": "t"}}, "textBody"),
    # The root part may not set a field the Email sets
    (
        "root repeats email field",
        {
            "subject": "a",
            "bodyValues": TEXT["bodyValues"],
            "bodyStructure": {"partId": "t", "header:Subject": " b"},
        },
        "bodyStructure/header:Subject",
    ),
    # textBody / htmlBody: exactly one part, of the right type, a leaf
    (
        "two text parts",
        {"bodyValues": {"t": {"value": "a"}}, "textBody": [{"partId": "t"}, {"partId": "t"}]},
        "textBody",
    ),
    ("no text part", {"textBody": []}, "textBody"),
    (
        "text not plain",
        {"bodyValues": {"t": {"value": "a"}}, "textBody": [{"partId": "t", "type": "text/html"}]},
        "textBody/0/type",
    ),
    (
        "html not html",
        {"bodyValues": {"h": {"value": "a"}}, "htmlBody": [{"partId": "h", "type": "text/plain"}]},
        "htmlBody/0/type",
    ),
    ("blob text typed", {"textBody": [{"blobId": "Gpng", "type": "image/png"}]}, "textBody/0/type"),
    (
        "list part with subParts",
        {"attachments": [{"type": "multipart/mixed", "subParts": [{"blobId": "Gpng"}]}]},
        "attachments/0/subParts",
    ),
    # partId xor blobId; partId must be in bodyValues; no charset or size with partId
    (
        "both ids",
        {"bodyValues": {"t": {"value": "a"}}, "textBody": [{"partId": "t", "blobId": "Gpng"}]},
        "textBody/0/blobId",
    ),
    ("neither id", {"attachments": [{"type": "image/png"}]}, "attachments/0/partId"),
    ("missing body value", {"textBody": [{"partId": "nope"}]}, "textBody/0/partId"),
    (
        "charset with partId",
        {"bodyValues": {"t": {"value": "a"}}, "textBody": [{"partId": "t", "charset": "utf-8"}]},
        "textBody/0/charset",
    ),
    (
        "size with partId",
        {"bodyValues": {"t": {"value": "a"}}, "textBody": [{"partId": "t", "size": 1}]},
        "textBody/0/size",
    ),
    (
        "partId not text",
        {"bodyValues": {"t": {"value": "a"}}, "attachments": [{"partId": "t", "type": "image/png"}]},
        "attachments/0/type",
    ),
    (
        "partId used twice",
        {
            "bodyValues": {"t": {"value": "a"}},
            "textBody": [{"partId": "t"}],
            "attachments": [{"partId": "t"}],
        },
        "attachments/0/partId",
    ),
    # No Content-Transfer-Encoding, in any form, anywhere; no Content-Type beside type
    (
        "cte on part",
        {"attachments": [{"blobId": "Gpng", "header:Content-Transfer-Encoding": " base64"}]},
        "attachments/0/header:Content-Transfer-Encoding",
    ),
    (
        "cte in part headers",
        {
            "attachments": [
                {"blobId": "Gpng", "headers": [{"name": "content-transfer-encoding", "value": " 7bit"}]}
            ]
        },
        "attachments/0/headers/0/name",
    ),
    (
        "content-type on part",
        {"attachments": [{"blobId": "Gpng", "header:Content-Type:asRaw": " image/gif"}]},
        "attachments/0/header:Content-Type:asRaw",
    ),
    (
        "cid twice",
        {"attachments": [{"blobId": "Gpng", "cid": "a@b", "header:Content-ID": " <c@d>"}]},
        "attachments/0/cid",
    ),
    # bodyValues flags must be false or omitted
    (
        "encoding problem",
        {"bodyValues": {"t": {"value": "a", "isEncodingProblem": True}}},
        "bodyValues/t/isEncodingProblem",
    ),
    ("truncated", {"bodyValues": {"t": {"value": "a", "isTruncated": True}}}, "bodyValues/t/isTruncated"),
    ("value not a string", {"bodyValues": {"t": {"value": 3}}}, "bodyValues/t/value"),
    # Address lists must be arrays of EmailAddress objects with a usable email
    ("from not a list", {"from": "joe@example.com"}, "from"),
    ("address not an object", {"to": ["joe@example.com"]}, "to/0"),
    ("address without email", {"cc": [{"name": "Joe"}]}, "cc/0/email"),
    ("address with space", {"bcc": [{"email": "joe @example.com"}]}, "bcc/0/email"),
    ("address with brackets", {"replyTo": [{"email": "<joe@example.com>"}]}, "replyTo/0/email"),
    ("name not a string", {"sender": [{"name": 5, "email": "a@b"}]}, "sender/0/name"),
    (
        "group without list",
        {"header:To:asGroupedAddresses": [{"name": "G"}]},
        "header:To:asGroupedAddresses/0/addresses",
    ),
    # Other forms
    ("bad date", {"sentAt": "yesterday"}, "sentAt"),
    ("date without offset", {"sentAt": "2024-01-01T00:00:00"}, "sentAt"),
    ("two message ids", {"messageId": ["a@b", "c@d"]}, "messageId"),
    ("message id with brackets", {"inReplyTo": ["<a@b>"]}, "inReplyTo/0"),
    ("url with space", {"header:List-Post:asURLs": ["mailto:a b"]}, "header:List-Post:asURLs/0"),
    ("text not a string", {"subject": ["x"]}, "subject"),
    ("raw header injection", {"header:X-A": " a\r\nBcc: evil@example.com"}, "header:X-A"),
    ("all not a list", {"header:X-A:all": " a"}, "header:X-A:all"),
    ("lone surrogate", {"subject": "a\ud800"}, "subject"),
    ("unbreakable line", {"header:X-A": " " + "a" * 1200}, "header:X-A"),
    # Server-set and unknown properties
    ("server-set", {"id": "x"}, "id"),
    ("unknown", {"bodyValue": {}}, "bodyValue"),
    ("unknown part property", {"attachments": [{"blobId": "Gpng", "blobID": "x"}]}, "attachments/0/blobID"),
    # Part shapes
    (
        "multipart without parts",
        {"bodyStructure": {"type": "multipart/mixed", "subParts": []}},
        "bodyStructure/subParts",
    ),
    (
        "multipart leaf",
        {"bodyStructure": {"type": "multipart/mixed", "blobId": "Gpng"}},
        "bodyStructure/subParts",
    ),
    (
        "subParts on a leaf type",
        {"bodyStructure": {"type": "image/png", "subParts": [{"blobId": "Gpng"}]}},
        "bodyStructure/type",
    ),
    (
        "content on multipart",
        {"bodyStructure": {"blobId": "Gpng", "subParts": [{"blobId": "Gpng"}]}},
        "bodyStructure/blobId",
    ),
    ("bad type", {"attachments": [{"blobId": "Gpng", "type": "image"}]}, "attachments/0/type"),
    ("bad cid", {"attachments": [{"blobId": "Gpng", "cid": "<a@b>"}]}, "attachments/0/cid"),
    ("bad language", {"attachments": [{"blobId": "Gpng", "language": ["en us"]}]}, "attachments/0/language"),
    ("part not an object", {"attachments": ["Gpng"]}, "attachments/0"),
]


@pytest.mark.parametrize(("create", "path"), [(c, p) for _, c, p in CASES], ids=[i for i, _, _ in CASES])
def test_mime_compose_rule_violation_names_the_property(create: dict[str, Any], path: str) -> None:
    # Given a create object breaking one rule; When composed; Then ComposeError names the property
    with pytest.raises(ComposeError) as caught:
        compose(create)
    assert caught.value.property_path == path
    assert caught.value.description


def test_mime_compose_blob_not_found_lists_every_missing_blob_once() -> None:
    # Given parts referencing two unknown blobs (one twice) and one known blob
    create = {
        "bodyStructure": {
            "type": "multipart/mixed",
            "subParts": [
                {"blobId": "Gnope1"},
                {"blobId": "Gpng"},
                {"blobId": "Gnope2"},
                {"blobId": "Gnope1"},
            ],
        }
    }
    with pytest.raises(BlobNotFound) as caught:
        compose(create)
    assert caught.value.blob_ids == ["Gnope1", "Gnope2"]


def test_mime_compose_rule_errors_come_before_blob_lookups() -> None:
    fetched: list[str] = []

    def fetch(blob_id: str) -> Blob | None:
        fetched.append(blob_id)
        return None

    with pytest.raises(ComposeError):
        compose_email(
            {"attachments": [{"blobId": "Gx"}], "subject": 1},
            fetch_blob=fetch,
            now=NOW,
            message_id_domain="d",
        )
    assert fetched == []


def test_mime_compose_lenient_where_the_rfc_allows() -> None:
    # `headers` is accepted (RFC 8621 §4.6 lets a server fix up a create) when nothing else sets
    # the field; size is ignored with a blobId; charset is honoured with a blobId
    raw = compose(
        {
            "headers": [{"name": "X-Mailer", "value": " test"}, {"name": "X-Mailer", "value": " again"}],
            "attachments": [{"blobId": "Gpng", "size": 999, "type": "text/plain", "charset": "iso-8859-1"}],
        }
    )
    assert b"X-Mailer: test\r\nX-Mailer: again\r\n" in raw
    assert b"Content-Type: text/plain; charset=iso-8859-1" in raw
