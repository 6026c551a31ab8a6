"""What a JMAP client sees of an account, read over HTTP: states, mailbox counters, emails, threads, changes.

The fault and concurrency tests compare these views before and after, so "nothing half-done is visible"
is checked where it matters: through the API, not in the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailx.protocol.capabilities import CORE, MAIL, SUBMISSION
from tests.helpers.auth import ALICE

USING = [CORE, MAIL, SUBMISSION]
COUNTERS = ("totalEmails", "unreadEmails", "totalThreads", "unreadThreads")


def call(client: Any, *calls: list[Any], headers: dict[str, str] = ALICE) -> list[list[Any]]:
    """POST one JMAP request; the methodResponses (the HTTP status must be 200)."""
    response = client.post("/jmap/api", json={"using": USING, "methodCalls": list(calls)}, headers=headers)
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


@dataclass(frozen=True)
class View:
    """One consistent-enough picture of an account, as a client gets it."""

    states: dict[str, str]
    counters: dict[str, dict[str, int]]  # mailboxId -> the four RFC 8621 §2 counts
    emails: dict[str, dict[str, Any]]  # emailId -> threadId, mailboxIds, keywords, receivedAt
    threads: dict[str, list[str]]  # threadId -> emailIds as Thread/get lists them


def view(client: Any, account: str) -> View:
    """Mailbox/get, Email/query + Email/get and Thread/get of every thread, in one request."""
    props = ["threadId", "mailboxIds", "keywords", "receivedAt"]
    responses = call(
        client,
        ["Mailbox/get", {"accountId": account, "ids": None}, "m"],
        ["Email/query", {"accountId": account}, "q"],
        ["Email/get", {"accountId": account, "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                       "properties": props}, "e"],
        ["Thread/get", {"accountId": account, "#ids": {"resultOf": "e", "name": "Email/get",
                                                       "path": "/list/*/threadId"}}, "t"],
        ["EmailSubmission/get", {"accountId": account, "ids": []}, "s"],
    )  # fmt: skip
    by_id = {r[2]: r[1] for r in responses}
    assert all(r[0] != "error" for r in responses), responses
    mailboxes, emails, threads = by_id["m"], by_id["e"], by_id["t"]
    states = {
        "Mailbox": mailboxes["state"],
        "Email": emails["state"],
        "Thread": threads["state"],
        "EmailSubmission": by_id["s"]["state"],
    }
    return View(
        states=states,
        counters={m["id"]: {k: m[k] for k in COUNTERS} for m in mailboxes["list"]},
        emails={e["id"]: {k: e[k] for k in props} for e in emails["list"]},
        threads={t["id"]: t["emailIds"] for t in threads["list"]},
    )


def changes(client: Any, account: str, type_name: str, since: str) -> dict[str, Any]:
    """The ids created, updated and destroyed since SINCE, following hasMoreChanges and collapsing across
    pages as RFC 8620 §5.2 does within one (created then destroyed: omitted); and the new state."""
    spans: dict[str, tuple[str, str]] = {}
    state, steps = since, 0
    while True:
        args = {"accountId": account, "sinceState": state}
        [[name, got, _]] = call(client, [f"{type_name}/changes", args, "c"])
        assert name == f"{type_name}/changes", got
        for kind in ("created", "updated", "destroyed"):
            for record_id in got[kind]:
                spans[record_id] = (spans.get(record_id, (kind, kind))[0], kind)
        steps += 1
        state = got["newState"]
        if not got["hasMoreChanges"]:
            break
    out: dict[str, Any] = {"created": set(), "updated": set(), "destroyed": set(), "steps": steps}
    for record_id, (first, last) in spans.items():
        if first == "created" and last != "destroyed":
            out["created"].add(record_id)
        elif first != "created":
            out["destroyed" if last == "destroyed" else "updated"].add(record_id)
    out["newState"] = state
    return out


def unchanged(client: Any, account: str, before: View) -> None:
    """Nothing became visible: same states, counters, emails and threads, and /changes report nothing."""
    after = view(client, account)
    assert after == before
    for type_name in ("Email", "Mailbox", "Thread"):
        found = changes(client, account, type_name, before.states[type_name])
        assert (found["created"], found["updated"], found["destroyed"]) == (set(), set(), set()), type_name
