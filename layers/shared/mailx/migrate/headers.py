"""Just enough header reading for the importer: a few top-level fields of a message, unfolded."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

_END = re.compile(rb"\r?\n\r?\n")
_FOLD = re.compile(r"\r?\n[ \t]+")


def fields(raw: bytes, names: frozenset[str]) -> dict[str, str]:
    """The first value of each named field (lower-case names) in the header section."""
    end = _END.search(raw)
    head = raw[: end.start() if end else len(raw)].decode("utf-8", "replace")
    found: dict[str, str] = {}
    for line in _FOLD.sub(" ", head).splitlines():
        name, colon, value = line.partition(":")
        key = name.strip().lower()
        if colon and key in names and key not in found:
            found[key] = value.strip()
    return found


def decoded(value: str) -> str:
    """An RFC 2047 encoded-word value as text (Takeout encodes non-ASCII labels so)."""
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return value


def date_of(raw: bytes) -> datetime | None:
    """The Date field, if it parses."""
    value = fields(raw, frozenset({"date"})).get("date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
