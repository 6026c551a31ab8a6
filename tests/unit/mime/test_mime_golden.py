"""Golden tests: tests/fixtures/mime/NAME.eml in, NAME.json (the full Email) out.

Regenerate with `UPDATE_GOLDEN=1 pytest tests/unit/mime/test_mime_golden.py`, then read every
changed .json against RFC 8621 §4.1 before committing: the golden file is the specification.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from mailx.mime import (
    body_value_part_ids,
    body_values,
    email_properties,
    email_summary,
    extract_part,
    split_part_blob_id,
)
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES
BLOB_ID = "gfixture0blob"
LIST_PROPERTIES = [
    "size",
    "messageId",
    "inReplyTo",
    "references",
    "sender",
    "from",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "sentAt",
    "hasAttachment",
    "preview",
    "headers",
    "header:Subject:asText",
    "header:From:asGroupedAddresses",
    "header:Cc:asGroupedAddresses",
    "header:Date:asDate",
    "header:List-Unsubscribe:asURLs",
    "header:received:all",
    "textBody",
    "htmlBody",
    "attachments",
]
TREE_BODY_PROPERTIES = [
    "partId",
    "blobId",
    "size",
    "headers",
    "name",
    "type",
    "charset",
    "disposition",
    "cid",
    "language",
    "location",
    "subParts",
]
NAMES = sorted(p.stem for p in FIXTURES.glob("*.eml"))


def render_golden(raw: bytes) -> dict[str, Any]:
    """The whole Email as Email/get would return it with every property and fetchAllBodyValues,
    going through the stored summary exactly as production does."""
    summary = json.loads(json.dumps(email_summary(raw, blob_id=BLOB_ID)))
    email = email_properties(summary, LIST_PROPERTIES)
    email.update(email_properties(summary, ["bodyStructure"], body_properties=TREE_BODY_PROPERTIES))
    ids = body_value_part_ids(summary, fetch_text=False, fetch_html=False, fetch_all=True)
    email["bodyValues"] = body_values(raw, ids)
    return email


@pytest.mark.parametrize("name", NAMES)
def test_mime_golden(name: str) -> None:
    # Given a hand-written message
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    # When it is rendered as a JMAP Email
    email = render_golden(raw)
    golden = FIXTURES / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(email, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    # Then it matches the reviewed golden file
    assert email == json.loads(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_mime_golden_blobs_download_with_their_size(name: str) -> None:
    # Given the parts listed in a message's bodyStructure
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    summary = email_summary(raw, blob_id=BLOB_ID)
    tree = email_properties(summary, ["bodyStructure"], body_properties=TREE_BODY_PROPERTIES)
    stack = [tree["bodyStructure"]]
    while stack:
        part = stack.pop()
        stack.extend(part["subParts"] or [])
        if part["partId"] is None:
            assert part["blobId"] is None and part["type"].startswith("multipart/")
            continue
        # When each part blob is split and extracted
        split = split_part_blob_id(part["blobId"])
        assert split == (BLOB_ID, part["partId"])
        extracted = extract_part(raw, part["partId"])
        # Then the octets are as long as the advertised size, with the same type and name
        assert extracted is not None
        assert len(extracted.data) == part["size"]
        assert (extracted.type, extracted.name) == (part["type"], part["name"])


def test_mime_golden_summary_is_compact_json() -> None:
    # Given every fixture
    for name in NAMES:
        raw = (FIXTURES / f"{name}.eml").read_bytes()
        # When summarised
        encoded = json.dumps(email_summary(raw, blob_id=BLOB_ID), ensure_ascii=False).encode()
        # Then the stored form is plain JSON, small, and never carries body text beyond the preview
        assert len(encoded) < 8000, name
