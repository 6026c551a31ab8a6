"""Round-trip property: what Email/set creates, the parser reads back (RFC 8621 §4.6 against §4.1)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mailx.mime import body_values, email_properties, email_summary, extract_part
from mailx.mime.compose import Blob, compose_email

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)

# Header text cannot carry control characters (they become spaces); surrogates are not UTF-8.
header_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cc"]), max_size=120)
# Body values use LF line ends; CR is normalised away, so it is left out here.
body_text = st.text(st.characters(codec="utf-8", exclude_characters="\r"), max_size=600)
local = st.text(st.sampled_from("abcxyz019._-+éü中"), min_size=1, max_size=12)
address = st.builds(
    lambda user, host: f"{user}@{host}.example", local, st.sampled_from(["mail", "bücher", "x-y"])
)
person = st.fixed_dictionaries({"name": st.none() | header_text, "email": address})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def expected_name(name: str | None) -> str | None:
    # Readers collapse white space in display names (RFC 8621 §4.1.2.3) and normalise to NFC.
    return nfc(" ".join(name.split())) or None if name is not None else None


def expected_file_name(name: str) -> str | None:
    return nfc(name.strip()) or None


@settings(max_examples=60, deadline=None)
@given(
    subject=header_text,
    people=st.lists(person, min_size=1, max_size=3),
    text=body_text,
    html=body_text,
    file_name=header_text,
    data=st.binary(max_size=1500),
)
def test_mime_compose_round_trip(
    subject: str, people: list[dict[str, Any]], text: str, html: str, file_name: str, data: bytes
) -> None:
    # Given a create object with generated text, names, addresses, a file name and bytes
    create = {
        "from": people[:1],
        "to": people,
        "subject": subject,
        "header:X-Note:asText": subject,
        "bodyValues": {"t": {"value": text}, "h": {"value": html}},
        "textBody": [{"partId": "t"}],
        "htmlBody": [{"partId": "h"}],
        "attachments": [{"blobId": "Gb", "name": file_name}],
    }
    raw = compose_email(
        create, fetch_blob={"Gb": Blob(data, "application/octet-stream")}.get, now=NOW, message_id_domain="d"
    ).raw
    # Then the octets are clean on the wire
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    # And every value reads back as the parser normalises it
    email = email_properties(
        email_summary(raw, blob_id="M"),
        ["from", "to", "subject", "header:X-Note:asText", "textBody", "htmlBody", "attachments"],
    )
    assert email["subject"] == email["header:X-Note:asText"] == nfc(subject)
    want = [{"name": expected_name(p["name"]), "email": p["email"]} for p in people]
    assert email["to"] == want
    assert email["from"] == want[:1]
    text_part, html_part = email["textBody"][0]["partId"], email["htmlBody"][0]["partId"]
    got = body_values(raw, [text_part, html_part])
    assert got[text_part]["value"] == text
    assert got[html_part]["value"] == html
    [attachment] = email["attachments"]
    assert attachment["name"] == expected_file_name(file_name)
    extracted = extract_part(raw, attachment["partId"])
    assert extracted is not None and extracted.data == data
