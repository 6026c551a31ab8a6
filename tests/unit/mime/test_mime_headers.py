"""Header parsed forms and header:* properties (RFC 8621 §4.1.2, §4.1.3)."""

from __future__ import annotations

from typing import Any

import pytest

from mailx.mime import email_properties, email_summary, parse_header_property
from mailx.mime.addresses import parse_addresses, parse_grouped
from mailx.mime.headers import as_date, as_message_ids, as_text, as_urls, form_allowed

RFC_ADDRESS_LIST = (
    ' "  James Smythe" <james@example.com>, Friends:\r\n'
    "  jane@example.com, =?UTF-8?Q?John_Sm=C3=AEth?=\r\n"
    "  <john@example.com>;"
)


def render(raw: bytes, *props: str) -> dict[str, Any]:
    return email_properties(email_summary(raw, blob_id="b1"), list(props))


def test_mime_raw_form_keeps_leading_space_and_folding() -> None:
    # Given a folded header
    raw = b"Subject: two\r\n  lines\r\nX-Tab:\tvalue\r\n\r\nbody"
    # When read as Raw
    email = render(raw, "header:Subject", "header:x-tab:asRaw", "headers")
    # Then the octets after the colon are kept, up to the final CRLF only
    assert email["header:Subject"] == " two\r\n  lines"
    assert email["header:x-tab:asRaw"] == "\tvalue"
    assert email["headers"] == [
        {"name": "Subject", "value": " two\r\n  lines"},
        {"name": "X-Tab", "value": "\tvalue"},
    ]


def test_mime_raw_form_replaces_bad_utf8_and_drops_nul() -> None:
    raw = b"X-Bad: caf\xe9\x00 ok \xc3\xa9\r\n\r\n"
    assert render(raw, "header:X-Bad")["header:X-Bad"] == " caf\ufffd ok \u00e9"


def test_mime_stored_header_block_round_trips_unusual_line_breaks() -> None:
    # Given Unicode and ASCII characters that str.splitlines() would treat as line breaks
    raw = "Subject: a\u2028b: c\x85d\r\nX-After: yes\r\nX-VT: p\x0bq\r\n\r\nbody".encode()
    # When the headers are answered from the stored header block
    email = render(raw, "headers")
    # Then no field is split or lost
    assert email["headers"] == [
        {"name": "Subject", "value": " a\u2028b: c\x85d"},
        {"name": "X-After", "value": " yes"},
        {"name": "X-VT", "value": " p\x0bq"},
    ]


def test_mime_last_instance_all_and_case_insensitive_names() -> None:
    # Given a field repeated with different capitalisation
    raw = b"X-Thing: one\r\nx-thing: two\r\n\r\n"
    # When asked for without and with :all, in any case
    email = render(raw, "header:X-THING", "header:x-Thing:all", "header:Missing", "header:Missing:all")
    # Then the last instance, all instances in order, null and [] for an absent field; keys as asked
    assert email == {
        "header:X-THING": " two",
        "header:x-Thing:all": [" one", " two"],
        "header:Missing": None,
        "header:Missing:all": [],
    }


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (" =?UTF-8?Q?Caf=C3=A9?=", "Café"),
        (" =?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # white space between adjacent words goes
        (" =?utf-8?q?a?= b", "a b"),
        (" x=?utf-8?q?a?=", "x=?utf-8?q?a?="),  # glued to text: must not be decoded
        (" =?utf-8?q?a b?=", "=?utf-8?q?a b?="),  # space inside: not an encoded-word
        (" =?x-nonsense?q?a?=", "=?x-nonsense?q?a?="),  # unknown charset: left alone
        (" =?utf-8?b?YQBi?=", "ab"),  # encoded NUL dropped
        (" =?utf-8?q?a=07b?=", "ab"),  # encoded control character dropped
        (" fold\r\n\tme", "fold\tme"),
        (" =?utf-8?q?e=CC=81?=", "\u00e9"),  # NFC
        (" =?utf-8?q?=E2=82?= =?utf-8?q?=AC?=", "€"),  # character split across words
        (" =?utf-8?b?!!!?=", "\ufffd"),  # broken base64: replacement character
        (" =?iso-8859-1*fr?q?=E9t=E9?=", "été"),  # RFC 2231 language suffix
        ("   leading", "leading"),
    ],
)
def test_mime_text_form(raw: str, text: str) -> None:
    assert as_text(raw) == text


def test_mime_addresses_rfc_example() -> None:
    assert parse_addresses(RFC_ADDRESS_LIST) == [
        {"name": "James Smythe", "email": "james@example.com"},
        {"name": None, "email": "jane@example.com"},
        {"name": "John Smîth", "email": "john@example.com"},
    ]


def test_mime_grouped_addresses_rfc_example() -> None:
    assert parse_grouped(RFC_ADDRESS_LIST) == [
        {"name": None, "addresses": [{"name": "James Smythe", "email": "james@example.com"}]},
        {
            "name": "Friends",
            "addresses": [
                {"name": None, "email": "jane@example.com"},
                {"name": "John Smîth", "email": "john@example.com"},
            ],
        },
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" a@example.com (Ann Example)", [{"name": "Ann Example", "email": "a@example.com"}]),
        (' "Doe, Jane" <jane@example.com>', [{"name": "Doe, Jane", "email": "jane@example.com"}]),
        (' "say \\"hi\\"" <q@example.com>', [{"name": 'say "hi"', "email": "q@example.com"}]),
        (" <@relay.example:route@example.org>", [{"name": None, "email": "route@example.org"}]),
        (" Jane Doe jane@example.com", [{"name": "Jane Doe", "email": "jane@example.com"}]),
        (" not-an-address", [{"name": None, "email": "not-an-address"}]),
        (" undisclosed-recipients:;", []),
        (" Broken <unterminated@example.com", [{"name": "Broken", "email": "unterminated@example.com"}]),
        ("", []),
    ],
)
def test_mime_addresses_best_effort(raw: str, expected: list[dict[str, Any]]) -> None:
    assert parse_addresses(raw) == expected


