"""forbiddenFrom cannot be bypassed by a header section our parser reads differently from receivers
(issue 13 item 3). Real path: upload + Email/import + EmailSubmission/set over HTTP, moto underneath."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.mailboxes import role_id as box
from tests.helpers.submission import FULL, call, identity_of, queue_depth, submit

TAIL = b"To: bob@example.com\r\nSubject: pay this\r\n\r\nPlease wire the money.\r\n"


def _import(client: Any, account: str, raw: bytes) -> str:
    from tests.helpers.jmap_calls import upload

    blob_id = upload(client, account, raw)
    emails = {
        "m": {"blobId": blob_id, "mailboxIds": {box(account, "drafts"): True}, "keywords": {"$draft": True}}
    }
    [[_, made, _]] = call(client, FULL, ["Email/import", {"accountId": account, "emails": emails}, "i"])
    assert made["created"] and "m" in made["created"], made
    email_id: str = made["created"]["m"]["id"]
    return email_id


def _from(client: Any, account: str, email_id: str) -> Any:
    args = {"accountId": account, "ids": [email_id], "properties": ["from", "header:From:all"]}
    [[_, got, _]] = call(client, FULL, ["Email/get", args, "g"])
    return got["list"][0]


@pytest.mark.parametrize(
    ("raw", "jmap_from"),
    [
        # read as an mbox "From " line and skipped; RFC 5322 §4.5.4 receivers read a From field
        (b"From : ceo@example.com\r\n" + TAIL, [{"name": None, "email": "ceo@example.com"}]),
        # the parser stopped at "X-Pad :", so the second From was body to it, a field to receivers
        (
            b"From: alice@example.com\r\nX-Pad : y\r\nFrom: ceo@example.com\r\n" + TAIL,
            [{"name": None, "email": "ceo@example.com"}],  # the last instance (RFC 8621 §4.1.3)
        ),
    ],
)
def test_obsolete_field_syntax_is_read_as_a_field_and_refused(
    sending: Any, alice: Any, raw: bytes, jmap_from: Any
) -> None:
    client = sending
    acc = alice.account_id
    # Given an imported message whose From field is written in obsolete syntax
    email_id = _import(client, acc, raw)
    # Then JMAP shows what receivers see: the CEO's From field
    seen = _from(client, acc, email_id)
    assert seen["from"] == jmap_from
    assert any("ceo@example.com" in value for value in seen["header:From:all"])
    # When alice submits it with her own identity
    [[_, result, _]] = submit(client, acc, {"identityId": identity_of(client, acc), "emailId": email_id})
    # Then it is refused and nothing is queued for the relays
    error = result["notCreated"]["s"]
    assert error["type"] in ("forbiddenFrom", "invalidEmail"), error
    assert queue_depth() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"From ceo@example.com Mon Jan  1 00:00:00 2024\r\nFrom: alice@example.com\r\n" + TAIL,
        b"From: alice@example.com\r\nX-A: v\r\n \r\nFrom: ceo@example.com\r\n" + TAIL,
        b" folded-first: x\r\nFrom: alice@example.com\r\n" + TAIL,
    ],
)
def test_a_header_section_that_cannot_be_verified_is_forbidden_from(
    sending: Any, alice: Any, raw: bytes
) -> None:
    from mailx.mail.ingest import ingest

    client = sending
    acc = alice.account_id
    # Given such a message stored as inbound mail is (Email/import refuses some of them outright)
    email_id = ingest(acc, raw, mailbox_ids=[box(acc, "drafts")], keywords=["$draft"]).email_id
    # When alice submits it, it is refused: its From cannot be verified
    [[_, result, _]] = submit(client, acc, {"identityId": identity_of(client, acc), "emailId": email_id})
    assert result["notCreated"]["s"]["type"] == "forbiddenFrom"
    assert queue_depth() == 0


def test_an_ordinary_imported_message_from_the_identity_is_still_sent(sending: Any, alice: Any) -> None:
    client = sending
    acc = alice.account_id
    email_id = _import(client, acc, b"From: alice@example.com\r\n" + TAIL)
    [[_, result, _], *_] = submit(client, acc, {"identityId": identity_of(client, acc), "emailId": email_id})
    assert "s" in result["created"], result
    assert queue_depth() == 1
