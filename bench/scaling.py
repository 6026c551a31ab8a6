"""Indexed views and text search at growing mailbox sizes: calls and items read should not grow."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bench import loader
from bench.api import Api, account, app_client, mailbox
from bench.harness import Meter, metering, moto
from bench.report import Row, table, verdict

DEFAULT_SIZES = (1_000, 10_000, 100_000)
INDEXED = ("inbox newest first", "all mail", "unread", "flagged")
COLLAPSED = "inbox, collapseThreads (threads of 2)"
SEARCH = f"text search '{loader.RARE_WORD}' (Email/query limit 50)"


@dataclass(frozen=True)
class Scaling:
    """Rows by (case, size), how long loading each size took, and which cases kept their cost."""

    sizes: tuple[int, ...]
    rows: dict[tuple[str, int], Row]
    load_seconds: dict[int, float]

    def ok(self, case: str) -> bool | None:
        """Indexed views: same calls and items at every size. Search: no target (it scans)."""
        if case not in INDEXED:
            return None
        costs = {(r.meter.ddb_calls, r.meter.items_read, r.meter.s3_calls) for (c, _), r in self.rows.items()
                 if c == case}  # fmt: skip
        return len(costs) == 1 and next(iter(costs))[0] <= 4 and next(iter(costs))[2] == 0

    def missed(self) -> list[str]:
        return [f"scaling: {c}" for c in (*INDEXED, COLLAPSED, SEARCH) if self.ok(c) is False]


_NO_TARGET = {COLLAPSED: "- (one more page while threads repeat)", SEARCH: "- (scans the listing)"}


def _conditions(inbox: str) -> dict[str, dict[str, Any]]:
    return {
        "inbox newest first": {"inMailbox": inbox},
        "all mail": {},
        "unread": {"notKeyword": "$seen"},
        "flagged": {"hasKeyword": "$flagged"},
    }


def _measure(name: str, action: Any) -> Row:
    began = time.perf_counter()
    with metering() as meter:
        action()
    return Row(name, meter, (time.perf_counter() - began) * 1000)


def _print(text: str) -> None:
    print(text, flush=True)


def run(sizes: tuple[int, ...] = DEFAULT_SIZES, *, log: Any = _print) -> Scaling:
    """Grow one inbox to each size in turn (loading only the difference) and measure every case."""
    rows: dict[tuple[str, int], Row] = {}
    loaded: dict[int, float] = {}
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
            api.open_view({"inMailbox": inbox})  # warm: sign-in is cached after the first request
            for case, condition in _conditions(inbox).items():
                rows[(case, size)] = _measure(case, lambda c=condition: api.open_view(c, collapse=False))
                log(f"    {case} at {size:,}: {_cell(rows[(case, size)].meter, rows[(case, size)].ms)}")
            rows[(COLLAPSED, size)] = _measure(COLLAPSED, lambda: api.open_view({"inMailbox": inbox}))
            search: dict[str, Any] = {"filter": {"text": loader.RARE_WORD}, "limit": 50,
                      "sort": [{"property": "receivedAt", "isAscending": False}]}  # fmt: skip
            rows[(SEARCH, size)] = _measure(SEARCH, lambda s=search: api.call("Email/query", **s))
            log(f"    {SEARCH} at {size:,}: {_cell(rows[(SEARCH, size)].meter, rows[(SEARCH, size)].ms)}")
    return Scaling(tuple(sorted(sizes)), rows, loaded)


def _cell(meter: Meter, ms: float) -> str:
    return f"{meter.ddb_calls} / {meter.items_read} / {meter.rcu:g} / {ms:.0f}"


def scaling_table(result: Scaling) -> str:
    """One line per case: `calls / items read / RCU≈ / ms` per size, the ratio largest/smallest."""
    small, large = result.sizes[0], result.sizes[-1]
    headers = ["Case", *(f"{s:,}: calls / items / RCU≈ / ms" for s in result.sizes),
               f"{large:,}/{small:,} calls, items", "Target", "Met"]  # fmt: skip
    body = []
    for case in (*INDEXED, COLLAPSED, SEARCH):
        cells = [_cell(result.rows[(case, s)].meter, result.rows[(case, s)].ms) for s in result.sizes]
        a, b = result.rows[(case, small)].meter, result.rows[(case, large)].meter
        ratio = f"{b.ddb_calls / max(1, a.ddb_calls):.1f}x, {b.items_read / max(1, a.items_read):.1f}x"
        target = "same at every size, ≤ 4 calls, 0 S3" if case in INDEXED else _NO_TARGET.get(case, "-")
        body.append([case, *cells, ratio, target, verdict(result.ok(case))])
    loads = [f"{s:,}: {result.load_seconds[s]:.1f} s" for s in result.sizes]
    return table(headers, body) + "\n\nLoading (only the messages added for each size): " + ", ".join(loads)
