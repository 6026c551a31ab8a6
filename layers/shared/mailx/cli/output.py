"""Human-readable rendering of the management API's answers (`--json` prints them unchanged)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Output:
    """What a command produced: the wire data for --json and the text for people."""

    data: Any
    text: str


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns; an empty table still shows its headings."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [headers, *rows]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def _when(epoch: Any) -> str:
    if not isinstance(epoch, int | float) or not epoch:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def account(data: dict[str, Any]) -> str:
    pairs = [
        ("account id", str(data.get("accountId", ""))),
        ("username", str(data.get("username", ""))),
        ("name", str(data.get("name", ""))),
        ("status", "disabled" if data.get("disabled") else "enabled"),
        ("addresses", ", ".join(data.get("addresses") or []) or "-"),
        ("created", _when(data.get("createdAt"))),
    ]
    return "\n".join(f"{label:<11} {value}" for label, value in pairs)


def accounts(items: list[dict[str, Any]]) -> str:
    rows = [
        [
            str(a.get("accountId", "")),
            str(a.get("username", "")),
            "disabled" if a.get("disabled") else "enabled",
            ", ".join(a.get("addresses") or []) or "-",
        ]
        for a in items
    ]
    return table(["ACCOUNT ID", "USERNAME", "STATUS", "ADDRESSES"], rows)


def domains(items: list[dict[str, Any]]) -> str:
    rows = [
        [
            str(d.get("domain", "")),
            str(d.get("source", "")),
            str(d.get("postmasterAccountId") or "-"),
            str(d.get("catchAllAccountId") or "-"),
        ]
        for d in items
    ]
    return table(["DOMAIN", "SOURCE", "POSTMASTER", "CATCH-ALL"], rows)


def config(values: dict[str, dict[str, str]]) -> str:
    rows = [
        [
            key,
            entry.get("value", ""),
            entry.get("source", ""),
            "yes" if entry.get("mutable") == "true" else "no",
        ]
        for key, entry in sorted(values.items())
    ]
    return table(["KEY", "VALUE", "SOURCE", "SETTABLE"], rows)
