"""The local relay: our accounts get the message through ingest, others get a file; retries add nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailx.mail.relay.base import OutboundMessage, TransientRelayError
from mailx.mail.relay.local import LocalRelay, file_stem
from mailx.store import blobs, emails
from tests.helpers.mailboxes import counters, inbox_id

RAW = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: Bob <bob@example.com>, x@elsewhere.test\r\n"
    b"Subject: lunch?\r\n"
    b"Message-ID: <lunch-1@example.com>\r\n"
    b"\r\n"
    b"At noon.\r\n"
)


def send(outbox: Path, *rcpt: str, key: str = "S1") -> Any:
    return LocalRelay(outbox).send(OutboundMessage(key, "A1", "alice@example.com", rcpt, RAW))


def test_local_recipients_get_it_in_their_inbox_and_others_a_file(
    alice: Any, bob: Any, tmp_path: Path
) -> None:
    # Given bob and alice here, and one recipient elsewhere
    before = set(emails.list_ids(bob.account_id, 100))
    # When alice's message is relayed to all three
    result = send(tmp_path, "bob@example.com", "alice+self@example.com", "x@elsewhere.test")
    # Then every recipient is accepted
    assert result.accepted == ("bob@example.com", "alice+self@example.com", "x@elsewhere.test")
    assert dict(result.rejected) == {}
    assert result.relay_message_id == "local:S1"
    # And bob has one new Email, in his Inbox, byte-exact
    [email_id] = set(emails.list_ids(bob.account_id, 100)) - before
    record = emails.get(bob.account_id, email_id)
    assert record is not None and record.mailbox_ids == (inbox_id(bob.account_id),)
    stored = blobs.get(blobs.email_key(bob.account_id, email_id))
    assert stored is not None and stored.data == RAW
    assert counters(bob.account_id, inbox_id(bob.account_id))["totalEmails"] == 1
    # And alice (by subaddress) got hers too
    assert counters(alice.account_id, inbox_id(alice.account_id))["totalEmails"] == 1
    # And the foreign recipient's copy is a file with its envelope beside it
    assert (tmp_path / "S1.eml").read_bytes() == RAW
    assert json.loads((tmp_path / "S1.json").read_text()) == {
        "mailFrom": "alice@example.com",
        "rcptTo": ["x@elsewhere.test"],
        "accountId": "A1",
    }


def test_a_retry_with_the_same_key_delivers_nothing_new(bob: Any, tmp_path: Path) -> None:
    send(tmp_path, "bob@example.com", "x@elsewhere.test")
    again = send(tmp_path, "bob@example.com", "x@elsewhere.test")
    assert again.accepted == ("bob@example.com", "x@elsewhere.test")
    assert counters(bob.account_id, inbox_id(bob.account_id))["totalEmails"] == 1
    assert len(emails.list_ids(bob.account_id, 100)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["S1.eml", "S1.json"]
    # While another key is another message
    send(tmp_path, "bob@example.com", key="S2")
    assert counters(bob.account_id, inbox_id(bob.account_id))["totalEmails"] == 2


def test_only_local_recipients_write_no_file(bob: Any, tmp_path: Path) -> None:
    send(tmp_path / "outbox", "bob@example.com")
    assert not (tmp_path / "outbox").exists()


def test_an_account_without_an_inbox_is_rejected_per_recipient(
    bob: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emails, "mailbox_roles", lambda _account: {})
    result = send(tmp_path, "bob@example.com", "x@elsewhere.test")
    assert result.accepted == ("x@elsewhere.test",)
    assert result.rejected["bob@example.com"].startswith("550 5.2.0")


def test_an_unwritable_outbox_is_transient(aws: None, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(TransientRelayError, match="cannot write"):
        send(blocker / "outbox", "x@elsewhere.test")


def test_keys_cannot_escape_the_folder() -> None:
    assert file_stem("../../etc/passwd") == "_.._etc_passwd"
    assert file_stem("") == "_"
