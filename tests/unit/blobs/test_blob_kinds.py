"""BlobIds (RFC 8620 §6): uploads, whole messages and parts are told apart by shape, never by a lookup."""

from __future__ import annotations

import pytest

from mailx.blobs.kinds import BlobKind, new_upload_id, parse_blob_id


def test_upload_email_and_part_ids_map_to_their_objects() -> None:
    upload = new_upload_id()
    assert upload.startswith("B") and "_" not in upload
    ref = parse_blob_id("A1", upload)
    assert ref is not None and ref.kind is BlobKind.UPLOAD and ref.key == f"uploads/A1/{upload}"
    email = parse_blob_id("A1", "M123")
    assert email is not None and email.kind is BlobKind.EMAIL and email.key == "emails/A1/M123.eml"
    part = parse_blob_id("A1", "M123_2")
    assert part is not None and part.kind is BlobKind.PART
    assert (part.key, part.part_id) == ("emails/A1/M123.eml", "2")
    part_of_upload = parse_blob_id("A1", f"{upload}_1")
    assert part_of_upload is not None and part_of_upload.key == f"uploads/A1/{upload}"


@pytest.mark.parametrize("bad", ["", "../x", "a/b", "a b", "x" * 256, "#cid", "é"])
def test_ids_that_are_not_jmap_ids_name_nothing(bad: str) -> None:
    assert parse_blob_id("A1", bad) is None
