"""The workers of the concurrency soak, usable as threads of the test or as processes of their own.

`python -m tests.helpers.soak_workers ROLE ARGS_JSON` runs one worker against the AWS endpoint in
the environment (a moto server the test started) through its own copy of the app, and prints its
journal as JSON on the last line of stdout.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from mailx.store import emails
from tests.helpers.messages import mail, put
from tests.helpers.ses_events import invoke, receive
from tests.helpers.soak import Journal, to_wire
from tests.helpers.views import call

ROUNDS = int(os.environ.get("MAILX_SOAK_ROUNDS", "8"))
EMAIL_WORKERS = 3
SEED_THREADS = 4  # each a message and its reply, plus as many single messages
CONTESTED = ("$seen", "$flagged")
HOT = 3  # the first seeded thread and a single: most writes go there
ARRIVALS = datetime(2026, 1, 1, 10, tzinfo=UTC)  # ingested mail arrives a minute apart from here
ALLOWED_METHOD_ERRORS = {"serverUnavailable"}  # "too many concurrent changes": nothing written, say so


class Pool:
    """The email ids workers pick from; grows as mail arrives."""

    def __init__(self, ids: list[str]) -> None:
        self._ids = list(ids)
        self._lock = threading.Lock()

    def add(self, email_id: str) -> None:
        with self._lock:
            self._ids.append(email_id)

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self._ids)


class World:
    """Everything the workers share: the client, the account, the mailboxes, the journal."""

    def __init__(
        self, client: Any, account: str, boxes: dict[str, str], pool: Pool, *, discover: bool = False
    ) -> None:
        self.client = client
        self.discover = discover  # a process of its own: find the temporary mailboxes through JMAP
        self.account = account
        self.boxes = boxes  # role or worker mailbox name -> id
        self.pool = pool
        self.journal = Journal()
        self.live: set[str] = set()  # temporary mailboxes that may exist now
        self.email_workers = EMAIL_WORKERS
        self.lock = threading.Lock()

    def live_boxes(self) -> list[str]:
        if self.discover:
            [[_, got, _]] = call(self.client, ["Mailbox/get", {"accountId": self.account, "ids": None}, "m"])
            found = {m["id"] for m in got["list"] if m["name"].startswith("tmp-")}
            with self.journal.lock:
                self.journal.temp_boxes |= found
            return sorted(found)
        with self.lock:
            return sorted(self.live)


def email_worker(world: World, worker: int) -> None:
    rng = random.Random(worker)
    journal = world.journal
    owned = (f"keywords/w{worker}", f"mailboxIds/{world.boxes[f'W{worker}']}")
    for _ in range(ROUNDS * 2):
        ids = world.pool.snapshot()
        email_id = rng.choice(ids[:HOT] if rng.random() < 0.6 else ids)  # a hot few, so writers collide
        owned_key = rng.choice(owned)
        with journal.lock:
            current = journal.owned.get((email_id, owned_key), False)
        patch: dict[str, Any] = {owned_key: None if current else True}
        patch[f"keywords/{rng.choice(CONTESTED)}"] = rng.choice([True, None])
        temps = world.live_boxes()
        if temps and rng.random() < 0.4:
            patch[f"mailboxIds/{rng.choice(temps)}"] = True
        start = time.monotonic()
        args = {"accountId": world.account, "update": {email_id: patch}}
        [[name, result, _]] = call(world.client, ["Email/set", args, "u"])
        if name == "error":
            problem = None if result["type"] in ALLOWED_METHOD_ERRORS else f"Email/set {result}"
            journal.note(f"Email/set {result['type']}", problem)
        elif email_id in (result["updated"] or {}):
            journal.acknowledged(email_id, patch, start, owned_key)
            journal.note("Email/set updated")
        else:
            error = result["notUpdated"][email_id]
            temp = any(k[11:] in journal.temp_boxes for k in patch if k.startswith("mailboxIds/"))
            expected = temp and error == {**error, "type": "invalidProperties", "properties": ["mailboxIds"]}
            problem = None if expected else f"Email/set {email_id} {patch}: {error}"
            journal.note(f"Email/set {error['type']}", problem)


def mailbox_worker(world: World) -> None:
    rng = random.Random(99)
    journal = world.journal
    for n in range(max(2, ROUNDS // 2)):
        create = {"t": {"name": f"tmp-{n}"}}
        [[name, result, _]] = call(
            world.client, ["Mailbox/set", {"accountId": world.account, "create": create}, "c"]
        )
        if name == "error" or "t" not in (result["created"] or {}):
            journal.note("Mailbox/set create failed", f"Mailbox/set create {result}")
            continue
        box = result["created"]["t"]["id"]
        with world.lock, journal.lock:
            world.live.add(box)
            journal.temp_boxes.add(box)
        time.sleep(rng.uniform(0.05, 0.2))  # let the email workers move mail into it
        destroy(world, box, remove=rng.random() < 0.8)


def destroy(world: World, box: str, *, remove: bool) -> bool:
    args = {"accountId": world.account, "destroy": [box], "onDestroyRemoveEmails": remove}
    [[name, result, _]] = call(world.client, ["Mailbox/set", args, "d"])
    journal = world.journal
    if name == "error":
        problem = None if result["type"] in ALLOWED_METHOD_ERRORS else f"Mailbox/set {result}"
        journal.note(f"Mailbox/set {result['type']}", problem)
        return False
    if box in (result["destroyed"] or []):
        with world.lock:
            world.live.discard(box)
        journal.note("Mailbox/set destroyed")
        return True
    error = result["notDestroyed"][box]
    expected = error["type"] == "mailboxHasEmail" and not remove
    journal.note(f"Mailbox/set {error['type']}", None if expected else f"Mailbox/set {error}")
    return False


def ingest_worker(world: World, seeds: list[tuple[str, str]], *, prefix: str = "soak") -> None:
    """New threads and replies to the seeded ones through the SES function; every third one twice."""
    rng = random.Random(7)
    journal = world.journal
    for n in range(ROUNDS):
        message_id = f"{prefix}-{n}"
        if n % 2:
            parent, subject = rng.choice(seeds)
            raw = mail(f"{message_id}@x", f"Re: {subject}", irt=parent)
        else:
            raw = mail(f"{message_id}@x", f"Fresh topic {n}")
        event = receive(message_id, ["alice@example.com"], raw=raw)
        arrival = ARRIVALS + timedelta(minutes=n)
        event["Records"][0]["ses"]["mail"]["timestamp"] = arrival.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for attempt in range(2 if n % 3 == 0 else 1):
            delivered = invoke(event)["results"][0]["delivered"]
            if delivered != (0 if attempt else 1):
                journal.note("ingest wrong", f"ingest of {message_id} attempt {attempt}: {delivered}")
        email_id = emails.ingested(world.account, f"ses:{message_id}")
        assert email_id is not None
        with journal.lock:
            journal.ingested[message_id] = email_id
            if n % 2:
                journal.replies[email_id] = parent
        world.pool.add(email_id)
        journal.note("ingested")


def seed(
    client: Any, alice: Any, *, workers: int = EMAIL_WORKERS
) -> tuple[dict[str, str], list[tuple[str, str]], list[str]]:
    """Worker mailboxes, and threads of two plus single messages in the Inbox."""
    account = alice.account_id
    create = {f"W{w}": {"name": f"Worker {w}"} for w in range(workers)}
    [[_, made, _]] = call(client, ["Mailbox/set", {"accountId": account, "create": create}, "c"])
    boxes = {key: made["created"][key]["id"] for key in create}
    roles = emails.mailbox_roles(account)
    boxes.update({role: box for box, role in roles.items() if role})
    seeds, ids = [], []
    for n in range(SEED_THREADS):
        ids.append(put(alice, mail(f"seed-{n}@x", f"Seed {n}"), 2 * n))
        ids.append(put(alice, mail(f"seed-{n}-r@x", f"Re: Seed {n}", irt=f"seed-{n}@x"), 2 * n + 1))
        ids.append(put(alice, mail(f"single-{n}@x", f"Single {n}"), 100 + n))
        seeds.append((f"seed-{n}@x", f"Seed {n}"))
    return boxes, seeds, ids


def run_threads(workers: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(5e-4)  # switch threads 10 times as often: reads and commits interleave more

    def wrap(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            barrier.wait()
            try:
                work()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(w)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.setswitchinterval(interval)
    return errors


def process_main(role: str, args: dict[str, Any]) -> None:
    """One worker in this process, against the endpoint in the environment; its journal on stdout."""
    from fastapi.testclient import TestClient

    from jmap_api.app import create_app

    with TestClient(create_app(), base_url="https://mail.example.test") as client:
        world = World(client, args["account"], args["boxes"], Pool(args["seeded"]), discover=True)
        if role == "email":
            email_worker(world, int(args["worker"]))
        elif role == "mailbox":
            mailbox_worker(world)
        else:
            ingest_worker(world, [tuple(pair) for pair in args["seeds"]], prefix=args["prefix"])
    print(json.dumps(to_wire(world.journal)))


if __name__ == "__main__":
    process_main(sys.argv[1], json.loads(sys.argv[2]))
