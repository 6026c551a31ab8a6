"""The preview property (RFC 8621 §4.1.4): at most 256 characters of readable text."""

from __future__ import annotations

from mailx.mime import email_summary
from mailx.mime.preview import clip, html_to_text


def preview(raw: bytes) -> str:
    value = email_summary(raw, blob_id="b1")["preview"]
    assert isinstance(value, str)
    return value


def test_mime_html_reduced_to_text() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style><script>x()</script></head><body>"
        "<p>Caf&eacute;&nbsp;&amp; <b>cr&#232;me</b></p><p>next</p><!-- hidden --></body></html>"
    )
    assert " ".join(html_to_text(html).split()) == "Café & crème next"


def test_mime_preview_prefers_plain_text_in_alternatives() -> None:
    raw = (
        b"Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\n"
        b"plain   version\r\n\r\nhere\r\n--a\r\nContent-Type: text/html\r\n\r\n"
        b"<p>html version</p>\r\n--a--\r\n"
    )
    assert preview(raw) == "plain version here"


def test_mime_preview_from_html_only() -> None:
    raw = b"Content-Type: text/html; charset=utf-8\r\n\r\n<style>x</style><div>Hello&nbsp;<i>world</i></div>"
    assert preview(raw) == "Hello world"


def test_mime_preview_is_at_most_256_characters() -> None:
    raw = b"Content-Type: text/plain\r\n\r\n" + b"word " * 200
    text = preview(raw)
    assert len(text) <= 256 and text.startswith("word word")


def test_mime_preview_counts_astral_characters_twice() -> None:
    # 256 "characters" whatever the client counts: code points or UTF-16 units
    clipped = clip("😀" * 200)
    assert len(clipped) == 128
    assert len(clip("a" * 300)) == 256


def test_mime_preview_of_attachment_only_message_is_empty() -> None:
    raw = b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
    assert preview(raw) == ""
