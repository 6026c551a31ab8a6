"""bodyValues: decoding, charset fallbacks and truncation (RFC 8621 §4.1.4, §4.2)."""

from __future__ import annotations

import pytest

from mailx.mime import body_value_part_ids, body_values, email_summary
from mailx.mime.bodyvalues import truncate_utf8
from mailx.mime.charsets import decode_text


def single(body: bytes, content_type: str, cte: str = "8bit") -> bytes:
    return (
        f"Subject: t\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n".encode()
        + body
    )


def test_mime_truncation_never_splits_a_code_point() -> None:
    # Given text whose 5th and 6th octets are one character
    value = "abcd\u00e9fgh"
    # When cut to 5 octets, Then the partial character is dropped, not mangled
    assert truncate_utf8(value, 5) == ("abcd", True)
    assert truncate_utf8(value, 6) == ("abcd\u00e9", True)
    assert truncate_utf8("€€", 5) == ("€", True)
    assert truncate_utf8("😀x", 3) == ("", True)


def test_mime_truncation_limits_and_html_tags() -> None:
    assert truncate_utf8("short", 0) == ("short", False)
    assert truncate_utf8("short", 5) == ("short", False)
    assert truncate_utf8('<p>Hi <a href="x">', 12, html=True) == ("<p>Hi ", True)


def test_mime_body_values_truncate_and_normalise_line_ends() -> None:
    raw = single("line one\r\nline two é\r\n".encode(), "text/plain; charset=utf-8")
    assert body_values(raw, ["1"], max_bytes=19) == {
        "1": {"value": "line one\nline two ", "isEncodingProblem": False, "isTruncated": True}
    }
    full = body_values(raw, ["1"])["1"]
    assert full["value"] == "line one\nline two é\n" and not full["isTruncated"]
    assert len(full["value"].encode()) <= 100


def test_mime_body_values_skip_non_text_and_unknown_parts() -> None:
    raw = single(b"\x00\x01", "application/octet-stream")
    assert body_values(raw, ["1", "9"]) == {}


@pytest.mark.parametrize(
    ("data", "label", "text", "problem"),
    [
        ("café".encode(), "UTF8", "café", False),
        (b"caf\xe9", "latin1", "café", False),
        (b"\x93q\x94", "iso-8859-1", "\u201cq\u201d", False),  # windows-1252 punctuation
        (b"\x81", "windows-1252", "\x81", False),  # undefined in cp1252: kept as Latin-1
        (b"plain", None, "plain", False),
        ("café".encode(), "us-ascii", "café", False),  # unlabelled UTF-8
        (b"caf\xe9", "us-ascii", "café", True),
        (b"caf\xe9", "x-unknown", "café", True),
        (b"ok", "unknown-8bit", "ok", True),
        (b"bad \xff", "utf-8", "bad \ufffd", True),
        (b"\\u0041", "unicode_escape", "\\u0041", True),  # refused: not a mail charset
        (b"aGk=", "base64", "aGk=", True),  # refused: not a text encoding
        ("Привет".encode("koi8-r"), "KOI8-R", "Привет", False),
        ("日本".encode("iso-2022-jp"), "ISO-2022-JP", "日本", False),
        ("①".encode("cp932"), "shift_jis", "①", False),  # Windows extension via the cp932 superset
        ("简体".encode("gb18030"), "gb2312", "简体", False),
    ],
)
def test_mime_charset_decoding(data: bytes, label: str | None, text: str, problem: bool) -> None:
    assert decode_text(data, label) == (text, problem)


def test_mime_broken_transfer_encodings_are_encoding_problems() -> None:
    assert body_values(single(b"aGVsbG8gd29y!bGQ", "text/plain", "base64"), ["1"])["1"] == {
        "value": "hello world",
        "isEncodingProblem": True,
        "isTruncated": False,
    }
    assert body_values(single(b"a =XY b", "text/plain", "quoted-printable"), ["1"])["1"]["isEncodingProblem"]
    assert body_values(single(b"fine", "text/plain", "x-strange"), ["1"])["1"]["isEncodingProblem"]
    assert not body_values(single(b"a=3Db=\r\nc", "text/plain", "quoted-printable"), ["1"])["1"][
        "isEncodingProblem"
    ]


def test_mime_body_value_part_ids_follow_the_fetch_arguments() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: multipart/alternative; "
        b"boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nt\r\n--a\r\n"
        b"Content-Type: text/html\r\n\r\nh\r\n--a--\r\n--m\r\nContent-Type: image/png\r\n\r\nx\r\n"
        b"--m\r\nContent-Type: text/csv\r\n"
        b"Content-Disposition: attachment\r\n\r\na,b\r\n--m--\r\n"
    )
    summary = email_summary(raw, blob_id="b1")
    assert body_value_part_ids(summary, fetch_text=True, fetch_html=False, fetch_all=False) == ["1"]
    assert body_value_part_ids(summary, fetch_text=False, fetch_html=True, fetch_all=False) == ["2"]
    assert body_value_part_ids(summary, fetch_text=True, fetch_html=True, fetch_all=False) == ["1", "2"]
    assert body_value_part_ids(summary, fetch_text=False, fetch_html=False, fetch_all=True) == ["1", "2", "4"]
    assert body_value_part_ids(summary, fetch_text=False, fetch_html=False, fetch_all=False) == []
