"""Fast loading: the items ingest writes, built by ingest's own transaction code, sent by BatchWriteItem.

One message is parsed once; every loaded Email reuses its summary with its own id, Message-ID, subject
and date. Each message goes through `mailx.mail.ingest._transaction` (so the Email, membership, listing
view, search text, Thread and thread-reference items are exactly those ingest writes), but the puts are
sent 25 at a time with BatchWriteItem instead of one transaction each. The full-text tail items ingest
would write are indexed instead with `fulltext.bulk_add`: segments shaped as compaction leaves them,
the last few documents in the tail. Mailbox counters are summed and
applied once, in one final commit that also moves the account's states (one change-log step per type,
without ids). No S3 objects are written: listing and query never read S3.
"""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.models import Model

START = datetime(2020, 1, 1, tzinfo=UTC)
RARE_WORD = "zebra"  # in the subject of one message in a hundred: what the text search looks for
PAIR_WORD = "lynx"  # in one message in a hundred too; with RARE_WORD in one in two hundred
RARER_WORD = "quokka"  # in the subject of one message in ten thousand
_BODY = (
    "Hello Alice,\r\n\r\nHere are the figures for this week. Sales went up in the north and stayed flat "
    "in the south; the new warehouse opens on Monday and the team will need a hand with the move.\r\n\r\n"
) * 6 + "Best regards,\r\nAnn\r\n"
TEMPLATE = (
    "Message-ID: <template@bench.example.net>\r\n"
    "From: Ann Example <ann@example.net>\r\n"
    "To: Alice <alice@example.com>\r\n"
    "Subject: Weekly figures\r\n"
    "Date: Mon, 01 Apr 2024 10:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n" + _BODY
).encode()


@dataclass(frozen=True)
class Template:
    """The one parsed message every loaded Email is derived from."""

    summary: dict[str, Any]
    text: dict[str, str]
    size: int


def template() -> Template:
    """Parse TEMPLATE once, as ingest would."""
    from mailx.mail.ingest import parse

    summary, text = parse(TEMPLATE, "Mtemplate")
    return Template(summary, text, len(TEMPLATE))


