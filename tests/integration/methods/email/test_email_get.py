"""Email/get and Email/changes through the HTTP API (RFC 8621 §4.2, §4.3), with AWS calls counted."""

from __future__ import annotations

from typing import Any

from mailx.mail.ingest import ingest
from mailx.store import transactions
from tests.helpers.call_counting import counting
from tests.helpers.jmap_calls import jmap
from tests.helpers.mailboxes import inbox_id
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES
LIST_PROPERTIES = ["threadId", "mailboxIds", "keywords", "from", "subject", "receivedAt", "preview", "size"]


def _ingest(alice: Any, name: str, **kwargs: Any) -> str:
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    return ingest(alice.account_id, raw, mailbox_ids=[inbox_id(alice.account_id)], **kwargs).email_id


def test_list_properties_come_from_one_batch_get_and_no_s3(client: Any, alice: Any) -> None:
    # Given two ingested messages
    first = _ingest(alice, "alternative", keywords=["$seen"])
    second = _ingest(alice, "plain_text")
    # When the client asks for the listing properties (after a request that only pays for auth and states)
    empty = ["Email/get", {"accountId": alice.account_id, "ids": []}, "c0"]
    jmap(client, empty)
    with counting() as baseline:
        jmap(client, empty)
    with counting() as calls:
        [[name, result, call_id]] = jmap(
            client,
            ["Email/get", {"accountId": alice.account_id, "ids": [first, second, "Mnope"],
                           "properties": LIST_PROPERTIES}, "c1"],
        )  # fmt: skip
    # Then S3 is never touched and the ids cost exactly one BatchGetItem beyond the request's overhead
    assert calls.s3 == {}
    assert calls.dynamodb - baseline.dynamodb == {"BatchGetItem": 1}, (calls.dynamodb, baseline.dynamodb)
    assert baseline.dynamodb - calls.dynamodb == {}
    assert (name, call_id) == ("Email/get", "c1")
    assert result["notFound"] == ["Mnope"]
    assert result["state"] == str(transactions.get_states(alice.account_id)["Email"])
    email = result["list"][0]
    assert set(email) == {"id", *LIST_PROPERTIES}
    assert email["id"] == first
    assert email["keywords"] == {"$seen": True}
    assert email["mailboxIds"] == {inbox_id(alice.account_id): True}
    assert email["subject"] == "March update"
    assert email["from"] == [{"name": "Newsletter, Example", "email": "news@example.com"}]
    assert email["size"] == len((FIXTURES / "alternative.eml").read_bytes())
    assert email["preview"].startswith("March update")


def test_default_properties_are_the_rfc_list(client: Any, alice: Any) -> None:
    email_id = _ingest(alice, "alternative")
    [[_, result, _]] = jmap(client, ["Email/get", {"accountId": alice.account_id, "ids": [email_id]}, "0"])
    assert set(result["list"][0]) == {
        "id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt", "messageId",
        "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject", "sentAt",
        "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments",
    }  # fmt: skip
    assert result["list"][0]["bodyValues"] == {}
    assert result["list"][0]["messageId"] == ["march-update-2024@example.com"]


def test_body_values_cost_one_s3_get_per_message(client: Any, alice: Any) -> None:
    # Given two multipart messages
    ids = [_ingest(alice, "alternative"), _ingest(alice, "mixed_attachments")]
    # When both text and HTML body values are fetched, truncated to 20 octets
    with counting() as calls:
        [[_, result, _]] = jmap(
            client,
            ["Email/get", {"accountId": alice.account_id, "ids": ids,
                           "properties": ["bodyValues", "textBody"],
                           "fetchTextBodyValues": True, "fetchHTMLBodyValues": True,
                           "maxBodyValueBytes": 20, "bodyProperties": ["partId", "type"]}, "0"],
        )  # fmt: skip
    # Then exactly one GetObject per message
    assert dict(calls.s3) == {"GetObject": 2}
    first = result["list"][0]
    assert first["textBody"] == [{"partId": "1", "type": "text/plain"}]
    assert first["bodyValues"]["1"] == {"value": "March update\n=======", "isEncodingProblem": False,
                                        "isTruncated": True}  # fmt: skip
    assert set(first["bodyValues"]) == {"1", "2"}


