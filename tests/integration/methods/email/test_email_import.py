"""Email/import (RFC 8621 §4.8) through the HTTP API: upload, import, read back; every SetError."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailx.mail.ingest import ingest
from mailx.protocol.capabilities import CORE, MAIL
from mailx.store import transactions
from tests.helpers.auth import ALICE
from tests.helpers.call_counting import counting
from tests.helpers.jmap_calls import jmap, upload
from tests.helpers.mailboxes import counters, inbox_id, role_id
from tests.helpers.messages import message
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES


def import_call(account_id: str, emails: dict[str, Any], **extra: Any) -> list[Any]:
    return ["Email/import", {"accountId": account_id, "emails": emails, **extra}, "i"]


def test_upload_import_then_get(client: Any, alice: Any) -> None:
    # Given the nested_rfc822 golden message uploaded as a blob
    acc = alice.account_id
    raw = (FIXTURES / "nested_rfc822.eml").read_bytes()
    blob_id = upload(client, acc, raw)
    archive = role_id(acc, "archive")
    before = str(transactions.get_states(acc).get("Email", 0))
    # When it is imported into Inbox and Archive with keywords and a receivedAt, then read back by reference
    email = {"blobId": blob_id, "mailboxIds": {inbox_id(acc): True, archive: True},
             "keywords": {"$Seen": True, "$flagged": True}, "receivedAt": "2024-03-16T08:30:00Z"}  # fmt: skip
    [[name, result, _], [got_name, got, _]] = jmap(
        client,
        import_call(acc, {"k1": email}),
        ["Email/get", {"accountId": acc, "ids": ["#k1"],
                       "properties": ["blobId", "threadId", "mailboxIds", "keywords", "receivedAt", "size",
                                      "subject", "from", "attachments"],
                       "bodyProperties": ["partId", "blobId", "type"]}, "g"],
    )  # fmt: skip
    # Then the response is the §4.8 shape and Email/get shows exactly what was asked for
    assert name == "Email/import", result
    created = result["created"]["k1"]
    assert set(created) == {"id", "blobId", "threadId", "size"}
    assert created["size"] == len(raw)
    assert result["notCreated"] is None
    assert result["oldState"] == before
    assert result["newState"] == str(transactions.get_states(acc)["Email"]) != before
    assert got_name == "Email/get"
    [stored] = got["list"]
    assert stored == {
        "id": created["id"],
        "blobId": created["blobId"],
        "threadId": created["threadId"],
        "mailboxIds": {inbox_id(acc): True, archive: True},
        "keywords": {"$seen": True, "$flagged": True},
        "receivedAt": "2024-03-16T08:30:00Z",
        "size": len(raw),
        "subject": "Fwd: Contract draft",
        "from": [{"name": "Gina", "email": "gina@example.org"}],
        "attachments": [{"partId": "2", "blobId": f"{created['blobId']}_2", "type": "message/rfc822"}],
    }
    # And the octets are byte-exact, the counters count it once read
    download = client.get(f"/jmap/download/{acc}/{created['blobId']}/m.eml", headers=ALICE)
    assert download.content == raw
    assert counters(acc, archive) == {
        "totalEmails": 1,
        "unreadEmails": 0,
        "totalThreads": 1,
        "unreadThreads": 0,
    }


def test_received_at_defaults_to_the_latest_received_header(client: Any, alice: Any) -> None:
    acc = alice.account_id
    raw = (
        b"Received: from b.example by mx.example.com; Tue, 02 Apr 2024 12:00:05 +0200\r\n"
        b"Received: from a.example by b.example; Tue, 02 Apr 2024 09:00:00 +0000\r\n"
        + message("rcv@example.net", "Received test")
    )
    blob_id = upload(client, acc, raw)
    [_, [_, got, _]] = jmap(
        client,
        import_call(acc, {"r": {"blobId": blob_id, "mailboxIds": {inbox_id(acc): True}}}),
        ["Email/get", {"accountId": acc, "ids": ["#r"], "properties": ["receivedAt", "keywords"]}, "g"],
    )
    assert got["list"][0]["receivedAt"] == "2024-04-02T10:00:05Z"
    assert got["list"][0]["keywords"] == {}


def test_every_set_error(client: Any, alice: Any) -> None:
    # Given a good upload, a text upload, and a mailbox
    acc = alice.account_id
    good = upload(client, acc, message("errors@example.net", "Errors"))
    not_mail = upload(client, acc, b"\x89PNG\r\n\x1a\n not a message")
    inbox = inbox_id(acc)
    too_many = {f"M{i:04d}": True for i in range(21)}
    cases = {
        "noBlob": {"blobId": "Bnothere", "mailboxIds": {inbox: True}},
        "badBlobId": {"blobId": "no/slash", "mailboxIds": {inbox: True}},
        "unknownBox": {"blobId": good, "mailboxIds": {"Mnope": True}},
        "noBoxes": {"blobId": good, "mailboxIds": {}},
        "falseBox": {"blobId": good, "mailboxIds": {inbox: False}},
        "tooManyBoxes": {"blobId": good, "mailboxIds": too_many},
        "badKeyword": {"blobId": good, "mailboxIds": {inbox: True}, "keywords": {"a(b": True}},
        "keywordString": {"blobId": good, "mailboxIds": {inbox: True}, "keywords": {"$seen": "false"}},
        "badDate": {"blobId": good, "mailboxIds": {inbox: True}, "receivedAt": "2024-03-16T08:30:00+01:00"},
        "several": {"blobId": 7, "mailboxIds": None, "keywords": {"": True}, "receivedAt": "yesterday"},
        "notMail": {"blobId": not_mail, "mailboxIds": {inbox: True}},
    }
    # When all are imported in one call
    [[_, result, _]] = jmap(client, import_call(acc, cases))
    # Then nothing is created and each gets its SetError
    assert result["created"] is None
    assert result["newState"] == result["oldState"]
    errors = result["notCreated"]
    # RFC 8621 §4.8 has no blobNotFound for import: an unknown blob is an invalid blobId property
    assert json.dumps(errors["noBlob"], separators=(",", ":")) == (
        '{"type":"invalidProperties","description":"no blob \'Bnothere\'","properties":["blobId"]}'
    )
    for key, prop in (("badBlobId", "blobId"), ("unknownBox", "mailboxIds"), ("noBoxes", "mailboxIds"),
                      ("falseBox", "mailboxIds"), ("tooManyBoxes", "mailboxIds"), ("badKeyword", "keywords"),
                      ("keywordString", "keywords"), ("badDate", "receivedAt")):  # fmt: skip
        assert errors[key]["type"] == "invalidProperties", key
        assert errors[key]["properties"] == [prop], key
    assert errors["several"]["properties"] == ["blobId", "keywords", "mailboxIds", "receivedAt"]
    assert errors["notMail"]["type"] == "invalidEmail"
    assert counters(acc, inbox)["totalEmails"] == 0


def test_too_large(client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailx.methods.email import import_

    acc = alice.account_id
    blob_id = upload(client, acc, message("big@example.net", "Big", body="x" * 200))
    monkeypatch.setattr(import_, "MAX_IMPORT_OCTETS", 100)
    [[_, result, _]] = jmap(
        client, import_call(acc, {"b": {"blobId": blob_id, "mailboxIds": {inbox_id(acc): True}}})
    )
    assert result["notCreated"]["b"] == {
        "type": "tooLarge", "description": "the message is over 100 octets", "maxSize": 100,
    }  # fmt: skip


def test_if_in_state(client: Any, alice: Any) -> None:
    acc = alice.account_id
    blob_id = upload(client, acc, message("state@example.net", "State"))
    item = {"s": {"blobId": blob_id, "mailboxIds": {inbox_id(acc): True}}}
    [[name, error, _]] = jmap(client, import_call(acc, item, ifInState="999"))
    assert (name, error["type"]) == ("error", "stateMismatch")
    current = str(transactions.get_states(acc).get("Email", 0))
    [[name, result, _]] = jmap(client, import_call(acc, item, ifInState=current))
    assert name == "Email/import" and "s" in result["created"]


def test_already_exists_is_per_blob(client: Any, alice: Any) -> None:
    # Given a message imported from one upload
    acc = alice.account_id
    raw = message("dup@example.net", "Duplicate")
    first_blob = upload(client, acc, raw)
    box = {inbox_id(acc): True}
    [[_, first, _]] = jmap(client, import_call(acc, {"a": {"blobId": first_blob, "mailboxIds": box}}))
    first_id = first["created"]["a"]["id"]
    # When the same blob is imported again, Then alreadyExists names the first Email
    with counting() as calls:
        [[_, again, _]] = jmap(client, import_call(acc, {"b": {"blobId": first_blob, "mailboxIds": box}}))
    assert again["created"] is None
    assert again["notCreated"]["b"] == {"type": "alreadyExists", "existingId": first_id,
                                        "description": "this blob has already been imported"}  # fmt: skip
    assert "TransactWriteItems" not in calls.dynamodb and calls.s3 == {}
    # When a stored Email's own blob is imported, Then alreadyExists names that Email
    stored = ingest(acc, message("stored@example.net", "Stored"), mailbox_ids=[inbox_id(acc)]).email_id
    [[_, own, _]] = jmap(client, import_call(acc, {"c": {"blobId": stored, "mailboxIds": box}}))
    assert own["notCreated"]["c"]["existingId"] == stored
    # When another upload of identical octets is imported, Then it is a second, independent Email
    second_blob = upload(client, acc, raw)
    [[_, copy, _]] = jmap(client, import_call(acc, {"d": {"blobId": second_blob, "mailboxIds": box}}))
    assert copy["created"]["d"]["id"] != first_id
    assert counters(acc, inbox_id(acc))["totalEmails"] == 3


def test_blob_from_upload_in_same_request_and_attached_message(client: Any, alice: Any) -> None:
    # Given a stored message with an attached message
    acc = alice.account_id
    outer = ingest(acc, (FIXTURES / "nested_rfc822.eml").read_bytes(), mailbox_ids=[inbox_id(acc)]).email_id
    text = message("same@example.net", "Same request").decode()
    request = {
        "using": [CORE, MAIL, "urn:ietf:params:jmap:blob"],
        "methodCalls": [
            ["Blob/upload", {"accountId": acc, "create": {
                "u": {"data": [{"data:asText": text}]}}}, "u"],
            import_call(acc, {"x": {"blobId": "#u", "mailboxIds": {inbox_id(acc): True}},
                              "y": {"blobId": f"{outer}_2", "mailboxIds": {inbox_id(acc): True}}}),
            ["Email/get", {"accountId": acc, "ids": ["#x", "#y"], "properties": ["subject"]}, "g"],
        ],
    }  # fmt: skip
    # When the upload and the attached message part are imported by reference
    response = client.post("/jmap/api", json=request, headers=ALICE).json()
    [_, [_, imported, _], [_, got, _]] = response["methodResponses"]
    # Then both are Emails of their own
    assert imported["notCreated"] is None, imported
    assert [e["subject"] for e in got["list"]] == ["Same request", "Contract draft"]


def test_already_exists_follows_an_email_a_thread_merge_moved(client: Any, alice: Any) -> None:
    # Given an imported message whose thread a later message merges into another one
    acc = alice.account_id
    box = [inbox_id(acc)]
    big = ingest(acc, message("big@x", "Topic"), mailbox_ids=box)
    ingest(acc, message("big2@x", "Re: Topic", refs="big@x"), mailbox_ids=box)
    blob_id = upload(client, acc, message("small@x", "Topic"))
    [[_, first, _]] = jmap(client, import_call(acc, {"a": {"blobId": blob_id, "mailboxIds": {box[0]: True}}}))
    imported = first["created"]["a"]["id"]
    ingest(acc, message("link@x", "Re: Topic", refs="big@x small@x"), mailbox_ids=box)
    from mailx.store import emails

    moved = emails.get(acc, imported) is None
    assert moved, "the smaller thread (the import) must be the one that moves"
    # When the same blob is imported again, Then alreadyExists names the Email's new id
    [[_, again, _]] = jmap(client, import_call(acc, {"b": {"blobId": blob_id, "mailboxIds": {box[0]: True}}}))
    existing = again["notCreated"]["b"]["existingId"]
    assert existing != imported
    record = emails.get(acc, existing)
    assert record is not None and record.thread_id == emails.get(acc, big.email_id).thread_id  # type: ignore[union-attr]