def subject(n: int) -> str:
    """The subject of loaded message N (every hundredth carries RARE_WORD, every hundredth PAIR_WORD,
    half of them in the same message; every ten-thousandth RARER_WORD)."""
    words = [f"Weekly figures {n}"]
    if n % 100 == 7:
        words.append(RARE_WORD)
    if n % 100 == (7 if (n // 100) % 2 == 0 else 57):
        words.append(PAIR_WORD)
    if n % 10_000 == 7:
        words.append(RARER_WORD)
    return " ".join(words)


def keywords(n: int) -> tuple[str, ...]:
    """Nine in ten are read; one in ten is flagged (a different tenth), so every view fills a page."""
    words = ("$seen",) if n % 10 else ()
    return (*words, "$flagged") if n % 10 == 5 else words


def received_at(n: int) -> str:
    return (START + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")


def size(base: Template, n: int) -> int:
    """The octets of message N: the template with its own Message-ID and subject."""
    grown = len(f"m{n}@bench.example.net") - len("template@bench.example.net")
    return base.size + grown + len(subject(n)) - len("Weekly figures")


def _summary(base: Template, n: int, email_id: str) -> dict[str, Any]:
    summary = copy.copy(base.summary)
    message_id = f"m{n}@bench.example.net"
    summary["blobId"] = email_id
    summary["size"] = size(base, n)
    summary["messageId"] = [message_id]
    summary["subject"] = subject(n)
    summary["headerBlock"] = (
        base.summary["headerBlock"]
        .replace("template@bench.example.net", message_id)
        .replace("Subject: Weekly figures", f"Subject: {subject(n)}")
    )
    return summary


class _Writer:
    """One pynamodb batch writer per model, opened on first use."""

    def __init__(self) -> None:
        self.open: dict[type[Model], Any] = {}

    def save(self, item: Model) -> None:
        model = type(item)
        if model not in self.open:
            self.open[model] = model.batch_write()
        self.open[model].save(item)

    def flush(self) -> None:
        for batch in self.open.values():
            batch.commit()
        self.open.clear()


def load(
    account_id: str, mailbox_id: str, count: int, *, first: int = 0, base: Template | None = None
) -> float:
    """Put COUNT messages (numbered from FIRST, one a minute, pairs sharing a thread) into one mailbox.

    Returns the seconds it took.
    """
    from mailx.ids import new_id
    from mailx.mail import ingest, thread_placement
    from mailx.mime.subject import base_subject
    from mailx.search import codec
    from mailx.search.fields import message_terms
    from mailx.store import emails, fulltext, tables, threads, transactions
    from mailx.store.emails import EmailRecord
    from mailx.store.transactions import Txn

    began = time.perf_counter()
    tables.bind()
    base = base or template()
    writer = _Writer()
    last_threads: dict[str, Model] = {}  # a thread's latest item only: a batch may not repeat a key
    counters = [0, 0, 0, 0]
    previous: threads.ThreadRecord | None = None
    docs: list[fulltext.TailDoc] = []
    for n in range(first, first + count):
        email_id = new_id("M")
        summary = _summary(base, n, email_id)
        target = previous if n % 2 else None
        thread_id = target.thread_id if target else new_id("T")
        record = EmailRecord(email_id, email_id, thread_id, (mailbox_id,), keywords(n), received_at(n),
                             size(base, n), summary)  # fmt: skip
        key = threads.ref_key(account_id, base_subject(subject(n)), f"m{n}@bench.example.net")
        linked = {target.thread_id: target} if target else {}
        placement = thread_placement.Placement(keys=(key,), refs={}, linked=linked)
        masks = message_terms(summary, base.text)
        txn = ingest._transaction(account_id, record, placement, None, base.text, masks)
        for item, _condition, _tag in txn._puts:
            if item.Meta.table_name.endswith("threads"):
                last_threads[thread_id] = item
            elif str(getattr(item, "key", "")).endswith("#fts"):
                key, packed = getattr(item, "sort"), getattr(item, "packed")  # noqa: B009 (an EmailIndexItem)
                docs.append(fulltext.TailDoc(key[len(fulltext.TAIL) :], email_id, thread_id,
                                             codec.unpack_terms(packed)))  # fmt: skip
            else:
                writer.save(item)
        before = target or threads.ThreadRecord(thread_id)
        after = thread_placement.with_email(
            before, email_id, record.received_at, record.mailbox_ids, record.unread
        )
        total, unread = thread_placement.thread_count_deltas([before.boxes], [after.boxes]).get(
            mailbox_id, (0, 0)
        )
        for i, delta in enumerate((1, int(record.unread), total, unread)):
            counters[i] += delta
        previous = replace(after, version=before.version + 1)
    for item in last_threads.values():
        writer.save(item)
    writer.flush()
    final = Txn(account_id)
    emails.bump_counters(final, mailbox_id, (counters[0], counters[1], counters[2], counters[3]))
    for type_name in ("Email", "Thread", "Mailbox"):
        final.changed(type_name)
    transactions.commit(final)
    fulltext.bulk_add(account_id, docs)
    return time.perf_counter() - began


_SYLLABLES = ("ka", "lo", "mi", "ter", "von", "sa", "pre", "dul", "ix", "ro", "nem", "tha", "qu", "el", "bar")


def _words(seed: int, count: int) -> list[str]:
    """COUNT words from a 50,625-word made-up vocabulary: seven in ten Zipf-like (a few frequent), the
    rest uniform (rare words, as names, numbers and jargon are in real mail)."""
    rng = random.Random(seed)
    size = len(_SYLLABLES)
    out = []
    for _ in range(count):
        zipf = rng.random() < 0.7
        rank = min(int(rng.paretovariate(0.3)) - 1, size**4 - 1) if zipf else rng.randrange(size**4)
        out.append("".join(_SYLLABLES[rank // size**k % size] for k in range(4)))
    return out


def typical_message(n: int) -> bytes:
    """A typical 60 KB message: multipart/alternative, a 25 KB text part and a 35 KB HTML part of the
    same prose (about 1,200 distinct words), as the ingest cost row measures it."""
    words = _words(n, 2400)
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    text = "\r\n".join(lines)
    html = "".join(f'<p style="margin:0 0 8px 0;font-family:Arial">{line}</p>\r\n' for line in lines)
    return (
        f"Message-ID: <typical{n}@bench.example.net>\r\nFrom: Ann Example <ann@example.net>\r\n"
        f"To: Alice <alice@example.com>\r\nSubject: Quarterly report {n}\r\n"
        "Date: Mon, 01 Apr 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        f"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
        "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"<html><body>{html}</body></html>\r\n--alt--\r\n"
    ).encode()
