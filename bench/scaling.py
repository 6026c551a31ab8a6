"""Indexed views and full-text search at growing mailbox sizes: calls and items read should not grow.

The searches go through the full-text index (docs/search.md): a word in 1 of 10,000 messages with and
without a total, a word in every message, two words in 1 of 100 each (both required), a word in 1 of
100, and a prefix of 4 letters. Their call-count targets are the issue's and fail `make bench`.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench import loader
from bench.api import Api, account, app_client, mailbox
from bench.harness import Meter, metering, moto
from bench.report import Row, table, verdict

DEFAULT_SIZES = (1_000, 10_000, 100_000)
SCAN_MEASURED = 10_000  # the largest size at which a whole-listing read would be measured (none left)
INDEXED = ("inbox newest first", "all mail", "unread", "flagged")
COLLAPSED = "inbox, collapseThreads (threads of 2)"
RARER = f"text '{loader.RARER_WORD}' (1 in 10,000), limit 50, no total"
RARER_TOTAL = f"text '{loader.RARER_WORD}' (1 in 10,000), calculateTotal"
FREQUENT = "text 'north' (every message), limit 50"
BOTH = f"text '{loader.RARE_WORD} {loader.PAIR_WORD}' (1 in 100 each, both required)"
RARE = f"text '{loader.RARE_WORD}' (1 in 100), limit 50"
RARE_TOTAL = f"text '{loader.RARE_WORD}' (1 in 100), calculateTotal"
PREFIX = f"text '{loader.RARE_WORD[:4]}' (prefix of 4 letters), limit 50"
SEARCHES = (RARER, RARER_TOTAL, FREQUENT, BOTH, RARE, RARE_TOTAL, PREFIX)
# (most DynamoDB calls, most items read or None) per search row, at every size (the targets).
SEARCH_TARGETS: dict[str, tuple[int, int | None]] = {
    RARER: (6, 200), RARER_TOTAL: (8, None), FREQUENT: (5, None), PREFIX: (10, None)}  # fmt: skip


@dataclass(frozen=True)
class Scaling:
    """Rows by (case, size), how long loading each size took, and which cells were extrapolated."""

    sizes: tuple[int, ...]
    rows: dict[tuple[str, int], Row]
    load_seconds: dict[int, float]
    extrapolated: frozenset[tuple[str, int]] = frozenset()

    def ok(self, case: str) -> bool | None:
        """Indexed views: same calls and items at every size. Searches: the issue's bounds, or none."""
        if case in SEARCH_TARGETS:
            calls, items = SEARCH_TARGETS[case]
            rows = [r.meter for (c, _), r in self.rows.items() if c == case]
            return all(m.ddb_calls <= calls and (items is None or m.items_read <= items) for m in rows)
        if case not in INDEXED:
            return None
        costs = {(r.meter.ddb_calls, r.meter.items_read, r.meter.s3_calls) for (c, _), r in self.rows.items()
                 if c == case}  # fmt: skip
        return len(costs) == 1 and next(iter(costs))[0] <= 4 and next(iter(costs))[2] == 0

    def missed(self) -> list[str]:
        return [f"scaling: {c}" for c in (*INDEXED, COLLAPSED, *SEARCHES) if self.ok(c) is False]


_NO_TARGET = {COLLAPSED: "- (one more page while threads repeat)",
              BOTH: "- (grows with the rarer word's matches)", RARE: "- (a page's worth)",
              RARE_TOTAL: "- (counted in the index)"}  # fmt: skip


def _target(case: str) -> str:
    if case in INDEXED:
        return "same at every size, ≤ 4 calls, 0 S3"
    if case in SEARCH_TARGETS:
        calls, items = SEARCH_TARGETS[case]
        return f"≤ {calls} calls" + (f", ≤ {items} items" if items else "") + " at every size"
    return _NO_TARGET.get(case, "-")


def _conditions(inbox: str) -> dict[str, dict[str, Any]]:
    return {
        "inbox newest first": {"inMailbox": inbox},
        "all mail": {},
        "unread": {"notKeyword": "$seen"},
        "flagged": {"hasKeyword": "$flagged"},
    }


def _measure(name: str, action: Any, api: Api) -> Row:
    api.call("Mailbox/get", ids=[])  # keeps the sign-in cache warm, so no row pays a password check
    began = time.perf_counter()
    with metering() as meter:
        action()
    return Row(name, meter, (time.perf_counter() - began) * 1000)


