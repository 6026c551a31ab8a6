"""Email/set create to RFC 5322 octets, read back with the mime package (RFC 8621 §4.6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from mailx.mime import body_values, email_properties, email_summary, extract_part
from mailx.mime.compose import Blob, ComposedEmail, compose_email

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
BLOBS = {
    "Gpng": Blob(PNG, "image/png"),
    "Gpdf": Blob(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"x" * 2000, "application/pdf"),
    "Gtxt": Blob(b"plain ascii\r\nnotes\r\n", "text/plain; charset=us-ascii"),
    "Gmsg": Blob(b"From: a@example.com\nSubject: inner\n\nhello\n", "message/rfc822"),
}
LISTING = ["textBody", "htmlBody", "attachments"]
PART = ["partId", "type", "charset", "disposition", "cid", "name", "language", "location"]


def compose(create: dict[str, Any]) -> ComposedEmail:
    return compose_email(create, fetch_blob=BLOBS.get, now=NOW, message_id_domain="mx.example")


def read(raw: bytes, *props: str) -> dict[str, Any]:
    return email_properties(email_summary(raw, blob_id="M"), list(props), body_properties=PART)


def lists(raw: bytes) -> dict[str, list[tuple[str, str | None]]]:
    """The three §4.1.4 lists as (type, disposition) pairs."""
    email = read(raw, *LISTING)
    return {key: [(p["type"], p["disposition"]) for p in email[key]] for key in LISTING}


def values(raw: bytes) -> dict[str, str]:
    summary = email_summary(raw, blob_id="M")
    ids = [
        p["partId"] for p in read(raw, "textBody", "htmlBody")["textBody"] + read(raw, "htmlBody")["htmlBody"]
    ]
    got = body_values(raw, ids)
    assert all(not v["isEncodingProblem"] and not v["isTruncated"] for v in got.values())
    assert summary["size"] == len(raw)
    return {k: v["value"] for k, v in got.items()}


def assert_wire_clean(raw: bytes) -> None:
    """CRLF only, every line within 998 octets, header block within 78 where it could fold."""
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def headers_of(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")


def test_mime_compose_text_only() -> None:
    # Given a plain-text draft
    email = compose(
        {
            "from": [{"name": "Joe Bloggs", "email": "joe@example.com"}],
            "to": [{"name": None, "email": "ann@example.com"}],
            "subject": "Lunch?",
            "bodyValues": {"t": {"value": "Tomorrow at noon?\n\nJoe\n"}},
            "textBody": [{"partId": "t", "type": "text/plain"}],
        }
    )
    raw = email.raw
    # Then one 7bit text part, with Date, Message-ID and MIME-Version generated
    assert_wire_clean(raw)
    head = headers_of(raw)
    assert "Date: Mon, 06 May 2024 07:08:09 +0000" in head
    assert f"Message-ID: <{email.message_id}>" in head
    assert re.fullmatch(r"[0-9a-f]{32}@mx\.example", email.message_id)
    assert "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8" in head
    assert "Content-Transfer-Encoding: 7bit" in head
    got = read(raw, "from", "to", "subject", "sentAt", "messageId")
    assert got == {
        "from": [{"name": "Joe Bloggs", "email": "joe@example.com"}],
        "to": [{"name": None, "email": "ann@example.com"}],
        "subject": "Lunch?",
        "sentAt": "2024-05-06T07:08:09Z",
        "messageId": [email.message_id],
    }
    # the one part stands for both text and HTML views (§4.1.4)
    assert lists(raw) == {
        "textBody": [("text/plain", None)],
        "htmlBody": [("text/plain", None)],
        "attachments": [],
    }
    assert values(raw) == {"1": "Tomorrow at noon?\n\nJoe\n"}


def test_mime_compose_html_only() -> None:
    email = compose(
        {"bodyValues": {"h": {"value": "<p>Hi</p>"}}, "htmlBody": [{"partId": "h"}], "subject": "x"}
    )
    assert lists(email.raw)["htmlBody"] == [("text/html", None)]
    assert "Content-Type: text/html; charset=utf-8" in headers_of(email.raw)
    assert values(email.raw) == {"1": "<p>Hi</p>"}


def test_mime_compose_text_and_html_alternative() -> None:
    raw = compose(
        {
            "bodyValues": {"t": {"value": "Hi *there*"}, "h": {"value": "<p>Hi <b>there</b></p>"}},
            "textBody": [{"partId": "t"}],
            "htmlBody": [{"partId": "h", "type": "text/html"}],
        }
    ).raw
    assert_wire_clean(raw)
    assert read(raw, "bodyStructure")["bodyStructure"]["type"] == "multipart/alternative"
    assert lists(raw) == {
        "textBody": [("text/plain", None)],
        "htmlBody": [("text/html", None)],
        "attachments": [],
    }
    assert values(raw) == {"1": "Hi *there*", "2": "<p>Hi <b>there</b></p>"}


def test_mime_compose_attachments_in_mixed_with_bytes_kept() -> None:
    # Given a text body and three uploaded blobs, one without a type of its own
    raw = compose(
        {
            "bodyValues": {"t": {"value": "See attached."}},
            "textBody": [{"partId": "t"}],
            "attachments": [
                {"blobId": "Gpdf", "name": "report.pdf"},
                {"blobId": "Gtxt", "name": "notes.txt", "type": "text/plain"},
                {"blobId": "Gmsg", "type": "message/rfc822", "disposition": "inline"},
            ],
        }
    ).raw
    assert_wire_clean(raw)
    structure = read(raw, "bodyStructure")["bodyStructure"]
    assert structure["type"] == "multipart/mixed"
    # Then they are attachments, typed from the blob where the client gave no type
    assert lists(raw)["attachments"] == [
        ("application/pdf", "attachment"),
        ("text/plain", "attachment"),
        ("message/rfc822", "inline"),
    ]
    parts = read(raw, "attachments")["attachments"]
    assert [p["name"] for p in parts] == ["report.pdf", "notes.txt", None]
    assert parts[1]["charset"] == "us-ascii"  # from the upload's Content-Type
    # And binary goes base64 in 76-character lines, exact bytes back
    assert b"Content-Transfer-Encoding: base64" in raw
    pdf = extract_part(raw, parts[0]["partId"])
    assert pdf is not None and pdf.data == BLOBS["Gpdf"].data
    txt = extract_part(raw, parts[1]["partId"])
    assert txt is not None and txt.data == BLOBS["Gtxt"].data
    # An attached message is written in canonical CRLF form, never base64 (RFC 2046 §5.2.1)
    msg = extract_part(raw, parts[2]["partId"])
    assert msg is not None and msg.data == BLOBS["Gmsg"].data.replace(b"\n", b"\r\n")
    body = raw.split(b"Content-Transfer-Encoding: base64\r\n", 1)[1].split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n--")[0].split(b"\r\n")) == 76


def test_mime_compose_inline_cid_image_in_related() -> None:
    # Given HTML that embeds an image by cid, plus an ordinary attachment
    raw = compose(
        {
            "bodyValues": {
                "t": {"value": "Logo below"},
                "h": {"value": '<p>Logo <img src="cid:logo@x"></p>'},
            },
            "textBody": [{"partId": "t"}],
            "htmlBody": [{"partId": "h"}],
            "attachments": [
                {"blobId": "Gpng", "cid": "logo@x", "disposition": "inline", "type": "image/png"},
                {"blobId": "Gpdf", "type": "application/pdf", "name": "terms.pdf"},
            ],
        }
    ).raw
    structure = read(raw, "bodyStructure")["bodyStructure"]

    def shape(part: dict[str, Any]) -> Any:
        return [part["type"], [shape(p) for p in part["subParts"]]] if part.get("subParts") else part["type"]

    assert shape(structure) == [
        "multipart/mixed",
        [
            ["multipart/alternative", ["text/plain", ["multipart/related", ["text/html", "image/png"]]]],
            "application/pdf",
        ],
    ]
    assert lists(raw) == {
        "textBody": [("text/plain", None)],
        "htmlBody": [("text/html", None)],
        "attachments": [("image/png", "inline"), ("application/pdf", "attachment")],
    }
    image = read(raw, "attachments")["attachments"][0]
    assert image["cid"] == "logo@x"
    assert b"Content-ID: <logo@x>" in raw
    assert email_summary(raw, blob_id="M")["hasAttachment"] is True  # the PDF; the logo is embedded


def test_mime_compose_full_body_structure_tree() -> None:
    # Given a hand-built tree with part headers and every content property
    create = {
        "subject": "Tree",
        "bodyValues": {"a": {"value": "Bonjour"}, "b": {"value": "<b>Bonjour</b>"}},
        "bodyStructure": {
            "type": "multipart/mixed",
            "header:X-Root:asText": "root-part field",
            "subParts": [
                {
                    "type": "multipart/alternative",
                    "subParts": [
                        {"partId": "a", "language": ["fr", "fr-CA"], "header:X-Part": " one"},
                        {"partId": "b", "type": "text/html", "location": "https://example.com/b.html"},
                    ],
                },
                {"blobId": "Gpng", "type": "image/png", "disposition": "attachment", "name": "pic.png"},
            ],
        },
    }
    raw = compose(create).raw
    assert_wire_clean(raw)
    # Then the tree, the part properties and the part header fields read back
    structure = email_properties(
        email_summary(raw, blob_id="M"),
        ["bodyStructure", "header:X-Root:asText"],
        body_properties=[*PART, "header:X-Part", "subParts"],
    )
    assert structure["header:X-Root:asText"] == "root-part field"
    alt = structure["bodyStructure"]["subParts"][0]
    assert alt["type"] == "multipart/alternative"
    text, html = alt["subParts"]
    assert (text["language"], text["header:X-Part"], text["type"]) == (["fr", "fr-CA"], " one", "text/plain")
    assert (html["type"], html["location"]) == ("text/html", "https://example.com/b.html")
    image = structure["bodyStructure"]["subParts"][1]
    assert (image["type"], image["disposition"], image["name"]) == ("image/png", "attachment", "pic.png")
    assert values(raw) == {"1": "Bonjour", "2": "<b>Bonjour</b>"}


def test_mime_compose_boundaries_never_collide_with_content() -> None:
    # Given a 7bit body that happens to hold boundary-like lines
    text = "--=_" + "0" * 24 + "\n--=_abc--\n"
    create = {"bodyValues": {"t": {"value": text}}, "textBody": [{"partId": "t"}]}
    raw = compose({**create, "attachments": [{"blobId": "Gpng"}]}).raw
    boundary = re.search(rb'boundary="([^"]+)"', raw)
    assert boundary is not None
    assert raw.count(b"--" + boundary.group(1)) == 3  # two delimiters and the close
    assert values(raw) == {"1": text}


def test_mime_compose_long_lines_and_whitespace_use_quoted_printable() -> None:
    text = "x" * 1500 + "\ntrailing space \n"
    raw = compose({"bodyValues": {"t": {"value": text}}, "textBody": [{"partId": "t"}]}).raw
    assert_wire_clean(raw)
    assert b"quoted-printable" in raw
    assert values(raw) == {"1": text}


def test_mime_compose_empty_create_is_a_valid_message() -> None:
    email = compose({"mailboxIds": {"m1": True}, "keywords": {"$draft": True}})
    assert_wire_clean(email.raw)
    assert read(email.raw, "sentAt", "messageId") == {
        "sentAt": "2024-05-06T07:08:09Z",
        "messageId": [email.message_id],
    }
