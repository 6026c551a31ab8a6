"""The bookkeeping of the concurrency soak: what each worker was told, and how to judge the end state.

Every patch entry (`keywords/$seen`, `mailboxIds/<id>`) is a register. A worker records each write the
server acknowledged with the time it was sent and answered. A register only one worker writes must end
at that worker's last acknowledged value; one several workers write must end at the value of a write
that can be linearised last (no other acknowledged write to it started after it was answered).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Write:
    """One acknowledged write to one register."""

    value: bool
    start: float
    end: float


@dataclass
class Journal:
    """What the workers were told, shared between their threads."""

    writes: dict[tuple[str, str], list[Write]] = field(default_factory=lambda: defaultdict(list))
    owned: dict[tuple[str, str], bool] = field(default_factory=dict)  # sole-writer registers: last value
    updated: Counter[str] = field(default_factory=Counter)  # email -> acknowledged Email/set updates
    temp_adds: Counter[str] = field(default_factory=Counter)  # email -> acknowledged adds to a temp box
    answers: Counter[str] = field(default_factory=Counter)  # every kind of answer, for the summary
    problems: list[str] = field(default_factory=list)  # answers that must never happen
    ingested: dict[str, str] = field(default_factory=dict)  # SES message id -> email id
    replies: dict[str, str] = field(default_factory=dict)  # reply email id -> the thread it must join
    temp_boxes: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self, email_id: str, patch: dict[str, Any], start: float, owned_key: str) -> None:
        end = time.monotonic()
        with self.lock:
            self.updated[email_id] += 1
            for key, value in patch.items():
                self.writes[(email_id, key)].append(Write(value is True, start, end))
                if key.startswith("mailboxIds/") and key[11:] in self.temp_boxes:
                    self.temp_adds[email_id] += 1
            self.owned[(email_id, owned_key)] = patch[owned_key] is True

    def note(self, answer: str, problem: str | None = None) -> None:
        with self.lock:
            self.answers[answer] += 1
            if problem is not None:
                self.problems.append(problem)


def possible_finals(writes: list[Write], initial: bool) -> set[bool]:
    """The values a register may end with: those of writes that can be ordered last."""
    if not writes:
        return {initial}
    return {
        w.value for i, w in enumerate(writes) if all(o.start <= w.end for j, o in enumerate(writes) if j != i)
    }


def unread(email: dict[str, Any]) -> bool:
    """RFC 8621 §2: unread when it has neither $seen nor $draft."""
    return not ({"$seen", "$draft"} & set(email["keywords"]))


def recount(emails: dict[str, dict[str, Any]], mailbox_ids: list[str]) -> dict[str, dict[str, int]]:
    """The four counters of each mailbox, counted from the emails (unreadThreads: threads with an
    unread email in this mailbox, the simplest count RFC 8621 §2 allows and the one this server keeps)."""
    counts: dict[str, dict[str, int]] = {}
    for box in mailbox_ids:
        inside = [e for e in emails.values() if box in e["mailboxIds"]]
        counts[box] = {
            "totalEmails": len(inside),
            "unreadEmails": sum(unread(e) for e in inside),
            "totalThreads": len({e["threadId"] for e in inside}),
            "unreadThreads": len({e["threadId"] for e in inside if unread(e)}),
        }
    return counts


def thread_members(emails: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """threadId -> the ids of its emails."""
    groups: dict[str, set[str]] = defaultdict(set)
    for email_id, email in emails.items():
        groups[email["threadId"]].add(email_id)
    return dict(groups)


def oldest_first(email_ids: list[str], emails: dict[str, dict[str, Any]]) -> bool:
    """RFC 8621 §3: a Thread lists its emails sorted by receivedAt, oldest first."""
    times = [emails[e]["receivedAt"] for e in email_ids]
    return times == sorted(times)


def to_wire(journal: Journal) -> dict[str, Any]:
    """The journal as JSON, for a worker process to hand back to the test."""
    return {
        "writes": [[e, k, [[w.value, w.start, w.end] for w in ws]] for (e, k), ws in journal.writes.items()],
        "owned": [[e, k, v] for (e, k), v in journal.owned.items()],
        "updated": dict(journal.updated),
        "temp_adds": dict(journal.temp_adds),
        "answers": dict(journal.answers),
        "problems": journal.problems,
        "ingested": journal.ingested,
        "replies": journal.replies,
        "temp_boxes": sorted(journal.temp_boxes),
    }


def merged(wires: list[dict[str, Any]]) -> Journal:
    """One journal from the journals of several worker processes."""
    journal = Journal()
    for wire in wires:
        for email_id, key, writes in wire["writes"]:
            journal.writes[(email_id, key)].extend(Write(bool(v), float(s), float(e)) for v, s, e in writes)
        journal.owned.update({(e, k): bool(v) for e, k, v in wire["owned"]})
        journal.updated.update(wire["updated"])
        journal.temp_adds.update(wire["temp_adds"])
        journal.answers.update(wire["answers"])
        journal.problems.extend(wire["problems"])
        journal.ingested.update(wire["ingested"])
        journal.replies.update(wire["replies"])
        journal.temp_boxes.update(wire["temp_boxes"])
    return journal
