"""Email/set reads in batches and guesses states, yet loses no change (RFC 8621 §4.6, RFC 8620 §5.3).

An update of N Emails costs one BatchGetItem for the Emails, one for their threads and one transaction
per Email that changes; the transactions condition on what was read, so a writer that slips in between
makes the loser read again and re-apply its patch.
"""

from __future__ import annotations

from typing import Any

import pytest

from mailx.methods.email import _update as email_update
from mailx.methods.email import set as email_set_module
from mailx.store import email_reads, threads, transactions
from mailx.store.errors import StateMismatch
from mailx.store.transactions import Txn
from tests.helpers.call_counting import counting
from tests.helpers.jmap_calls import jmap
from tests.helpers.mailboxes import counters, inbox_id
from tests.helpers.messages import mail, put


def _update(client: Any, alice: Any, update: dict[str, Any]) -> dict[str, Any]:
    [[name, result, _]] = jmap(client, ["Email/set", {"accountId": alice.account_id, "update": update}, "s"])
    assert name == "Email/set", result
    answer: dict[str, Any] = result
    return answer


def _keywords(alice: Any, email_id: str) -> set[str]:
    return set(email_reads.get_versioned(alice.account_id, [email_id])[email_id].record.keywords)


def test_flagging_many_emails_reads_them_in_one_batch(client: Any, alice: Any) -> None:
    # Given eight messages, two of them replies in the same thread
    ids = [put(alice, mail(f"f{n}@x", f"Figures {n}"), n) for n in range(6)]
    ids += [put(alice, mail(f"r{n}@x", "Re: Figures 0", irt="f0@x"), 10 + n) for n in range(2)]
    _update(client, alice, {ids[0]: {"keywords/warm": True}})  # warm the sign-in cache
    # When all eight are flagged in one call
    with counting() as calls:
        result = _update(client, alice, {i: {"keywords/$flagged": True} for i in ids})
    # Then each changed with one transaction, after one batched read of Emails and one of threads
    assert sorted(result["updated"]) == sorted(ids)
    assert calls.dynamodb["TransactWriteItems"] == 8
    # (threads: one batch, plus one re-read for each later Email of a thread already written)
    assert calls.dynamodb["BatchGetItem"] == 2 + 2
    assert calls.dynamodb["GetItem"] <= 1  # the states are not read again before each commit
    assert all("$flagged" in _keywords(alice, i) for i in ids)


def test_a_write_between_the_batched_read_and_the_commit_is_not_lost(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two unread messages, and a writer that marks the first seen right after Email/set's
    # batched read (so the Email versions and the account states that read saw are stale)
    account = alice.account_id
    first, second = (put(alice, mail(f"s{n}@x", f"Stale {n}"), n) for n in range(2))
    before = int(transactions.get_states(account)["Email"])
    prefetch = email_set_module._EmailSet.prefetch

    def racing(self: Any, email_ids: list[str]) -> None:
        prefetch(self, email_ids)
        found = email_reads.get_versioned(account, [first])[first]
        thread = threads.get_many(account, [found.record.thread_id])[found.record.thread_id]
        txn = Txn(account)
        email_update.stage(txn, found, thread, list(found.record.mailbox_ids), ["$seen"])
        transactions.commit(txn)

    monkeypatch.setattr(email_set_module._EmailSet, "prefetch", racing)
    # When both are flagged in one call
    result = _update(client, alice, {first: {"keywords/$flagged": True}, second: {"keywords/$flagged": True}})
    # Then both updates and the racing write survive, and the states stay gap-free
    assert sorted(result["updated"]) == sorted([first, second])
    assert _keywords(alice, first) == {"$seen", "$flagged"} and _keywords(alice, second) == {"$flagged"}
    assert int(result["newState"]) == before + 3
    log = list(transactions.read_changes(account, "Email", before, before + 3))
    assert [e.updated for e in log] == [(first,), (first,), (second,)]
    assert counters(account, inbox_id(account))["unreadEmails"] == 1


def test_if_in_state_is_decided_on_the_account_not_on_a_guess(alice: Any) -> None:
    # Given a state another writer has moved on from
    account = alice.account_id
    seen = transactions.get_states(account)["Mailbox"]
    other = Txn(account)
    other.changed("Mailbox", updated=["Mother"])
    now = transactions.commit(other)["Mailbox"]
    # When a caller expects the old state (ifInState) but guesses the current one, it is a StateMismatch
    txn = Txn(account)
    txn.changed("Mailbox", updated=["Mmine"])
    with pytest.raises(StateMismatch):
        transactions.commit(txn, expect={"Mailbox": seen}, assume={"Mailbox": now})
    assert transactions.get_states(account)["Mailbox"] == now
    # And when it expects the current state but its guess is stale, it commits
    assert transactions.commit(txn, expect={"Mailbox": now}, assume={"Mailbox": seen}) == {"Mailbox": now + 1}
    # Even when the stale guess is of another type the transaction also changes
    guess = transactions.get_states(account)
    other = Txn(account)
    other.changed("Email", updated=["Mother"])
    email_now = transactions.commit(other)["Email"]
    both = Txn(account)
    both.changed("Mailbox", updated=["Mboth"])
    both.changed("Email", updated=["Mboth"])
    got = transactions.commit(both, expect={"Mailbox": now + 1}, assume=guess)
    assert got == {"Mailbox": now + 2, "Email": email_now + 1}


def test_a_stale_guess_costs_a_retry_not_a_wrong_state(alice: Any) -> None:
    # Given a guess of the states older than the account's
    account = alice.account_id
    old = transactions.get_states(account)
    other = Txn(account)
    other.changed("Mailbox", updated=["Mother"])
    now = transactions.commit(other)["Mailbox"]
    # When a write commits on that guess, it still gets the next state, gap-free
    txn = Txn(account)
    txn.changed("Mailbox", updated=["Mmine"])
    assert transactions.commit(txn, assume=old) == {"Mailbox": now + 1}
    log = list(transactions.read_changes(account, "Mailbox", now, now + 1))
    assert [e.updated for e in log] == [("Mmine",)]
