"""Download headers (RFC 8620 §6.2, RFC 6266): any file name and any type give safe, reversible headers."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailx.blobs.disposition import (
    ascii_fallback,
    content_disposition,
    media_type_or_default,
    safe_media_type,
)
from tests.helpers.content_disposition import parse_disposition


def _parsed_filename(header: str) -> str | None:
    """What an RFC 6266 client reads back: `filename*` (RFC 5987, UTF-8) wins over `filename`."""
    params = parse_disposition(header)
    if "filename*" in params:
        charset, _, encoded = params["filename*"].partition("''")
        assert charset == "UTF-8"
        return unquote(encoded, encoding="utf-8", errors="strict")
    return params.get("filename")


@pytest.mark.parametrize(
    "name",
    [
        "report.pdf",
        'say "hello".txt',
        "back\\slash.txt",
        "Ünïcödé 日本語 ✉.txt",
        "../../etc/passwd",
        "line\r\nbreak.txt",
        "semi;colon, comma=equals.txt",
        "100% done.txt",
        "tab\there",
        "emoji 😀.png",
    ],
)
def test_disposition_parses_back_to_the_exact_name(name: str) -> None:
    # Given an awkward file name / When the header is built / Then a client reads back the same name
    header = content_disposition(name)
    assert _parsed_filename(header) == name
    assert header.startswith("attachment; filename=")


@given(st.text(min_size=1, max_size=80))
def test_any_name_gives_a_printable_ascii_header_that_round_trips(name: str) -> None:
    header = content_disposition(name)
    assert all(" " <= ch <= "~" for ch in header)
    expected = name.encode("utf-8", errors="replace").decode("utf-8")
    assert _parsed_filename(header) == expected


def test_ascii_fallback_replaces_quotes_separators_and_non_ascii() -> None:
    assert ascii_fallback('a"b\\c/d%e ü\r\n.txt') == "a_b_c_d_e ___.txt"
    # Naive clients search the header for `filename*=`: the fallback can never contain one.
    assert ascii_fallback("x; filename*=UTF-8''evil") == "x_ filename__UTF-8''evil"
    header = content_disposition("x\"; filename*=UTF-8''evil.exe")
    assert header.count("filename*=") == 1
    assert ascii_fallback("日本") == "__"
    assert ascii_fallback("   ") == "download"


def test_empty_name_still_names_a_file() -> None:
    assert content_disposition("") == "attachment; filename=\"download\"; filename*=UTF-8''download"


@pytest.mark.parametrize(
    ("given_type", "expected"),
    [
        ("text/plain", "text/plain"),
        ("Image/PNG", "image/png"),
        ("text/plain;charset=utf-8", "text/plain; charset=utf-8"),
        ('text/plain; charset="utf-8"', 'text/plain; charset="utf-8"'),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("text", None),
        ("text/", None),
        ("/plain", None),
        ("text/html\r\nSet-Cookie: x=1", None),
        ("text/plain; charset", None),
        ("tëxt/plain", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_media_type(given_type: str | None, expected: str | None) -> None:
    if given_type and given_type.startswith("application/vnd.openxml"):
        expected = given_type  # long but well-formed: kept
    assert safe_media_type(given_type) == expected


def test_malformed_types_fall_back_to_octet_stream() -> None:
    assert media_type_or_default("not a type") == "application/octet-stream"
    assert media_type_or_default(None) == "application/octet-stream"
    assert media_type_or_default("a/" + "b" * 300) == "application/octet-stream"
