"""Email/parse (RFC 8621 §4.9) through the HTTP API: uploads, stored Emails, attached messages."""

from __future__ import annotations

import json
from typing import Any

from mailx.mail.ingest import ingest
from tests.helpers.auth import ALICE
from tests.helpers.call_counting import counting
from tests.helpers.jmap_calls import jmap, upload
from tests.helpers.mailboxes import inbox_id
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES


def parse(client: Any, account_id: str, blob_ids: list[str], **extra: Any) -> dict[str, Any]:
    [[name, result, _]] = jmap(
        client, ["Email/parse", {"accountId": account_id, "blobIds": blob_ids, **extra}, "p"]
    )
    assert name == "Email/parse", result
    answer: dict[str, Any] = result
    return answer


def test_upload_default_properties_match_the_golden_rendering(client: Any, alice: Any) -> None:
    # Given the alternative golden message uploaded
    acc = alice.account_id
    raw = (FIXTURES / "alternative.eml").read_bytes()
    blob_id = upload(client, acc, raw)
    golden = json.loads((FIXTURES / "alternative.json").read_text())
    # When it is parsed with the default properties and text values
    with counting() as calls:
        result = parse(client, acc, [blob_id], fetchTextBodyValues=True)
    # Then exactly the §4.9 default properties come back, rendered like the golden file
    assert result["notFound"] is None and result["notParsable"] is None
    email = result["parsed"][blob_id]
    assert set(email) == {
        "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject",
        "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments",
    }  # fmt: skip
    for name in ("messageId", "from", "to", "subject", "sentAt", "hasAttachment", "preview"):
        assert email[name] == golden[name], name
    fixture_blob = golden["textBody"][0]["blobId"].rsplit("_", 1)[0]
    swap = json.dumps(golden["textBody"]).replace(fixture_blob, blob_id)
    assert email["textBody"] == json.loads(swap)
    [text_part] = email["textBody"]
    assert list(email["bodyValues"]) == [text_part["partId"]]
    assert email["bodyValues"][text_part["partId"]]["isTruncated"] is False
    # And it cost one HEAD and one GET of the upload, nothing else in S3
    assert dict(calls.s3) == {"HeadObject": 1, "GetObject": 1}


def test_metadata_is_null_and_size_blob_id_are_the_blobs(client: Any, alice: Any) -> None:
    acc = alice.account_id
    raw = (FIXTURES / "plain_text.eml").read_bytes()
    blob_id = upload(client, acc, raw)
    props = [
        "id",
        "blobId",
        "threadId",
        "mailboxIds",
        "keywords",
        "receivedAt",
        "size",
        "header:Subject:asText",
    ]
    email = parse(client, acc, [blob_id], properties=props)["parsed"][blob_id]
    assert email == {
        "id": None, "blobId": blob_id, "threadId": None, "mailboxIds": None, "keywords": None,
        "receivedAt": None, "size": len(raw), "header:Subject:asText": email["header:Subject:asText"],
    }  # fmt: skip
    assert isinstance(email["header:Subject:asText"], str)


def test_stored_email_and_its_attached_message(client: Any, alice: Any) -> None:
    # Given a stored message with a message/rfc822 attachment (part 2)
    acc = alice.account_id
    raw = (FIXTURES / "nested_rfc822.eml").read_bytes()
    email_id = ingest(acc, raw, mailbox_ids=[inbox_id(acc)]).email_id
    part = f"{email_id}_2"
    # When both the stored Email and the attached part are parsed, with every body value
    result = parse(
        client, acc, [email_id, part], properties=["subject", "from", "attachments", "bodyValues"],
        fetchAllBodyValues=True, maxBodyValueBytes=10, bodyProperties=["partId", "blobId", "type", "name"],
    )  # fmt: skip
    outer, inner = result["parsed"][email_id], result["parsed"][part]
    # Then the outer is the forward and the inner the attached message, with nested part blob ids
    assert outer["subject"] == "Fwd: Contract draft"
    assert inner["subject"] == "Contract draft"
    assert inner["from"] == [{"name": "Legal", "email": "legal@example.com"}]
    assert inner["attachments"] == [
        {"partId": "2", "blobId": f"{email_id}_2_2", "type": "application/msword", "name": "draft.doc"}
    ]
    assert inner["bodyValues"] == {
        "1": {"value": "Please rev", "isEncodingProblem": False, "isTruncated": True}
    }
    # And the nested part blob is downloadable, and is exactly what an attachment of the inner message is
    download = client.get(f"/jmap/download/{acc}/{email_id}_2_2/draft.doc", headers=ALICE)
    assert download.status_code == 200
    direct = parse(client, acc, [f"{email_id}_2_2"])
    assert direct["notParsable"] == [f"{email_id}_2_2"]


def test_part_blob_ids_of_an_uploaded_message_download(client: Any, alice: Any) -> None:
    acc = alice.account_id
    blob_id = upload(client, acc, (FIXTURES / "nested_rfc822.eml").read_bytes())
    inner = parse(client, acc, [f"{blob_id}_2"], properties=["attachments"])["parsed"][f"{blob_id}_2"]
    nested = inner["attachments"][0]["blobId"]
    assert nested == f"{blob_id}_2_2"
    assert client.get(f"/jmap/download/{acc}/{nested}/d.doc", headers=ALICE).status_code == 200


def test_not_found_and_not_parsable(client: Any, alice: Any, bob: Any) -> None:
    # Given an image upload, a text part of a stored message, and a blob of another account
    acc = alice.account_id
    image = upload(client, acc, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    text = upload(client, acc, b"just a line of text\r\n")
    email_id = ingest(
        acc, (FIXTURES / "nested_rfc822.eml").read_bytes(), mailbox_ids=[inbox_id(acc)]
    ).email_id
    bobs = ingest(bob.account_id, b"Subject: bob's\r\n\r\nhi\r\n", mailbox_ids=[inbox_id(bob.account_id)])
    # When they are parsed with unknown ids and an unresolved creation reference
    result = parse(
        client, acc, [image, text, f"{email_id}_1", f"{email_id}_9", bobs.email_id, "Bmissing", "#nope"]
    )
    # Then non-messages are notParsable and everything that does not exist here is notFound
    assert result == {
        "accountId": acc,
        "parsed": None,
        "notParsable": [image, text, f"{email_id}_1"],
        "notFound": [f"{email_id}_9", bobs.email_id, "Bmissing", "#nope"],
    }


def test_invalid_arguments(client: Any, alice: Any) -> None:
    acc = alice.account_id
    cases: list[dict[str, Any]] = [
        {"blobIds": "x"},
        {"blobIds": ["x"], "properties": ["nope"]},
        {"blobIds": ["x"], "bodyProperties": ["nope"]},
        {"blobIds": ["x"], "properties": "subject"},
    ]
    for args in cases:
        [[name, error, _]] = jmap(client, ["Email/parse", {"accountId": acc, **args}, "p"])
        assert (name, error["type"]) == ("error", "invalidArguments"), args
