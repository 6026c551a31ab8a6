"""Email/set create: header properties in their parsed forms, non-ASCII text (RFC 8621 §4.1.2, §4.6)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mailx.mime import body_values, email_properties, email_summary
from mailx.mime.compose import Blob, ComposedEmail, compose_email

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
BLOBS = {"Gpdf": Blob(b"%PDF-1.4\n" + b"x" * 500, "application/pdf")}


def compose(create: dict[str, Any]) -> ComposedEmail:
    return compose_email(create, fetch_blob=BLOBS.get, now=NOW, message_id_domain="mx.example")


def read(raw: bytes, *props: str) -> dict[str, Any]:
    return email_properties(email_summary(raw, blob_id="M"), list(props))


def values(raw: bytes) -> dict[str, str]:
    got = body_values(raw, ["1", "2"])
    assert all(not v["isEncodingProblem"] and not v["isTruncated"] for v in got.values())
    return {k: v["value"] for k, v in got.items()}


def headers_of(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")


def assert_wire_clean(raw: bytes) -> None:
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_mime_compose_header_forms() -> None:
    # Given header properties in the parsed forms
    raw = compose(
        {
            "header:X-Custom:asText": "Grüße, world",
            "header:List-Unsubscribe:asURLs": ["mailto:leave@list.example", "https://list.example/u?id=1"],
            "header:X-Raw": " kept  exactly (as given)",
            "header:Resent-Date:asDate": "2023-12-31T23:59:58-05:30",
            "header:X-Seen:all": ["one", "two"],
            "inReplyTo": ["parent@example.com"],
            "references": ["root@example.com", "parent@example.com"],
            "messageId": ["mine@example.com"],
            "sentAt": "2024-02-03T04:05:06+01:00",
            "header:Comments:asText": "=?utf-8?q?not-a-word?= stays text",
        }
    ).raw
    got = read(
        raw,
        "header:X-Custom:asText",
        "header:List-Unsubscribe:asURLs",
        "header:X-Raw",
        "header:Resent-Date:asDate",
        "header:X-Seen:all",
        "inReplyTo",
        "references",
        "messageId",
        "sentAt",
        "header:Comments:asText",
    )
    assert got == {
        "header:X-Custom:asText": "Grüße, world",
        "header:List-Unsubscribe:asURLs": ["mailto:leave@list.example", "https://list.example/u?id=1"],
        "header:X-Raw": " kept  exactly (as given)",
        "header:Resent-Date:asDate": "2023-12-31T23:59:58-05:30",
        "header:X-Seen:all": [" one", " two"],
        "inReplyTo": ["parent@example.com"],
        "references": ["root@example.com", "parent@example.com"],
        "messageId": ["mine@example.com"],
        "sentAt": "2024-02-03T04:05:06+01:00",
        "header:Comments:asText": "=?utf-8?q?not-a-word?= stays text",
    }
    assert "List-Unsubscribe: <mailto:leave@list.example>, <https://list.example/u?id=1>" in headers_of(raw)
    assert "Date: Sat, 03 Feb 2024 04:05:06 +0100" in headers_of(raw)


def test_mime_compose_grouped_addresses_and_bcc_kept() -> None:
    groups = [
        {"name": None, "addresses": [{"name": "James Smythe", "email": "james@example.com"}]},
        {
            "name": "Friends",
            "addresses": [
                {"name": None, "email": "jane@example.com"},
                {"name": "John Smîth", "email": "john@example.com"},
            ],
        },
        {"name": "Nobody Here", "addresses": []},
    ]
    raw = compose(
        {
            "header:To:asGroupedAddresses": groups,
            "bcc": [{"name": "Hidden, Person", "email": "hidden@example.com"}],
            "replyTo": [{"name": "O'Brien (team)", "email": "ob@example.com"}],
        }
    ).raw
    got = read(raw, "header:To:asGroupedAddresses", "bcc", "replyTo")
    assert got["header:To:asGroupedAddresses"] == groups
    assert got["bcc"] == [{"name": "Hidden, Person", "email": "hidden@example.com"}]
    assert got["replyTo"] == [{"name": "O'Brien (team)", "email": "ob@example.com"}]
    assert 'Bcc: "Hidden, Person" <hidden@example.com>' in headers_of(raw)


def test_mime_compose_non_ascii_everything() -> None:
    # Given non-ASCII subject, names, addresses, file name and body
    name = "Ünïcødé résumé — 履歴書 très long nom de fichier pour les continuations.pdf"
    raw = compose(
        {
            "from": [{"name": "Zoë Ångström", "email": "zoë@bücher.example"}],
            "to": [{"name": "山田 太郎", "email": "taro@example.jp"}],
            "subject": "Grüße aus Köln — 你好, мир " * 4,
            "bodyValues": {
                "t": {"value": "Größe: 42 €\nこんにちは世界\n" + "ü" * 300 + "\n"},
                "h": {"value": "<p>Größe: 42 €</p>"},
            },
            "textBody": [{"partId": "t"}],
            "htmlBody": [{"partId": "h"}],
            "attachments": [{"blobId": "Gpdf", "name": name, "type": "application/pdf"}],
        }
    ).raw
    assert_wire_clean(raw)
    head = headers_of(raw)
    # Then phrases and text are RFC 2047 words, addresses raw UTF-8 (RFC 6532), file names RFC 2231
    assert "Subject: =?utf-8?" in head
    assert "<zoë@bücher.example>" in head and "=?utf-8?b?" in head.split("From:")[1].split("\r\n")[0]
    assert "filename*0*=utf-8''" in raw.decode("utf-8")
    assert 'name="=?utf-8?' in raw.decode("utf-8")
    assert all(len(line) <= 78 for line in head.encode().split(b"\r\n"))
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    got = read(raw, "from", "to", "subject", "attachments")
    assert got["from"] == [{"name": "Zoë Ångström", "email": "zoë@bücher.example"}]
    assert got["to"] == [{"name": "山田 太郎", "email": "taro@example.jp"}]
    assert got["subject"] == "Grüße aus Köln — 你好, мир " * 4
    assert got["attachments"][0]["name"] == name
    assert values(raw) == {"1": "Größe: 42 €\nこんにちは世界\n" + "ü" * 300 + "\n", "2": "<p>Größe: 42 €</p>"}


def test_mime_compose_raw_message_id_and_date_are_not_generated_again() -> None:
    email = compose(
        {"header:Message-ID": " <raw@example.com>", "header:Date": " Tue, 1 Jan 2030 00:00:00 +0000"}
    )
    head = headers_of(email.raw)
    assert head.count("Message-ID:") == 1 and head.count("Date:") == 1
    assert email.message_id == "raw@example.com"
