"""Result rows and the printed tables: every figure with its target, and which call targets were missed."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from bench.harness import Meter


@dataclass(frozen=True)
class Row:
    """One measured case; `ok` is None when it has no call-count target."""

    name: str
    meter: Meter
    ms: float
    target: str = "-"
    ok: bool | None = None
    log_bytes: int | None = None  # what a Lambda handler wrote to its logs (Lambda rows only)


def ops(counts: Counter[str]) -> str:
    """`Query 2, GetItem 1` in a fixed order (most calls first, then by name)."""
    if not counts:
        return "-"
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def percentile(values: list[float], p: float) -> float:
    """The P-th percentile (0-100) by nearest rank: the smallest value with at least P% at or below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(p / 100 * len(ordered)))) - 1]


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "MISSED")


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-style Markdown table (pastes straight into docs/performance.md)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def calls_table(rows: list[Row]) -> str:
    """Per JMAP method: calls by operation, items, estimated capacity, S3, time, target."""
    headers = ["Case", "DynamoDB calls", "Items read", "Items written", "RCU≈", "WCU≈", "CU moto",
               "S3 calls", "Other", "Log bytes", "ms", "Target", "Met"]  # fmt: skip
    body = [
        [r.name, f"{r.meter.ddb_calls} ({ops(r.meter.dynamodb)})", str(r.meter.items_read),
         str(r.meter.written), f"{r.meter.rcu:g}", f"{r.meter.wcu:g}", f"{r.meter.reported:g}",
         f"{r.meter.s3_calls} ({ops(r.meter.s3)})", ops(r.meter.other),
         "-" if r.log_bytes is None else str(r.log_bytes), f"{r.ms:.0f}", r.target, verdict(r.ok)]
        for r in rows
    ]  # fmt: skip
    return table(headers, body)


def missed(rows: list[Row]) -> list[str]:
    """Names of the rows whose call-count target was missed."""
    return [r.name for r in rows if r.ok is False]
