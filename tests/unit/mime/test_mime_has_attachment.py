"""hasAttachment: an attached message (even inline), or a downloadable part that is not an image the
HTML shows by cid: (mailx.mime.summary.has_attachment)."""

from __future__ import annotations

import pytest

from mailx.mime import email_properties, email_summary

HEAD = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
HTML_CID = b'<p>Logo: <img src="cid:logo@x"></p>'
PNG = b"iVBORw0KGgo="


def part(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


def multipart(subtype: str, *parts: bytes, boundary: str = "b1") -> bytes:
    out = f"Content-Type: multipart/{subtype}; boundary={boundary}".encode() + b"\r\n\r\n"
    for item in parts:
        out += f"--{boundary}\r\n".encode() + item + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def has_attachment(raw: bytes) -> bool:
    value = email_properties(email_summary(HEAD + raw, blob_id="m1"), ["hasAttachment"])["hasAttachment"]
    assert isinstance(value, bool)
    return value


TEXT = part("Content-Type: text/plain", b"hello")
HTML = part("Content-Type: text/html", HTML_CID)
FORWARDED = HEAD + b"\r\nforwarded body"
CASES = {
    "plain text only": (TEXT, False),
    "an html newsletter with a cid: image": (
        multipart(
            "related",
            HTML,
            part("Content-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64", PNG),
            boundary="r",
        ),
        False,
    ),
    "a cid: image even marked attachment": (
        multipart(
            "related",
            HTML,
            part(
                "Content-Type: image/png\nContent-ID: <logo@x>\n"
                "Content-Disposition: attachment; filename=l.png\n"
                "Content-Transfer-Encoding: base64",
                PNG,
            ),
            boundary="r",
        ),
        False,
    ),
    "an attached message, inline": (
        multipart(
            "mixed", TEXT, part("Content-Type: message/rfc822\nContent-Disposition: inline", FORWARDED)
        ),
        True,
    ),
    "an attached message": (multipart("mixed", TEXT, part("Content-Type: message/rfc822", FORWARDED)), True),
    "a pdf": (
        multipart(
            "mixed", TEXT, part("Content-Type: application/pdf\nContent-Disposition: attachment", b"%PDF")
        ),
        True,
    ),
    "an image the html does not reference": (
        multipart(
            "related",
            HTML,
            part("Content-Type: image/png\nContent-ID: <other@x>\nContent-Transfer-Encoding: base64", PNG),
            boundary="r",
        ),
        True,
    ),
    "a cid: referenced part that is not an image": (
        multipart(
            "related",
            part("Content-Type: text/html", b'<a href="cid:logo@x">doc</a>'),
            part("Content-Type: application/pdf\nContent-ID: <logo@x>", b"%PDF"),
            boundary="r",
        ),
        True,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_has_attachment(case: str) -> None:
    raw, expected = CASES[case]
    assert has_attachment(raw) is expected
