"""The RFC 8621 §4.1.4 decomposition of bodyStructure into textBody, htmlBody and attachments."""

from __future__ import annotations

from mailx.mime import parse_message
from mailx.mime.message import ParsedMessage
from mailx.mime.parse import BodyPart
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES


def letters(parts: tuple[BodyPart, ...]) -> list[str]:
    # Each leaf of the RFC example fixture holds its letter as content (J is a whole message).
    return [p.content.decode().strip()[-1] for p in parts]


def message(body: str, content_type: str) -> ParsedMessage:
    raw = f"Subject: t\r\nContent-Type: {content_type}\r\n\r\n{body}".replace("\n", "\r\n")
    return parse_message(raw.replace("\r\r\n", "\r\n").encode())


def test_mime_rfc8621_example_structure() -> None:
    # Given the MIME structure the RFC uses as its example (parts A to K)
    parsed = parse_message((FIXTURES / "rfc8621_example.eml").read_bytes())
    # When the RFC's algorithm runs, Then the lists are exactly the RFC's
    assert letters(parsed.text_body) == ["A", "B", "C", "D", "K"]
    assert letters(parsed.html_body) == ["A", "E", "K"]
    assert letters(parsed.attachments) == ["C", "F", "G", "H", "J"]


def test_mime_alternative_with_only_html_fills_text_body() -> None:
    # Given an alternative whose only inline body is HTML ("Found HTML part only")
    parsed = message(
        "--a\nContent-Type: text/html\n\n<p>hi</p>\n--a\nContent-Type: application/pdf\n\nx\n--a--\n",
        'multipart/alternative; boundary="a"',
    )
    # Then the HTML part stands in for the text body too
    assert [p.part_id for p in parsed.text_body] == ["1"]
    assert [p.part_id for p in parsed.html_body] == ["1"]
    assert [p.part_id for p in parsed.attachments] == ["2"]


def test_mime_related_parts_after_the_first_are_attachments() -> None:
    parsed = message(
        "--r\nContent-Type: text/html\n\n<img src=cid:i>\n--r\nContent-Type: text/plain\n\nx\n--r--\n",
        'multipart/related; boundary="r"',
    )
    assert [p.part_id for p in parsed.html_body] == ["1"]
    assert [p.part_id for p in parsed.attachments] == ["2"]


def test_mime_named_text_after_first_is_attachment_but_first_is_body() -> None:
    parsed = message(
        '--m\nContent-Type: text/plain; name="a.txt"\n\nbody\n--m\nContent-Type: text/plain; name="b.txt"\n\n'
        "file\n--m--\n",
        'multipart/mixed; boundary="m"',
    )
    assert [p.part_id for p in parsed.text_body] == ["1"]
    assert [p.part_id for p in parsed.attachments] == ["2"]


def test_mime_alternative_nested_in_mixed_inside_alternative_does_not_crash() -> None:
    # Given a plain part that nulls htmlBody, then an inner alternative wanting to push HTML
    parsed = message(
        "--o\nContent-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain\n\nt\n"
        "--m\nContent-Type: multipart/alternative; boundary=i\n\n--i\nContent-Type: text/plain\n\nt2\n"
        "--i\nContent-Type: text/html\n\n<p>h</p>\n--i--\n--m--\n--o--\n",
        "multipart/alternative; boundary=o",
    )
    # Then the lenient reading drops the HTML push instead of failing like the JavaScript would,
    # and the outer alternative, having seen only plain text, copies it to htmlBody
    assert [p.part_id for p in parsed.text_body] == ["1", "2"]
    assert [p.part_id for p in parsed.html_body] == ["1", "2"]
    assert [p.part_id for p in parsed.attachments] == []


def test_mime_message_rfc822_is_an_opaque_attachment() -> None:
    parsed = parse_message((FIXTURES / "nested_rfc822.eml").read_bytes())
    inner = parsed.part("2")
    assert inner is not None and inner.type == "message/rfc822" and inner.sub_parts is None
    assert inner in parsed.attachments
    assert inner.content.startswith(b"Date: Fri, 15 Mar 2024 17:45:00 +0000\r\n")
    # And the attached message parses on its own, as Email/parse would do with its blob
    attached = parse_message(inner.content)
    assert [p.name for p in attached.attachments] == ["draft.doc"]


def test_mime_part_ids_are_depth_first_leaves_only() -> None:
    parsed = parse_message((FIXTURES / "rfc8621_example.eml").read_bytes())
    walked = list(parsed.body_structure.walk())
    assert [p.part_id for p in walked if p.sub_parts is None] == [str(i) for i in range(1, 11)]
    assert all(p.part_id is None for p in walked if p.sub_parts is not None)
