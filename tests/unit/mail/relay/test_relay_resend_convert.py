"""MIME shapes other than a composed draft, converted to Resend JSON (docs/relays.md, conversion rules)."""

from __future__ import annotations

import base64
from typing import Any

from mailx.mail.relay.base import OutboundMessage
from mailx.mail.relay.resend_convert import format_address, to_resend


def convert(raw: bytes, *rcpt: str) -> dict[str, Any]:
    return to_resend(OutboundMessage("S1", "A1", "me@example.com", rcpt or ("you@example.net",), raw))


def test_a_plain_text_message_has_text_only_and_decoded_fields() -> None:
    raw = (
        b"From: =?utf-8?q?Jos=C3=A9?= <me@example.com>\r\n"
        b"To: you@example.net\r\n"
        b"Subject: =?utf-8?b?w4dh?= va\r\n"
        b"Date: Mon, 6 May 2024 07:08:09 +0000\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"caf=E9\r\n"
    )
    body = convert(raw)
    assert body == {"from": '"José" <me@example.com>', "to": ["you@example.net"], "subject": "Ça va",
                    "text": "café\n"}  # fmt: skip


def test_html_only_and_no_body_at_all() -> None:
    html = b"To: you@example.net\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>"
    assert "text" not in convert(html) and convert(html)["html"] == "<p>hi</p>"
    empty = b"To: you@example.net\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n"
    body = convert(empty)
    assert body["text"] == "" and "html" not in body and body["from"] == "me@example.com"


def test_an_inline_image_between_texts_is_an_attachment_and_texts_are_joined() -> None:
    raw = (
        b"To: you@example.net\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\none\r\n"
        b"--b\r\nContent-Type: image/gif\r\nContent-Disposition: inline\r\nContent-ID: <g1>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nR0lGODlh\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\ntwo\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nx\r\n"
        b'--b\r\nContent-Type: text/csv; charset=utf-8; name="a.csv"\r\n'
        b"Content-Disposition: attachment\r\n\r\na,b\r\n"
        b"--b--\r\n"
    )
    body = convert(raw)
    assert body["text"] == "one\ntwo"
    gif, message, csv = body["attachments"]
    assert gif == {"filename": "part-2.gif", "content": base64.b64encode(b"GIF89a").decode(),
                   "content_type": "image/gif", "content_id": "g1"}  # fmt: skip
    assert message["filename"] == "part-4.eml" and message["content_type"] == "message/rfc822"
    assert base64.b64decode(message["content"]) == b"Subject: inner\r\n\r\nx"
    assert csv["filename"] == "a.csv" and csv["content_type"] == "text/csv; charset=utf-8"


def test_headers_kept_dropped_and_repeated() -> None:
    raw = (
        b"Received: from a by b\r\n"
        b"DKIM-Signature: v=1; d=x\r\n"
        b"From: me@example.com\r\nSender: other@example.com\r\nTo: you@example.net\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
        b"Auto-Submitted: auto-replied\r\nPrecedence: bulk\r\n"
        b"X-Tag: one\r\nx-tag: two\r\n"
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        b"References: <a@x>\r\n <b@x>\r\n"
        b"\r\nhi\r\n"
    )
    assert convert(raw)["headers"] == {
        "Auto-Submitted": "auto-replied",
        "Precedence": "bulk",
        "x-tag": "two",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "References": "<a@x> <b@x>",
    }


def test_address_formatting_quotes_only_when_needed() -> None:
    assert format_address(None, "a@x") == "a@x"
    assert format_address("Ann Lee", "a@x") == "Ann Lee <a@x>"
    assert format_address('Lee, "Ann"', "a@x") == '"Lee, \\"Ann\\"" <a@x>'
