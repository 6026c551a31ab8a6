"""The storage layer against moto: KV expiry, conditional-write races, states and the change log."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from mailx.store import accounts, kv, transactions
from mailx.store.errors import ChangesExpired, Conflict, NotFound, StateMismatch
from mailx.store.models import Change, KvItem, Mailbox


class FakeClock:
    """Seconds since the epoch that only move when the test says so."""

    def __init__(self) -> None:
        self.now = int(time.time())

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(kv, "_now", fake)
    return fake


def test_expired_kv_item_is_invisible_although_still_stored(aws: None, clock: FakeClock) -> None:
    # Given an item with a one-second lifetime (moto never deletes TTL items)
    kv.put("Aacct#thing", "value", ttl_seconds=1)
    assert kv.get("Aacct#thing") == "value"
    clock.now += 1
    # Then once its time has come, reads treat it as absent although the item is still stored
    assert kv.get("Aacct#thing") is None
    assert KvItem.get("Aacct#thing").value == "value"
    # and a fresh put-if-absent may take its place
    kv.put("Aacct#thing", "new", ttl_seconds=60, only_if_absent=True)
    assert kv.get("Aacct#thing") == "new"


def test_put_if_absent_loses_to_live_item(aws: None) -> None:
    kv.put("k", "first", ttl_seconds=60, only_if_absent=True)
    with pytest.raises(Conflict):
        kv.put("k", "second", ttl_seconds=60, only_if_absent=True)
    assert kv.get("k") == "first"


def test_counter_restarts_after_expiry(aws: None, clock: FakeClock) -> None:
    assert [kv.increment("c", 1) for _ in range(3)] == [1, 2, 3]
    clock.now += 1
    assert kv.count("c") == 0
    assert kv.increment("c", 60) == 1


def test_concurrent_counter_increments_are_not_lost(aws: None) -> None:
    results: list[int] = []
    lock = threading.Lock()

    def bump() -> None:
        for _ in range(5):
            value = kv.increment("shared", 60)
            with lock:
                results.append(value)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 21))


def test_two_accounts_racing_for_one_username(aws: None) -> None:
    # Given a username claimed by one account
    accounts.create(
        account_id="A1",
        username="zed",
        password_hash="h",
        name="",
        identities=[],
        mailboxes=[],
        state_types=["Mailbox"],
    )
    # When another account tries the same name (any case)
    with pytest.raises(Conflict) as lost:
        accounts.create(
            account_id="A2",
            username="ZED",
            password_hash="h",
            name="",
            identities=[],
            mailboxes=[],
            state_types=["Mailbox"],
        )
    # Then the loser left nothing behind
    assert str(lost.value) == "zed"
    with pytest.raises(NotFound):
        accounts.get("A2")
    assert accounts.find_by_login("zed") == "A1"


def _account(alice: Any) -> str:
    return str(alice.account_id)


def test_commit_bumps_state_and_logs_change(alice: Any) -> None:
    account_id = _account(alice)
    before = transactions.get_states(account_id)["Mailbox"]
    txn = transactions.Txn(account_id)
    txn.put(Mailbox(account_id=account_id, mailbox_id="Mnew", name="New"))
    txn.changed("Mailbox", created=["Mnew"])
    assert transactions.commit(txn) == {"Mailbox": before + 1}
    entries = list(transactions.read_changes(account_id, "Mailbox", before, before + 1))
    assert [(e.modseq, e.created) for e in entries] == [(before + 1, ("Mnew",))]


def test_if_in_state_race_one_writer_wins(alice: Any) -> None:
    account_id = _account(alice)
    seen = transactions.get_states(account_id)["Mailbox"]
    first = transactions.Txn(account_id)
    first.changed("Mailbox", updated=["M1"])
    transactions.commit(first, expect={"Mailbox": seen})
    second = transactions.Txn(account_id)
    second.changed("Mailbox", updated=["M2"])
    with pytest.raises(StateMismatch):
        transactions.commit(second, expect={"Mailbox": seen})


def test_concurrent_writers_get_distinct_gap_free_states(alice: Any) -> None:
    account_id = _account(alice)
    start = transactions.get_states(account_id)["Mailbox"]
    produced: list[int] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        txn = transactions.Txn(account_id)
        txn.changed("Mailbox", updated=[f"M{n}"])
        new = transactions.commit(txn)["Mailbox"]
        with lock:
            produced.append(new)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(produced) == list(range(start + 1, start + 7))
    log = list(transactions.read_changes(account_id, "Mailbox", start, start + 6))
    assert sorted(u for e in log for u in e.updated) == [f"M{n}" for n in range(6)]


def test_conflict_on_own_write_names_its_tag(alice: Any) -> None:
    account_id = _account(alice)
    txn = transactions.Txn(account_id)
    txn.put(Mailbox(account_id=account_id, mailbox_id="Mdup", name="x"))
    txn.changed("Mailbox", created=["Mdup"])
    transactions.commit(txn)
    again = transactions.Txn(account_id)
    again.put(
        Mailbox(account_id=account_id, mailbox_id="Mdup", name="x"),
        condition=Mailbox.mailbox_id.does_not_exist(),
        tag="create:Mdup",
    )
    again.changed("Mailbox", created=["Mdup"])
    before = transactions.get_states(account_id)["Mailbox"]
    with pytest.raises(Conflict, match="create:Mdup"):
        transactions.commit(again)
    assert transactions.get_states(account_id)["Mailbox"] == before  # nothing half-written


def test_expired_change_log_cannot_calculate(alice: Any) -> None:
    account_id = _account(alice)
    for n in range(3):
        txn = transactions.Txn(account_id)
        txn.changed("Mailbox", updated=[f"M{n}"])
        transactions.commit(txn)
    current = transactions.get_states(account_id)["Mailbox"]
    # expire the oldest step by hand (as DynamoDB TTL would, lazily)
    oldest = Change.get(f"{account_id}#Mailbox", current - 2)
    oldest.update(actions=[Change.expires_at.set(int(time.time()) - 1)])
    with pytest.raises(ChangesExpired):
        list(transactions.read_changes(account_id, "Mailbox", current - 3, current))
    assert len(list(transactions.read_changes(account_id, "Mailbox", current - 2, current))) == 2
    with pytest.raises(ChangesExpired):
        list(transactions.read_changes(account_id, "Mailbox", current + 5, current))
