"""Concurrency soak (RFC 8621 §2, §3, §4.6; RFC 8620 §5.2): writers of every kind at once, then exact checks.

Threads share one account through the real app: email workers patch keywords and mailboxIds of the same
messages through Email/set (each owns one keyword and one mailbox, and all fight over $seen, $flagged
and the temporary mailboxes), a mailbox worker creates temporary mailboxes and destroys them with
onDestroyRemoveEmails, and an ingest worker delivers new mail and replies through the SES function.
Afterwards: counters equal a recount, threads equal the emails' threadIds, the index equals the
emails, the change log has one step per committed change and names exactly the ids touched, and every
acknowledged write is there. MAILX_SOAK_ROUNDS (default 8) sets the length; `make fuzz` runs it long.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

from mailx.store import email_reads, transactions
from tests.helpers.faults import dynamodb_client
from tests.helpers.messages import mail, put
from tests.helpers.paths import REPO
from tests.helpers.soak import merged, oldest_first, possible_finals, recount, thread_members
from tests.helpers.soak_workers import (
    CONTESTED,
    EMAIL_WORKERS,
    ROUNDS,
    Pool,
    World,
    destroy,
    email_worker,
    ingest_worker,
    mailbox_worker,
    run_threads,
    seed,
)
from tests.helpers.views import View, call, changes, view

PROCESSES = int(os.environ.get("MAILX_SOAK_PROCESSES", "0"))
ROOT = REPO
PYTHONPATH = ["layers/shared", "functions/jmap", "functions/ses_inbound", "functions/webhook", "."]


def test_concurrent_writers_leave_an_exact_state(client: Any, alice: Any) -> None:
    account = alice.account_id
    boxes, seeds, seeded = seed(client, alice)
    before = view(client, account)
    versions = {e: v.version or 0 for e, v in email_reads.get_versioned(account, seeded).items()}
    world = World(client, account, boxes, Pool(seeded))
    started = time.monotonic()
    # When every kind of writer works on the account at once
    workers: list[Callable[[], None]] = [partial(email_worker, world, w) for w in range(EMAIL_WORKERS)]
    workers += [partial(mailbox_worker, world), partial(ingest_worker, world, seeds)]
    errors = run_threads(workers)
    for box in world.live_boxes():  # then the mailbox worker's leftovers go too
        assert any(destroy(world, box, remove=True) for _ in range(5)), box
    elapsed = time.monotonic() - started
    assert errors == []
    _check_all(client, account, before, world, seeds, seeded, versions)
    print(f"soak: {ROUNDS} rounds in {elapsed:.1f} s: {dict(sorted(world.journal.answers.items()))}")


@pytest.fixture
def served(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto as a loopback server (writes made atomic, as the aws fixture does) for worker processes."""
    from mailx.local.motoserver import LocalMotoServer
    from mailx.store import blobs, tables
    from tests.helpers.environment import reset_caches, serialise_moto_writes

    serialise_moto_writes(monkeypatch)
    server = LocalMotoServer()
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
    reset_caches()
    tables.create_all()
    blobs.ensure_bucket()
    yield server.endpoint_url
    server.stop()
    reset_caches()


def _spawn(role: str, args: dict[str, Any]) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in PYTHONPATH)}
    command = [sys.executable, "-m", "tests.helpers.soak_workers", role, json.dumps(args)]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True)


@pytest.mark.skipif(not PROCESSES, reason="MAILX_SOAK_PROCESSES=n: n email worker processes (make fuzz)")
def test_worker_processes_leave_an_exact_state(served: str) -> None:
    """The same soak with each worker in a process of its own (own interpreter, own botocore clients),
    all against one moto server over HTTP."""
    from fastapi.testclient import TestClient

    from jmap_api.app import create_app
    from mailx.admin.accounts import create_account

    alice = create_account("alice", "correct horse battery", name="Alice", addresses=["alice@example.com"])
    account = alice.account_id
    with TestClient(create_app(), base_url="https://mail.example.test") as client:
        boxes, seeds, seeded = seed(client, alice, workers=PROCESSES)
        before = view(client, account)
        versions = {e: v.version or 0 for e, v in email_reads.get_versioned(account, seeded).items()}
        common = {"account": account, "boxes": boxes, "seeded": seeded, "seeds": seeds}
        started = time.monotonic()
        roles = [("email", {"worker": w}) for w in range(PROCESSES)] + [("mailbox", {}), ("ingest", {})]
        workers = [_spawn(role, {**common, **extra, "prefix": "soak"}) for role, extra in roles]
        outputs = [worker.communicate(timeout=1800)[0] for worker in workers]
        assert [w.returncode for w in workers] == [0] * len(workers)
        world = World(client, account, boxes, Pool(seeded))
        world.email_workers = PROCESSES
        world.journal = merged([json.loads(out.strip().splitlines()[-1]) for out in outputs])
        for box in world.live_boxes() or _temporary(client, account):
            assert any(destroy(world, box, remove=True) for _ in range(5)), box
        elapsed = time.monotonic() - started
        _check_all(client, account, before, world, seeds, seeded, versions)
        print(
            f"soak, {len(workers)} processes: {elapsed:.1f} s: {dict(sorted(world.journal.answers.items()))}"
        )


