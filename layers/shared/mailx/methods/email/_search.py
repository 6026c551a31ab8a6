"""RFC 8621 §4.4.1 String matching (text, from, to, cc, bcc, subject, body, header) and §5 highlighting.

Semantics (docs/search.md): case-insensitive (Unicode case folding); text in single or double quotes is
one phrase (backslash escapes ' " \\ inside it); outside quotes white space separates tokens that must
all be present; a token or phrase matches as a substring (no stemming).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from mailx.mime.headers import as_text

_HEADER_LINE = re.compile(r"\r?\n(?![ \t])")
SNIPPET_LENGTH = 200


def terms(query: str) -> list[str]:
    """The query's tokens and phrases, case-folded; an empty query has none (and matches everything)."""
    out: list[str] = []
    current: list[str] = []
    quote: str | None = None
    chars = iter(query)
    for ch in chars:
        if quote is not None:
            if ch == "\\":
                current.append(next(chars, ""))
            elif ch == quote:
                out.append("".join(current))
                current, quote = [], None
            else:
                current.append(ch)
        elif ch in "'\"":
            if current:
                out.append("".join(current))
            current, quote = [], ch
        elif ch.isspace():
            if current:
                out.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        out.append("".join(current))
    return [t.casefold() for t in out if t.strip()]


def matches(query_terms: Sequence[str], fields: Iterable[str]) -> bool:
    """Every term appears in one of the fields (case-insensitively)."""
    haystack = "\n".join(f.casefold() for f in fields if f)
    return all(term in haystack for term in query_terms)


def addresses_text(value: Any) -> str:
    """An address list (as Email/get shows it) as searchable text: `name <email>`, comma separated."""
    if not isinstance(value, list):
        return ""
    parts = []
    for address in value:
        if isinstance(address, dict):
            name, email = address.get("name") or "", address.get("email") or ""
            parts.append(f"{name} <{email}>" if name else email)
    return ", ".join(parts)


def headers(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The message's header fields as (lower-case name, decoded text value)."""
    block = str(summary.get("headerBlock") or "")
    out = []
    for line in _HEADER_LINE.split(block):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out.append((name.strip().lower(), as_text(value)))
    return out


def _spans(text: str, query_terms: Sequence[str]) -> list[tuple[int, int]]:
    # Case folding can change lengths (ß → ss); where it does, positions are searched in lower().
    folded = text.casefold() if len(text.casefold()) == len(text) else text.lower()
    spans = []
    for term in query_terms:
        start = folded.find(term)
        while term and start >= 0:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, query_terms: Sequence[str]) -> str | None:
    """TEXT HTML-escaped with each match in <mark></mark>; None when nothing matches."""
    spans = _spans(text, query_terms)
    if not spans:
        return None
    out, at = [], 0
    for start, end in spans:
        out.append(html.escape(text[at:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        at = end
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def fragment(text: str, query_terms: Sequence[str], length: int = SNIPPET_LENGTH) -> str | None:
    """A highlighted piece of body TEXT around its first match (white space collapsed); None if none."""
    flat = " ".join(text.split())
    spans = _spans(flat, query_terms)
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - length // 4)
    if start > 0:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    piece = flat[start : start + length]
    marked = highlight(piece, query_terms) or html.escape(piece, quote=False)
    return ("…" if start > 0 else "") + marked + ("…" if start + length < len(flat) else "")