def test_mime_grouped_addresses_keep_groups_and_merge_ungrouped_neighbours() -> None:
    assert parse_grouped(" a@x, b@x, G: c@x;, d@x, Empty:;") == [
        {"name": None, "addresses": [{"name": None, "email": "a@x"}, {"name": None, "email": "b@x"}]},
        {"name": "G", "addresses": [{"name": None, "email": "c@x"}]},
        {"name": None, "addresses": [{"name": None, "email": "d@x"}]},
        {"name": "Empty", "addresses": []},
    ]


@pytest.mark.parametrize(
    ("raw", "ids"),
    [
        (" <a@b>", ["a@b"]),
        (" <a@b> (comment <x@y>)\r\n <c@d>", ["a@b", "c@d"]),
        (" <a@\r\n b>", ["a@b"]),
        (" bare@example.com", ["bare@example.com"]),
        (" not an id", None),
        ("", None),
    ],
)
def test_mime_message_ids_form(raw: str, ids: list[str] | None) -> None:
    assert as_message_ids(raw) == ids


@pytest.mark.parametrize(
    ("raw", "date"),
    [
        (" Thu, 13 Feb 1969 23:32:54 -0330", "1969-02-13T23:32:54-03:30"),
        (" Fri, 21 Nov 1997 09:55:06 -0600 (MDT)", "1997-11-21T09:55:06-06:00"),
        (" 1 Jan 2024 10:00 +0000", "2024-01-01T10:00:00Z"),
        (" Mon, 1 Jan 24 10:00:00 GMT", "2024-01-01T10:00:00Z"),
        (" Mon, 1 Jan 2024 10:00:00 -0000", "2024-01-01T10:00:00Z"),
        (" Mon,\r\n 1 Jan 2024 10:00:00 +1400", "2024-01-01T10:00:00+14:00"),
        (" Sat, 31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:59Z"),
        (" Mon, 31 Feb 2024 10:00:00 +0100", None),
        (" yesterday", None),
    ],
)
def test_mime_date_form(raw: str, date: str | None) -> None:
    assert as_date(raw) == date


def test_mime_urls_form() -> None:
    raw = " <mailto:list@example.com?subject=help> (Help),\r\n <https://example.com/help>"
    assert as_urls(raw) == ["mailto:list@example.com?subject=help", "https://example.com/help"]
    assert as_urls(" NO (posting not allowed)") is None


@pytest.mark.parametrize(
    "prop",
    [
        "header:From",
        "header:From:asAddresses",
        "header:From:asGroupedAddresses:all",
        "header:Subject:asText",
        "header:List-Id:asText",
        "header:Date:asDate",
        "header:Resent-Message-ID:asMessageIds",
        "header:List-Post:asURLs",
        "header:X-Custom:asDate:all",
        "header:X-Custom:asURLs",
        "header:Received:all",
        "header:Subject:asRaw",
    ],
)
def test_mime_valid_header_properties(prop: str) -> None:
    assert parse_header_property(prop) is not None


@pytest.mark.parametrize(
    "prop",
    [
        "header:From:asDate",  # the RFC's own example of a forbidden form
        "header:Subject:asAddresses",
        "header:To:asText",
        "header:Date:asText",
        "header:Message-ID:asText",
        "header:Received:asText",
        "header:List-Post:asAddresses",
        "header:From:asWhatever",
        "header:From:all:asAddresses",  # suffixes in the wrong order
        "header:",
        "header:Bad Name",
        "header:X:asText:all:extra",
        "from",
    ],
)
def test_mime_invalid_header_properties(prop: str) -> None:
    assert parse_header_property(prop) is None


def test_mime_header_property_fields() -> None:
    parsed = parse_header_property("header:Resent-To:asAddresses:all")
    assert parsed is not None
    assert (parsed.name, parsed.form, parsed.all, parsed.prop) == (
        "Resent-To",
        "Addresses",
        True,
        "header:Resent-To:asAddresses:all",
    )
    assert form_allowed("X-Anything", "GroupedAddresses")


def test_mime_convenience_properties_equal_their_header_forms() -> None:
    # Given a message with every convenience field
    raw = (
        b"Message-ID: <m@x>\r\nIn-Reply-To: <p@x>\r\nReferences: <o@x> <p@x>\r\nSender: s@x\r\n"
        b"From: f@x\r\nTo: t@x\r\nCc: c@x\r\nBcc: b@x\r\nReply-To: r@x\r\nSubject: =?utf-8?q?S?=\r\n"
        b"Date: Tue, 2 Jan 2024 03:04:05 +0600\r\n\r\nbody"
    )
    pairs = {
        "messageId": "header:Message-ID:asMessageIds",
        "inReplyTo": "header:In-Reply-To:asMessageIds",
        "references": "header:References:asMessageIds",
        "sender": "header:Sender:asAddresses",
        "from": "header:From:asAddresses",
        "to": "header:To:asAddresses",
        "cc": "header:Cc:asAddresses",
        "bcc": "header:Bcc:asAddresses",
        "replyTo": "header:Reply-To:asAddresses",
        "subject": "header:Subject:asText",
        "sentAt": "header:Date:asDate",
    }
    # When both are rendered
    email = render(raw, *pairs, *pairs.values())
    # Then each convenience property is identical to its header form (RFC 8621 §4.1.3)
    for short, long in pairs.items():
        assert email[short] == email[long], short
    assert email["sentAt"] == "2024-01-02T03:04:05+06:00"