def _temporary(client: Any, account: str) -> list[str]:
    [[_, got, _]] = call(client, ["Mailbox/get", {"accountId": account, "ids": None}, "m"])
    return [m["id"] for m in got["list"] if m["name"].startswith("tmp-")]


def _check_all(
    client: Any,
    account: str,
    before: View,
    world: World,
    seeds: list[tuple[str, str]],
    seeded: list[str],
    versions: dict[str, int],
) -> None:
    journal = world.journal
    # Then no worker got an answer it should never get (HTTP 500, serverFail, an unexpected SetError)
    assert journal.problems == [], journal.problems
    after = view(client, account)
    _check_counters_and_index(client, account, after)
    _check_threads(after, world, seeds, seeded)
    _check_acknowledged_writes(after, world, seeded)
    _check_change_log(client, account, before, after, world, versions)
    assert journal.answers["Email/set updated"] >= world.email_workers * ROUNDS  # it really raced


def _check_counters_and_index(client: Any, account: str, after: View) -> None:
    """Counters equal a recount from the emails; the stored emails and every indexed view agree."""
    assert after.counters == recount(after.emails, list(after.counters))
    stored = {r.email_id: r for r in email_reads.listing(account, with_summary=False)}
    assert set(stored) == set(after.emails)
    for email_id, record in stored.items():
        shown = after.emails[email_id]
        assert set(record.mailbox_ids) == set(shown["mailboxIds"]) and record.thread_id == shown["threadId"]
        assert set(record.keywords) == set(shown["keywords"])
    inbox = next(b for b, c in after.counters.items() if c["totalEmails"] == len(after.emails))
    filters: dict[str, dict[str, Any]] = {box: {"inMailbox": box} for box in after.counters}
    filters["unread"] = {"inMailbox": inbox, "notKeyword": "$seen"}
    filters["flagged"] = {"hasKeyword": "$flagged"}
    queries = [["Email/query", {"accountId": account, "filter": f}, key] for key, f in filters.items()]
    found = {r[2]: set(r[1]["ids"]) for r in call(client, *queries)}
    for box in after.counters:
        assert found[box] == {e for e, m in after.emails.items() if box in m["mailboxIds"]}, box
    assert found["unread"] == {e for e, m in after.emails.items() if "$seen" not in m["keywords"]}
    assert found["flagged"] == {e for e, m in after.emails.items() if "$flagged" in m["keywords"]}


def _check_threads(after: View, world: World, seeds: list[tuple[str, str]], seeded: list[str]) -> None:
    """Thread/get lists exactly the emails whose threadId it is, oldest first; replies joined their seed."""
    assert {t: set(ids) for t, ids in after.threads.items()} == thread_members(after.emails)
    assert all(oldest_first(ids, after.emails) for ids in after.threads.values())
    parents = {msgid: seeded[3 * n] for n, (msgid, _) in enumerate(seeds)}
    for reply, parent in world.journal.replies.items():
        assert after.emails[reply]["threadId"] == after.emails[parents[parent]]["threadId"]


def _check_acknowledged_writes(after: View, world: World, seeded: list[str]) -> None:
    """Nothing lost or duplicated, and every acknowledged write is where a consistent order puts it."""
    journal = world.journal
    assert set(after.emails) == set(seeded) | set(journal.ingested.values())
    for email_id, email in after.emails.items():
        assert world.boxes["inbox"] in email["mailboxIds"]
        assert not set(email["mailboxIds"]) & journal.temp_boxes
        for worker in range(world.email_workers):
            for key in (f"keywords/w{worker}", f"mailboxIds/{world.boxes[f'W{worker}']}"):
                held = key.partition("/")[2] in email[key.partition("/")[0]]
                assert held == journal.owned.get((email_id, key), False), (email_id, key)
        for word in CONTESTED:
            writes = journal.writes.get((email_id, f"keywords/{word}"), [])
            assert (word in email["keywords"]) in possible_finals(writes, False), (email_id, word, writes)


