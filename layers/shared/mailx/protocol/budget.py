"""Bounded JSON size: how many octets a value would serialise to, giving up past a limit.

Result references alias earlier responses (RFC 8620 §3.7), so a small request can name a value whose
JSON is exponentially larger than its memory. Measuring it by serialising would build that text;
this walk stops as soon as the running total passes the limit, so it costs at most `limit` steps.
"""

from __future__ import annotations

import json
from typing import Any

_ESCAPES = ('"', "\\")


def _str_size(text: str) -> int:
    if text.isascii() and text.isprintable():
        return len(text) + 2 + sum(text.count(char) for char in _ESCAPES)
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def json_size_within(value: Any, limit: int) -> int | None:
    """The JSON size of VALUE in octets, or None once it is known to exceed LIMIT."""
    total = 0
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += _str_size(item)
        elif isinstance(item, dict):
            total += 1 + max(len(item), 1)  # braces, colons and commas
            for key, sub in item.items():
                total += _str_size(str(key))
                stack.append(sub)
        elif isinstance(item, (list, tuple)):
            total += 1 + max(len(item), 1)
            stack.extend(item)
        elif item is None or isinstance(item, bool):
            total += 5
        else:
            total += len(repr(item)) if isinstance(item, (int, float)) else 16
        if total > limit:
            return None
    return total
