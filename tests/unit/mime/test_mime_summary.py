"""The stored summary, rendering from it, blob ids and thread keys."""

from __future__ import annotations

import json
import subprocess
import sys

from mailx.mime import (
    DEFAULT_BODY_PROPERTIES,
    EMAIL_PROPERTIES,
    email_properties,
    email_summary,
    extract_part,
    is_body_property,
    parse_message,
    split_part_blob_id,
    thread_keys,
)
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES


def test_mime_summary_renders_the_listing_properties_without_the_raw_message() -> None:
    # Given a summary stored as JSON at ingest
    raw = (FIXTURES / "mixed_attachments.eml").read_bytes()
    stored = json.loads(json.dumps(email_summary(raw, blob_id="m1")))
    # When Email/get asks for listing properties (including store-owned ones it must skip)
    email = email_properties(
        stored, ["id", "subject", "from", "hasAttachment", "size", "preview", "keywords"]
    )
    # Then the mime layer answers what it owns and leaves the rest to the caller
    assert email == {
        "subject": "Q1 report and photos",
        "from": [{"name": "Carol", "email": "carol@example.com"}],
        "hasAttachment": True,
        "size": len(raw),
        "preview": "Hi both, the report and two photos are attached. -- Carol, sent from the office",
    }


def test_mime_body_properties_filter_and_part_headers() -> None:
    raw = (FIXTURES / "related_inline.eml").read_bytes()
    summary = email_summary(raw, blob_id="m1")
    email = email_properties(
        summary,
        ["attachments", "bodyStructure"],
        body_properties=["partId", "blobId", "header:Content-ID", "header:content-type:asRaw:all"],
    )
    assert email["attachments"][0] == {
        "partId": "3",
        "blobId": "m1_3",
        "header:Content-ID": " <logo@shop.example>",
        "header:content-type:asRaw:all": [" image/png"],
    }
    tree = email["bodyStructure"]
    assert tree["partId"] is None and tree["blobId"] is None
    assert tree["header:Content-ID"] is None
    assert [sub["partId"] for sub in tree["subParts"]] == ["1", None]


def test_mime_default_body_properties_are_the_rfc_list() -> None:
    summary = email_summary(b"Subject: x\r\n\r\nhi", blob_id="m1")
    assert email_properties(summary, ["textBody"])["textBody"] == [
        {
            "partId": "1",
            "blobId": "m1_1",
            "size": 2,
            "name": None,
            "type": "text/plain",
            "charset": "us-ascii",
            "disposition": None,
            "cid": None,
            "language": None,
            "location": None,
        }
    ]


def test_mime_part_blob_ids_split_back() -> None:
    assert split_part_blob_id("abc123_4") == ("abc123", "4")
    assert split_part_blob_id("abc123") is None
    assert split_part_blob_id("abc_") is None
    assert split_part_blob_id("_4") is None
    assert split_part_blob_id("abc_x") is None
    assert split_part_blob_id("abc_3_1") == ("abc", "3_1")
    assert split_part_blob_id("abc_3__1") is None


def test_mime_extract_part() -> None:
    raw = (FIXTURES / "mixed_attachments.eml").read_bytes()
    pdf = extract_part(raw, "2")
    assert pdf is not None
    assert (pdf.type, pdf.name) == ("application/pdf", "q1-report.pdf")
    assert pdf.data.startswith(b"%PDF-1.4\n")
    assert extract_part(raw, "99") is None


def test_mime_parts_of_an_attached_message_have_their_own_blob_ids() -> None:
    # Given a message with a message/rfc822 attachment as part 2
    raw = (FIXTURES / "nested_rfc822.eml").read_bytes()
    attached_blob = email_properties(email_summary(raw, blob_id="m1"), ["attachments"])["attachments"][0]
    assert attached_blob["blobId"] == "m1_2"
    # When the attached message is parsed under its own blob id (as Email/parse would)
    inner = extract_part(raw, "2")
    assert inner is not None
    inner_summary = email_summary(inner.data, blob_id=attached_blob["blobId"])
    inner_email = email_properties(inner_summary, ["attachments"])
    doc = inner_email["attachments"][0]
    # Then its parts' blob ids lead back through the outer message
    assert doc["blobId"] == "m1_2_2"
    split = split_part_blob_id(doc["blobId"])
    assert split == ("m1", "2_2")
    extracted = extract_part(raw, split[1])
    assert extracted is not None
    assert (extracted.data, extracted.name) == (b"draft contract v7", "draft.doc")
    assert extract_part(raw, "1_1") is None  # part 1 is text, not a message


def test_mime_thread_keys() -> None:
    raw = (FIXTURES / "plain_text.eml").read_bytes()
    keys = thread_keys(email_summary(raw, blob_id="m1"))
    assert keys.message_ids == ("20240312101455.GA1234@example.org",)
    assert keys.in_reply_to == ("CAF=abc123@mail.example.net",)
    assert keys.references == ("first.1@example.net", "CAF=abc123@mail.example.net")
    assert keys.base_subject == "Lunch on Thursday?"
    empty = thread_keys(email_summary(b"", blob_id="m1"))
    assert (empty.message_ids, empty.in_reply_to, empty.references, empty.base_subject) == ((), (), (), "")


def test_mime_parsed_message_is_reusable() -> None:
    parsed = parse_message((FIXTURES / "alternative.eml").read_bytes())
    assert parsed.part("1") is parsed.text_body[0]
    assert parsed.part("2") is parsed.html_body[0]
    assert parsed.header_block().startswith("Date: Wed, 13 Mar 2024 16:02:11 -0700\r\n")


def test_mime_imports_only_the_standard_library() -> None:
    # The mime layer must stay pure and cheap to import (house style, habit 2)
    code = (
        "import sys, mailx.mime\n"
        "bad = [m for m in ('boto3', 'botocore', 'pynamodb', 'fastapi', 'pydantic', 'aws_lambda_powertools',"
        " 'html.parser') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_mime_property_name_validation_helpers() -> None:
    assert {"subject", "bodyStructure", "headers", "preview"} <= EMAIL_PROPERTIES
    assert "bodyValues" not in EMAIL_PROPERTIES and "id" not in EMAIL_PROPERTIES
    assert is_body_property("partId") and is_body_property("subParts") and is_body_property("headers")
    assert is_body_property("header:Content-Type:asRaw")
    assert not is_body_property("header:From:asDate") and not is_body_property("bogus")
    assert DEFAULT_BODY_PROPERTIES[0] == "partId" and len(DEFAULT_BODY_PROPERTIES) == 10