def _check_change_log(
    client: Any, account: str, before: View, after: View, world: World, versions: dict[str, int]
) -> None:
    """One log step per committed change, each Email's steps matching its version, and /changes
    reporting exactly the ids touched."""
    journal = world.journal
    since, now = int(before.states["Email"]), int(after.states["Email"])
    log = list(transactions.read_changes(account, "Email", since, now))
    assert len(log) == now - since and all(len(s.created) + len(s.updated) == 1 for s in log)
    assert not any(s.destroyed for s in log)
    created = Counter(e for s in log for e in s.created)
    updated = Counter(e for s in log for e in s.updated)
    assert created == Counter(journal.ingested.values())
    current = email_reads.get_versioned(account, after.emails)
    for email_id in after.emails:
        assert updated[email_id] == (current[email_id].version or 0) - versions.get(email_id, 0), email_id
        low, high = journal.updated[email_id], journal.updated[email_id] + journal.temp_adds[email_id]
        assert low <= updated[email_id] <= high, (email_id, low, updated[email_id], high)
    got = changes(client, account, "Email", before.states["Email"])
    assert got["created"] == set(journal.ingested.values()) and got["destroyed"] == set()
    assert got["updated"] == {e for e in updated if e not in created}
    owned_boxes = {world.boxes[f"W{w}"] for w in range(world.email_workers)}
    touched = {k[1][11:] for k in journal.owned if k[1].startswith("mailboxIds/")} & owned_boxes
    boxes = changes(client, account, "Mailbox", before.states["Mailbox"])
    assert boxes["created"] == set() and boxes["destroyed"] <= journal.temp_boxes
    assert boxes["updated"] == {world.boxes["inbox"]} | touched
    mailbox_steps = list(transactions.read_changes(account, "Mailbox", int(before.states["Mailbox"]),
                                             int(after.states["Mailbox"])))  # fmt: skip
    assert len(mailbox_steps) == int(after.states["Mailbox"]) - int(before.states["Mailbox"])
    threads = changes(client, account, "Thread", before.states["Thread"])
    fresh = {after.emails[e]["threadId"] for e in journal.ingested.values() if e not in journal.replies}
    assert threads["created"] == fresh and threads["destroyed"] == set()


def test_an_update_is_not_refused_for_a_mailbox_created_meanwhile(client: Any, alice: Any) -> None:
    """Found by the soak: Email/set judged the Email's current mailboxes against the list it read at
    the start of the call, so an Email moved meanwhile into a new mailbox could not be flagged."""
    account = alice.account_id
    email_id = put(alice, mail("m@x", "Moving"), 1)
    events = dynamodb_client().meta.events
    tables: list[str] = []

    def note(params: dict[str, Any], **_: Any) -> None:
        tables.append(str(params.get("TableName")))

    def meanwhile(**_: Any) -> None:  # Email/set has just read the account's mailboxes
        if tables[-1:] != ["test-mailboxes"] or "fired" in tables:
            return
        tables.append("fired")
        other = threading.Thread(target=_move_into_a_new_mailbox, args=(client, account, email_id))
        other.start()
        other.join()

    events.register("before-parameter-build.dynamodb.Query", note)
    events.register("after-call.dynamodb.Query", meanwhile)
    try:
        update = {email_id: {"keywords/$seen": True}}
        [[_, result, _]] = call(client, ["Email/set", {"accountId": account, "update": update}, "u"])
    finally:
        events.unregister("before-parameter-build.dynamodb.Query", note)
        events.unregister("after-call.dynamodb.Query", meanwhile)
    assert "fired" in tables and result["updated"] == {email_id: None}, result


def _move_into_a_new_mailbox(client: Any, account: str, email_id: str) -> None:
    create = ["Mailbox/set", {"accountId": account, "create": {"n": {"name": "New"}}}, "c"]
    move = ["Email/set", {"accountId": account, "update": {email_id: {"mailboxIds/#n": True}}}, "m"]
    [_, [name, moved, _]] = call(client, create, move)
    assert name == "Email/set" and moved["updated"] == {email_id: None}, moved
