"""Blob/lookup (RFC 9404 §4.3) through the HTTP API: email, part and upload blobs; unknown types."""

from __future__ import annotations

from typing import Any

from mailx.mail.ingest import ingest
from mailx.protocol.capabilities import CORE, MAIL
from mailx.store import emails
from tests.helpers.auth import ALICE
from tests.helpers.call_counting import counting
from tests.helpers.jmap_calls import upload
from tests.helpers.mailboxes import inbox_id, role_id
from tests.helpers.messages import message
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES
BLOB = "urn:ietf:params:jmap:blob"
TYPES = ["Mailbox", "Thread", "Email"]


def lookup(client: Any, args: dict[str, Any], using: tuple[str, ...] = (CORE, MAIL, BLOB)) -> list[Any]:
    body = {"using": list(using), "methodCalls": [["Blob/lookup", args, "L"]]}
    response = client.post("/jmap/api", json=body, headers=ALICE)
    assert response.status_code == 200, response.text
    [answer] = response.json()["methodResponses"]
    result: list[Any] = answer
    return result


def test_email_part_and_upload_blobs(client: Any, alice: Any) -> None:
    # Given a stored message in Inbox and Archive, and an upload nothing refers to
    acc = alice.account_id
    inbox, archive = inbox_id(acc), role_id(acc, "archive")
    stored = ingest(acc, (FIXTURES / "nested_rfc822.eml").read_bytes(), mailbox_ids=[inbox, archive])
    uploaded = upload(client, acc, message("up@example.net", "Upload"))
    ids = [stored.blob_id, f"{stored.blob_id}_2", f"{stored.blob_id}_2_2", uploaded, f"{stored.blob_id}_7",
           "not-a-blob", "Bnothere"]  # fmt: skip
    # When every one is looked up (after a warm-up that pays for auth and the session)
    lookup(client, {"accountId": acc, "typeNames": TYPES, "ids": []})
    with counting() as calls:
        name, result, call_id = lookup(client, {"accountId": acc, "typeNames": TYPES, "ids": ids})
    # Then the message and its parts (nested too) map to the Email, its Thread and both Mailboxes
    matched = {"Mailbox": sorted([inbox, archive]), "Thread": [stored.thread_id], "Email": [stored.email_id]}
    nothing: dict[str, list[str]] = {"Mailbox": [], "Thread": [], "Email": []}
    assert (name, call_id) == ("Blob/lookup", "L")
    assert result == {
        "accountId": acc,
        "list": [
            {"id": stored.blob_id, "matchedIds": matched},
            {"id": f"{stored.blob_id}_2", "matchedIds": matched},
            {"id": f"{stored.blob_id}_2_2", "matchedIds": matched},
            {"id": uploaded, "matchedIds": nothing},
        ],
        "notFound": [f"{stored.blob_id}_7", "not-a-blob", "Bnothere"],
    }
    # And the Emails cost one BatchGetItem, the upload and the missing upload a HEAD each, the missing
    # Email a GET of its would-be message (the moved-by-merge check)
    assert calls.dynamodb["BatchGetItem"] == 1
    assert dict(calls.s3) == {"HeadObject": 2, "GetObject": 1}


def test_type_names_select_the_keys(client: Any, alice: Any) -> None:
    acc = alice.account_id
    stored = ingest(acc, message("t@example.net", "Types"), mailbox_ids=[inbox_id(acc)])
    _, result, _ = lookup(client, {"accountId": acc, "typeNames": ["Email"], "ids": [stored.blob_id]})
    assert result["list"] == [{"id": stored.blob_id, "matchedIds": {"Email": [stored.email_id]}}]


def test_unknown_type_or_capability_not_used(client: Any, alice: Any) -> None:
    acc = alice.account_id
    for type_names, using in (
        (["Email", "Calendar"], (CORE, MAIL, BLOB)),
        (["Identity"], (CORE, MAIL, BLOB)),
        (["Email"], (CORE, BLOB)),
    ):
        name, error, _ = lookup(client, {"accountId": acc, "typeNames": type_names, "ids": []}, using)
        assert (name, error["type"]) == ("error", "unknownDataType"), (type_names, using)
    name, error, _ = lookup(client, {"accountId": acc, "typeNames": "Email", "ids": []})
    assert (name, error["type"]) == ("error", "invalidArguments")


def test_email_moved_by_a_thread_merge_is_still_found(client: Any, alice: Any) -> None:
    # Given two threads that a third message links, so one Email moves to a new id
    acc = alice.account_id
    box = [inbox_id(acc)]
    first = ingest(acc, message("a@x", "Topic"), mailbox_ids=box)
    second = ingest(acc, message("b@x", "Topic"), mailbox_ids=box)
    ingest(acc, message("c@x", "Re: Topic", refs="a@x b@x"), mailbox_ids=box)
    moved = [r for r in (first, second) if emails.get(acc, r.email_id) is None]
    assert len(moved) == 1, "the fixture must make a merge move one Email"
    [gone] = moved
    # When its blob is looked up
    _, result, _ = lookup(client, {"accountId": acc, "typeNames": ["Email"], "ids": [gone.blob_id]})
    # Then the Email's new id is the match
    [entry] = result["list"]
    [new_id] = entry["matchedIds"]["Email"]
    assert new_id != gone.email_id
    record = emails.get(acc, new_id)
    assert record is not None and record.blob_id == gone.blob_id


def test_session_advertises_the_type_names(client: Any, alice: Any) -> None:
    session = client.get("/jmap/session", headers=ALICE).json()
    capability = session["accounts"][alice.account_id]["accountCapabilities"][BLOB]
    assert capability["supportedTypeNames"] == ["Mailbox", "Thread", "Email"]