def test_unknown_properties_and_bad_header_forms_are_invalid_arguments(client: Any, alice: Any) -> None:
    email_id = _ingest(alice, "alternative")
    args = {"accountId": alice.account_id, "ids": [email_id]}
    responses = jmap(
        client,
        ["Email/get", {**args, "properties": ["subject", "colour"]}, "a"],
        ["Email/get", {**args, "properties": ["header:Subject:asNonsense"]}, "b"],
        ["Email/get", {**args, "bodyProperties": ["partId", "colour"]}, "c"],
        ["Email/get", {**args, "fetchTextBodyValues": "yes"}, "d"],
        ["Email/get", {**args, "properties": ["header:Subject:asText", "header:X-Nope:all"]}, "e"],
    )
    assert [r[0] for r in responses] == ["error", "error", "error", "error", "Email/get"]
    assert {r[1]["type"] for r in responses[:4]} == {"invalidArguments"}
    assert responses[4][1]["list"] == [
        {"id": email_id, "header:Subject:asText": "March update", "header:X-Nope:all": []}
    ]


def test_email_changes_follow_each_ingest(client: Any, alice: Any) -> None:
    # Given the Email state before any mail
    [[_, before, _]] = jmap(client, ["Email/get", {"accountId": alice.account_id, "ids": []}, "0"])
    # When two messages arrive
    first, second = _ingest(alice, "alternative"), _ingest(alice, "plain_text")
    # Then Email/changes from the old state lists both as created, in one page or two
    [[_, changes, _]] = jmap(
        client, ["Email/changes", {"accountId": alice.account_id, "sinceState": before["state"]}, "0"]
    )
    assert changes == {
        "accountId": alice.account_id, "oldState": before["state"], "newState": str(int(before["state"]) + 2),
        "hasMoreChanges": False, "created": [first, second], "updated": [], "destroyed": [],
    }  # fmt: skip
    [[_, paged, _]] = jmap(
        client,
        [
            "Email/changes",
            {"accountId": alice.account_id, "sinceState": before["state"], "maxChanges": 1},
            "0",
        ],
    )
    assert (paged["created"], paged["hasMoreChanges"]) == ([first], True)
    [[kind, error, _]] = jmap(
        client, ["Email/changes", {"accountId": alice.account_id, "sinceState": "x"}, "0"]
    )
    assert (kind, error["type"]) == ("error", "cannotCalculateChanges")


def test_ingest_moves_mailbox_thread_and_delivery_states(client: Any, alice: Any) -> None:
    before = transactions.get_states(alice.account_id)
    email_id = _ingest(alice, "plain_text")
    after = transactions.get_states(alice.account_id)
    for type_name in ("Email", "Thread", "Mailbox", "EmailDelivery"):
        assert after[type_name] == before[type_name] + 1, type_name
    mailbox_steps = list(
        transactions.read_changes(alice.account_id, "Mailbox", before["Mailbox"], after["Mailbox"])
    )
    assert [s.updated for s in mailbox_steps] == [(inbox_id(alice.account_id),)]
    [[_, thread_changes, _]] = jmap(
        client, ["Thread/changes", {"accountId": alice.account_id, "sinceState": str(before["Thread"])}, "0"]
    )
    [[_, got, _]] = jmap(
        client,
        ["Email/get", {"accountId": alice.account_id, "ids": [email_id], "properties": ["threadId"]}, "0"],
    )
    assert thread_changes["created"] == [got["list"][0]["threadId"]]
    assert thread_changes["newState"] == str(after["Thread"])