def _scaled(row: Row, factor: float) -> Row:
    """ROW's calls, items and capacity times FACTOR (no time): an extrapolation."""
    meter = Meter()
    meter.dynamodb = Counter({op: round(n * factor) for op, n in row.meter.dynamodb.items()})
    meter.read = Counter({op: round(n * factor) for op, n in row.meter.read.items()})
    meter.rcu = row.meter.rcu * factor
    return Row(row.name, meter, float("nan"))


def _print(text: str) -> None:
    print(text, flush=True)


def _search(words: str, total: bool) -> dict[str, Any]:
    return {"filter": {"text": words}, "limit": 50, "calculateTotal": total,
            "sort": [{"property": "receivedAt", "isAscending": False}]}  # fmt: skip


def run(sizes: tuple[int, ...] = DEFAULT_SIZES, *, log: Any = _print) -> Scaling:
    """Grow one inbox to each size in turn (loading only the difference) and measure every case."""
    rows: dict[tuple[str, int], Row] = {}
    loaded: dict[int, float] = {}
    extrapolated: set[tuple[str, int]] = set()
    with moto(), app_client() as client:
        account_id = account()
        api = Api(client, account_id)
        inbox = mailbox(account_id, "inbox")
        base = loader.template()
        have = 0
        for size in sorted(sizes):
            loaded[size] = loader.load(account_id, inbox, size - have, first=have, base=base)
            log(f"  loaded {size:,} messages ({loaded[size]:.1f} s for the {size - have:,} added)")
            have = size
            for case, condition in _conditions(inbox).items():
                rows[(case, size)] = _measure(case, lambda c=condition: api.open_view(c, collapse=False), api)
                log(f"    {case} at {size:,}: {_cell(rows[(case, size)])}")
            rows[(COLLAPSED, size)] = _measure(COLLAPSED, lambda: api.open_view({"inMailbox": inbox}), api)
            rare, pair, rarer = loader.RARE_WORD, loader.PAIR_WORD, loader.RARER_WORD
            searches = {RARER: _search(rarer, False), RARER_TOTAL: _search(rarer, True),
                        FREQUENT: _search("north", False), BOTH: _search(f"{rare} {pair}", False),
                        RARE: _search(rare, False), RARE_TOTAL: _search(rare, True),
                        PREFIX: _search(rare[:4], False)}  # fmt: skip
            for case, args in searches.items():
                rows[(case, size)] = _measure(case, lambda a=args: api.call("Email/query", **a), api)
                log(f"    {case} at {size:,}: {_cell(rows[(case, size)])}")
    return Scaling(tuple(sorted(sizes)), rows, loaded, frozenset(extrapolated))


def _cell(row: Row, estimate: bool = False) -> str:
    meter = row.meter
    if estimate:
        return f"≈ {meter.ddb_calls} / {meter.items_read} / {meter.rcu:.0f} / - / - (extrapolated)"
    return f"{meter.ddb_calls} / {meter.items_read} / {meter.rcu:g} / {meter.s3_calls} / {row.ms:.0f}"


def scaling_table(result: Scaling) -> str:
    """One line per case: `calls / items read / RCU≈ / ms` per size, the ratio largest/smallest."""
    small, large = result.sizes[0], result.sizes[-1]
    headers = ["Case", *(f"{s:,}: calls / items / RCU≈ / S3 / ms" for s in result.sizes),
               f"{large:,}/{small:,} calls, items", "Target", "Met"]  # fmt: skip
    body = []
    for case in (*INDEXED, COLLAPSED, *SEARCHES):
        cells = [_cell(result.rows[(case, s)], (case, s) in result.extrapolated) for s in result.sizes]
        a, b = result.rows[(case, small)].meter, result.rows[(case, large)].meter
        ratio = f"{b.ddb_calls / max(1, a.ddb_calls):.1f}x, {b.items_read / max(1, a.items_read):.1f}x"
        target = _target(case)
        body.append([case, *cells, ratio, target, verdict(result.ok(case))])
    loads = [f"{s:,}: {result.load_seconds[s]:.1f} s" for s in result.sizes]
    note = ""
    if result.extrapolated:
        note = (
            f"\n\n≈: extrapolated linearly from {SCAN_MEASURED:,} messages (moto answers a whole-listing "
            "read in O(n²) time; DynamoDB reads it at one call per MB)."
        )
    loading = "\n\nLoading (only the messages added for each size): " + ", ".join(loads)
    return table(headers, body) + note + loading
