"""EmailSubmission/set over HTTP (RFC 8621 §7.5): the send is queued, the draft moves to Sent through the
implicit Email/set, and the consumer (local relay) delivers to bob without the Bcc header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailx.local.outbound_worker import poll_once
from mailx.protocol.capabilities import CORE, SUBMISSION
from mailx.store import blobs, emails, submissions
from tests.helpers.mailboxes import box
from tests.helpers.submission import FULL, FakeRelay, call, draft, identity_of, queue_depth, submit


def _move_to_sent(account: str) -> dict[str, Any]:
    return {
        "#s": {
            f"mailboxIds/{box(account, 'drafts')}": None,
            f"mailboxIds/{box(account, 'sent')}": True,
            "keywords/$draft": None,
        }
    }


def _bobs_inbox(bob: Any) -> list[bytes]:
    inbox = box(bob.account_id, "inbox")
    found = emails.get_many(bob.account_id, emails.list_ids(bob.account_id, 100)).values()
    mine = [e for e in found if inbox in e.mailbox_ids]
    return [
        (blobs.get(blobs.email_key(bob.account_id, e.blob_id)) or blobs.StoredBlob(b"", "")).data
        for e in mine
    ]


@pytest.mark.parametrize("using", [FULL, [CORE, SUBMISSION]], ids=["with-mail", "without-mail"])
def test_send_moves_draft_to_sent_and_delivers_without_bcc(
    sending: Any, alice: Any, bob: Any, tmp_path: Path, using: list[str]
) -> None:
    from mailx.mail.relay.local import LocalRelay

    account = alice.account_id
    email_id = draft(sending, account)
    # When alice sends it with onSuccessUpdateEmail (the RFC 8621 §7.5.1 example)
    responses = submit(
        sending,
        account,
        {"identityId": identity_of(sending, account), "emailId": email_id},
        using=using,
        onSuccessUpdateEmail=_move_to_sent(account),
    )
    # Then two responses share the call id: EmailSubmission/set, then the implicit Email/set
    [[name, result, call_id], [implicit, updated, implicit_id]] = responses
    assert (name, implicit, call_id, implicit_id) == ("EmailSubmission/set", "Email/set", "0", "0")
    created = result["created"]["s"]
    assert created["undoStatus"] == "pending" and updated["updated"] == {email_id: None}
    assert set(created["deliveryStatus"]) == {"bob@example.com", "carol@elsewhere.test"}
    [moved] = emails.get_many(account, [email_id]).values()
    assert moved.mailbox_ids == (box(account, "sent"),) and "$draft" not in moved.keywords
    # And the send waits in the queue, not sent inside the request
    assert queue_depth() == 1 and _bobs_inbox(bob) == []
    # When the consumer runs with the local relay
    assert poll_once(LocalRelay(tmp_path)) == 1
    # Then bob has it, without the Bcc header; carol's copy went to the outbox
    [received] = _bobs_inbox(bob)
    assert b"Noon at the usual place?" in received and b"carol@" not in received.lower()
    assert b"bcc:" not in received.lower()
    assert list(tmp_path.glob("*.eml")) and queue_depth() == 0
    [[_, got, _]] = call(sending, FULL, ["EmailSubmission/get", {"accountId": account, "ids": None}, "g"])
    [sent] = got["list"]
    assert sent["undoStatus"] == "final" and sent["id"] == created["id"]
    assert {s["delivered"] for s in sent["deliveryStatus"].values()} <= {"yes", "unknown"}
    assert all(s["smtpReply"].startswith("250 ") for s in sent["deliveryStatus"].values())


def test_email_created_in_the_same_request_can_be_sent_and_destroyed(sending: Any, alice: Any) -> None:
    account = alice.account_id
    identity = identity_of(sending, account)
    draft_email = {
        "mailboxIds": {box(account, "drafts"): True},
        "from": [{"email": "alice@example.com"}],
        "to": [{"email": "bob@example.com"}],
        "subject": "hi",
        "bodyValues": {"1": {"value": "x"}},
        "textBody": [{"partId": "1", "type": "text/plain"}],
    }
    responses = call(
        sending,
        FULL,
        ["Email/set", {"accountId": account, "create": {"m": draft_email}}, "a"],
        [
            "EmailSubmission/set",
            {
                "accountId": account,
                "create": {"s": {"identityId": identity, "emailId": "#m"}},
                "onSuccessDestroyEmail": ["#s"],
            },
            "b",
        ],
    )
    [_, [name, result, _], [implicit, destroyed, _]] = responses
    email_id = responses[0][1]["created"]["m"]["id"]
    assert name == "EmailSubmission/set" and result["created"]["s"]["id"]
    assert implicit == "Email/set" and destroyed["destroyed"] == [email_id]
    # The Email is gone, but the send is not affected (§7.5): the consumer still has the message
    relay = FakeRelay()
    assert poll_once(relay) == 1 and len(relay.calls) == 1
    assert relay.calls[0].rcpt_to == ("bob@example.com",)


def test_envelope_is_derived_and_deduplicated(sending: Any, alice: Any) -> None:
    account = alice.account_id
    email_id = draft(
        sending,
        account,
        to=[{"email": "bob@example.com"}, {"email": "dave@elsewhere.test"}],
        cc=[{"email": "BOB@example.com"}],
    )
    [[_, result, _]] = submit(
        sending, account, {"identityId": identity_of(sending, account), "emailId": email_id}
    )
    [record] = submissions.list_all(account)
    assert record.envelope == {
        "mailFrom": {"email": "alice@example.com", "parameters": None},
        "rcptTo": [
            {"email": "bob@example.com", "parameters": None},
            {"email": "dave@elsewhere.test", "parameters": None},
            {"email": "carol@elsewhere.test", "parameters": None},
        ],
    }
    assert result["created"]["s"]["threadId"] == emails.get_many(account, [email_id])[email_id].thread_id
