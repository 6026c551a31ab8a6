"""The full-text index's write cost: ingesting a typical 60 KB message, and the compactions that follow.

BEFORE_INDEX_WCU is what ingesting the same message cost before the index (main at 0ccd5c5, measured
with this module's first row): the issue's budget is twice that. Compaction runs inline after every
COMPACT_EVERY-th commit; its cost is measured here directly (32 tail messages into a segment, and the
compaction that also merges eight segments) and spread over the messages it serves in docs/cost.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench import loader
from bench.api import mailbox
from bench.harness import PASSWORD, Meter, metering
from bench.report import Row

BEFORE_INDEX_WCU = 60.0  # ingest of loader.typical_message(1) before the full-text index (moto, Meter)
COMPACTION = "full-text compaction: 32 tail messages into a segment"
MERGE = "full-text compaction + merge of 8 segments (256 messages)"


@contextmanager
def compaction_off() -> Iterator[None]:
    """No commit compacts on its own: compactions are measured (and priced) on their own rows."""
    from mailx.store import fulltext

    saved = fulltext.COMPACT_EVERY
    fulltext.COMPACT_EVERY = 10**9
    try:
        yield
    finally:
        fulltext.COMPACT_EVERY = saved


@contextmanager
def _rows(rows: list[Row], name: str, target: str = "-", ok: bool | None = None) -> Iterator[Meter]:
    began = time.perf_counter()
    with metering() as meter:
        yield meter
    rows.append(Row(name, meter, (time.perf_counter() - began) * 1000, target, ok))


def run(rows: list[Row]) -> None:
    """Append the ingest and compaction rows (inside bench.harness.moto())."""
    from mailx.admin.accounts import create_account
    from mailx.mail.ingest import ingest
    from mailx.store import fulltext

    account_id = create_account(
        "indexer", PASSWORD, name="Indexer", addresses=["indexer@example.com"]
    ).account_id
    inbox = mailbox(account_id, "inbox")
    with compaction_off():
        ingest(account_id, loader.typical_message(0), mailbox_ids=[inbox])
        began = time.perf_counter()
        with metering() as meter:
            ingest(account_id, loader.typical_message(1), mailbox_ids=[inbox])
        ms = (time.perf_counter() - began) * 1000
        budget = 2 * BEFORE_INDEX_WCU
        target = f"WCU ≤ 2 x {BEFORE_INDEX_WCU:g} (before the index)"
        name = "ingest a typical 60 KB message (text + HTML, ~1,200 words)"
        rows.append(Row(name, meter, ms, target, meter.wcu <= budget))
        for n in range(2, 32):
            ingest(account_id, loader.typical_message(n), mailbox_ids=[inbox])
        with _rows(rows, COMPACTION):
            fulltext.compact(account_id)
        for batch in range(1, 8):
            for n in range(32 * batch, 32 * batch + 32):
                ingest(account_id, loader.typical_message(n), mailbox_ids=[inbox])
            if batch < 7:
                fulltext.compact(account_id)
        with _rows(rows, MERGE):
            fulltext.compact(account_id)
