"""strip_bcc: every Bcc field goes from the wire copy, and no other octet changes (RFC 5322 §3.6.3)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailx.mime import strip_bcc


def test_removes_a_folded_bcc_with_its_continuation_lines() -> None:
    # Given a message whose Bcc is folded over three lines
    raw = (
        b"From: a@example.com\r\n"
        b"Bcc: x@example.com,\r\n"
        b" y@example.com,\r\n"
        b"\tz@example.com\r\n"
        b"Subject: hi\r\n"
        b"\r\n"
        b"body\r\n"
    )
    # When it is stripped
    # Then the whole field is gone and the rest is byte-identical
    assert strip_bcc(raw) == b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"


def test_removes_several_bcc_fields_in_any_case() -> None:
    raw = (
        b"Bcc: one@example.com\r\n"
        b"To: t@example.com\r\n"
        b"bcc: two@example.com\r\n"
        b"BCC : three@example.com\r\n"
        b" four@example.com\r\n"
        b"Subject: s\r\n"
        b"\r\n"
        b"x"
    )
    assert strip_bcc(raw) == b"To: t@example.com\r\nSubject: s\r\n\r\nx"


def test_leaves_the_body_and_look_alike_fields_alone() -> None:
    # Given a body line and a part header that start with "Bcc:", and fields whose names merely begin with it
    raw = (
        b"To: t@example.com\r\n"
        b"Bcc-Note: keep me\r\n"
        b"X-Bcc: keep me too\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n"
        b"\r\n"
        b"Bcc: this is body text\r\n"
        b"--b\r\n"
        b"Bcc: a part header is body too\r\n"
        b"\r\n"
        b"text\r\n"
        b"--b--\r\n"
    )
    # Then nothing changes at all
    assert strip_bcc(raw) == raw


def test_keeps_bare_lf_line_endings_and_8bit_octets() -> None:
    raw = b"Subject: caf\xc3\xa9\nBcc: b@example.com\n  folded\nTo: t@example.com\n\n\xff\xfe body\n"
    assert strip_bcc(raw) == b"Subject: caf\xc3\xa9\nTo: t@example.com\n\n\xff\xfe body\n"


def test_a_message_without_bcc_or_without_body_is_unchanged() -> None:
    plain = b"To: t@example.com\r\nSubject: s\r\n\r\nhi"
    assert strip_bcc(plain) == plain
    assert strip_bcc(b"To: t@example.com\r\nBcc: b@example.com\r\n") == b"To: t@example.com\r\n"
    assert strip_bcc(b"") == b""


_FIELD = st.sampled_from([b"To: t@example.com", b"Subject: a", b"X-Tag: 1", b"Cc: c@example.com"])


@given(st.lists(_FIELD, max_size=6), st.lists(_FIELD, max_size=6), st.binary(max_size=64))
def test_only_the_bcc_lines_are_removed(before: list[bytes], after: list[bytes], body: bytes) -> None:
    # Given any other fields around one folded Bcc field, and any body
    head = b"".join(f + b"\r\n" for f in before)
    tail = b"".join(f + b"\r\n" for f in after)
    raw = head + b"Bcc: hidden@example.com,\r\n other@example.com\r\n" + tail + b"\r\n" + body
    # Then the result is exactly the message without those two lines
    assert strip_bcc(raw) == head + tail + b"\r\n" + body
