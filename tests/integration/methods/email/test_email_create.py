"""Email/set create over HTTP (RFC 8621 §4.6): drafts composed, ingested, read back with Email/get.

Until the Email/set owner's module lands, a create-only Email/set is registered for these tests
(`email_set` fixture); once `Email/set` is in the real registry the tests run against it unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest

from mailx.store import transactions
from tests.helpers.auth import basic
from tests.helpers.jmap_calls import jmap, upload
from tests.helpers.mailboxes import box, counters
from tests.helpers.messages import PNG

ALICE = basic("alice", "correct horse battery")


def test_text_draft_round_trips_through_email_get(email_set: Any, alice: Any) -> None:
    account = alice.account_id
    drafts = box(account, "drafts")
    before = transactions.get_states(account)
    # Given a plain-text draft in Drafts, read back in the same request through its creation id
    [[set_name, created, set_id], [get_name, got, get_id]] = jmap(
        email_set,
        ["Email/set", {"accountId": account, "create": {"draft": {
            "mailboxIds": {drafts: True},
            "keywords": {"$draft": True, "$Seen": True},
            "from": [{"name": "Alice", "email": "alice@example.com"}],
            "to": [{"name": "Bob", "email": "bob@example.com"}],
            "subject": "Lunch tomorrow?",
            "bodyValues": {"1": {"value": "Noon at the usual place?\n\nAlice\n"}},
            "textBody": [{"partId": "1", "type": "text/plain"}],
        }}}, "s"],
        ["Email/get", {"accountId": account, "ids": ["#draft"], "fetchTextBodyValues": True,
                       "properties": ["mailboxIds", "keywords", "from", "to", "subject", "textBody",
                                      "bodyValues", "messageId", "size", "blobId", "threadId"],
                       "bodyProperties": ["partId", "type"]}, "g"],
    )  # fmt: skip
    # Then created holds exactly the server-set properties
    assert (set_name, set_id, get_name, get_id) == ("Email/set", "s", "Email/get", "g")
    assert created["notCreated"] is None
    new = created["created"]["draft"]
    assert set(new) == {"id", "blobId", "threadId", "size"}
    # And Email/get returns what was sent
    [email] = got["list"]
    assert email["id"] == new["id"]
    assert (email["blobId"], email["threadId"], email["size"]) == (
        new["blobId"],
        new["threadId"],
        new["size"],
    )
    assert email["mailboxIds"] == {drafts: True}
    assert email["keywords"] == {"$draft": True, "$seen": True}
    assert email["from"] == [{"name": "Alice", "email": "alice@example.com"}]
    assert email["to"] == [{"name": "Bob", "email": "bob@example.com"}]
    assert email["subject"] == "Lunch tomorrow?"
    [part] = email["textBody"]
    assert part["type"] == "text/plain"
    assert email["bodyValues"][part["partId"]]["value"] == "Noon at the usual place?\n\nAlice\n"
    # The Message-ID takes the domain of the From identity
    [message_id] = email["messageId"]
    assert message_id.endswith("@example.com")
    # And the counters and states moved: one email in Drafts, read, in its own thread
    assert counters(account, drafts) == {
        "totalEmails": 1,
        "unreadEmails": 0,
        "totalThreads": 1,
        "unreadThreads": 0,
    }
    after = transactions.get_states(account)
    for type_name in ("Email", "Thread", "Mailbox"):
        assert after[type_name] == before[type_name] + 1, type_name
    assert created["oldState"] == str(before["Email"])
    assert created["newState"] == str(after["Email"])
    assert got["state"] == str(after["Email"])


def test_html_draft_with_uploaded_attachment(email_set: Any, alice: Any) -> None:
    account = alice.account_id
    drafts = box(account, "drafts")
    # Given an uploaded PNG
    blob_id = upload(email_set, account, PNG, "image/png")
    # When a text+HTML draft attaches it by blobId
    [[_, created, _], [_, got, _]] = jmap(
        email_set,
        ["Email/set", {"accountId": account, "create": {"d": {
            "mailboxIds": {drafts: True}, "keywords": {"$draft": True},
            "from": [{"email": "someone@elsewhere.example"}],
            "subject": "Photo",
            "bodyValues": {"t": {"value": "See the photo."}, "h": {"value": "<p>See the <b>photo</b>.</p>"}},
            "textBody": [{"partId": "t", "type": "text/plain"}],
            "htmlBody": [{"partId": "h", "type": "text/html"}],
            "attachments": [{"blobId": blob_id, "type": "image/png", "name": "photo.png"}],
        }}}, "s"],
        ["Email/get", {"accountId": account, "ids": ["#d"], "fetchAllBodyValues": True,
                       "properties": ["textBody", "htmlBody", "attachments", "bodyValues", "hasAttachment",
                                      "messageId"]}, "g"],
    )  # fmt: skip
    assert created["notCreated"] is None
    [email] = got["list"]
    values = {k: v["value"] for k, v in email["bodyValues"].items()}
    assert values[email["textBody"][0]["partId"]] == "See the photo."
    assert values[email["htmlBody"][0]["partId"]] == "<p>See the <b>photo</b>.</p>"
    assert email["hasAttachment"] is True
    [attachment] = email["attachments"]
    assert (attachment["type"], attachment["name"], attachment["size"]) == (
        "image/png",
        "photo.png",
        len(PNG),
    )
    # A From address that is not one of alice's identities gets the deployment's domain
    assert email["messageId"][0].endswith("@example.com")
    # Then downloading the attachment part gives back the uploaded octets
    response = email_set.get(f"/jmap/download/{account}/{attachment['blobId']}/photo.png", headers=ALICE)
    assert response.status_code == 200
    assert response.content == PNG


def test_every_create_set_error(email_set: Any, alice: Any) -> None:
    account = alice.account_id
    drafts = box(account, "drafts")
    body = {"bodyValues": {"1": {"value": "x"}}, "textBody": [{"partId": "1", "type": "text/plain"}]}
    creates = {
        "nobox": {**body},
        "emptybox": {**body, "mailboxIds": {}},
        "unknownbox": {**body, "mailboxIds": {"Mnope": True}},
        "falsebox": {**body, "mailboxIds": {drafts: False}},
        "badkw": {**body, "mailboxIds": {drafts: True}, "keywords": {"bad(kw": True}},
        "numberkw": {**body, "mailboxIds": {drafts: True}, "keywords": {"$seen": 0}},
        "baddate": {**body, "mailboxIds": {drafts: True}, "receivedAt": "2024-01-01T00:00:00+01:00"},
        "all3": {**body, "mailboxIds": None, "keywords": [], "receivedAt": 5},
        "headers": {**body, "mailboxIds": {drafts: True},
                    "headers": [{"name": "MIME-Version", "value": "2"}]},
        "ctype": {**body, "mailboxIds": {drafts: True}, "header:Content-Type": "text/html"},
        "dupe": {**body, "mailboxIds": {drafts: True}, "from": [{"email": "a@example.com"}],
                 "header:From:asAddresses": [{"email": "b@example.com"}]},
        "serverset": {**body, "mailboxIds": {drafts: True}, "id": "Mabc"},
        "noblob": {"mailboxIds": {drafts: True}, "attachments": [
            {"blobId": "Bmissing1", "type": "image/png"}, {"blobId": "Bmissing2", "type": "image/png"}]},
        "manyboxes": {**body, "mailboxIds": {f"M{i}": True for i in range(21)}},
        "manykw": {**body, "mailboxIds": {drafts: True}, "keywords": {f"k{i}": True for i in range(101)}},
    }  # fmt: skip
    [[_, result, _]] = jmap(email_set, ["Email/set", {"accountId": account, "create": creates}, "s"])
    assert result["created"] is None
    errors = result["notCreated"]
    assert set(errors) == set(creates)

    def invalid(key: str) -> list[str]:
        assert errors[key]["type"] == "invalidProperties", errors[key]
        properties: list[str] = errors[key]["properties"]
        return properties

    for key in ("nobox", "emptybox", "unknownbox", "falsebox"):
        assert invalid(key) == ["mailboxIds"]
    assert invalid("badkw") == ["keywords"]
    assert invalid("numberkw") == ["keywords"]
    assert invalid("baddate") == ["receivedAt"]
    assert invalid("all3") == ["mailboxIds", "keywords", "receivedAt"]
    assert invalid("headers") == ["headers/0/name"]
    assert invalid("ctype") == ["header:Content-Type"]
    assert invalid("dupe") in (["from"], ["header:From:asAddresses"])
    assert invalid("serverset") == ["id"]
    assert errors["noblob"] == {
        "type": "blobNotFound",
        "description": errors["noblob"]["description"],
        "notFound": ["Bmissing1", "Bmissing2"],
    }
    assert invalid("manyboxes") == ["mailboxIds"]  # unknown ids are found before the count
    assert errors["manykw"]["type"] == "tooManyKeywords"
    # Nothing was stored
    assert counters(account, drafts)["totalEmails"] == 0


def test_too_many_mailboxes_and_too_large(
    email_set: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = alice.account_id
    drafts = box(account, "drafts")
    created_boxes = {f"b{i}": {"name": f"Box {i}"} for i in range(21)}
    boxes = {"#" + key: True for key in created_boxes}
    from mailx.methods.email import _set_create

    monkeypatch.setattr(_set_create, "MAX_SIZE_ATTACHMENTS_PER_EMAIL", 1000)
    small = upload(email_set, account, b"x" * 600, "application/octet-stream")
    big = upload(email_set, account, b"y" * 600, "application/octet-stream")
    attach = [{"blobId": small, "type": "application/octet-stream"}, {"blobId": big, "type": "text/plain"}]
    [[_, made, _], [_, result, _]] = jmap(
        email_set,
        ["Mailbox/set", {"accountId": account, "create": created_boxes}, "m"],
        ["Email/set", {"accountId": account, "create": {
            "boxes": {"mailboxIds": boxes, "subject": "too many"},
            "large": {"mailboxIds": {drafts: True}, "attachments": attach},
            "fits": {"mailboxIds": {drafts: True}, "attachments": attach[:1]},
        }}, "s"],
    )  # fmt: skip
    assert len(made["created"]) == 21
    # 21 mailboxes created earlier in the same request, referenced by creation id
    assert result["notCreated"]["boxes"]["type"] == "tooManyMailboxes"
    assert result["notCreated"]["large"] == {
        "type": "tooLarge",
        "description": "the attachments total more than 1000 octets",
        "maxSize": 1000,
    }
    assert set(result["created"]) == {"fits"}
