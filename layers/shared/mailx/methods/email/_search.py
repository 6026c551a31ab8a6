"""RFC 8621 §4.4.1 `header` matching and §5 highlighting (SearchSnippet).

The text conditions (text, from, to, cc, bcc, subject, body) match whole words through the full-text
index (mailx.search.query, docs/search.md). `header` keeps substring matching: case-insensitive
(Unicode case folding); text in single or double quotes is one phrase (backslash escapes ' " \\
inside it); outside quotes white space separates tokens that must all be present.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from mailx.mime.headers import as_text
from mailx.search.query import TextQuery, highlight_spans, pieces

_HEADER_LINE = re.compile(r"\r?\n(?![ \t])")
SNIPPET_LENGTH = 200


def terms(query: str) -> list[str]:
    """The query's tokens and phrases, case-folded; an empty query has none (and matches everything)."""
    return [text.casefold() for text, _ in pieces(query) if text.strip()]


def matches(query_terms: Sequence[str], fields: Iterable[str]) -> bool:
    """Every term appears in one of the fields (case-insensitively)."""
    haystack = "\n".join(f.casefold() for f in fields if f)
    return all(term in haystack for term in query_terms)


def headers(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The message's header fields as (lower-case name, decoded text value)."""
    block = str(summary.get("headerBlock") or "")
    out = []
    for line in _HEADER_LINE.split(block):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out.append((name.strip().lower(), as_text(value)))
    return out


def highlight(text: str, queries: Sequence[TextQuery]) -> str | None:
    """TEXT HTML-escaped with each matching word in <mark></mark>; None when nothing matches."""
    spans = highlight_spans(queries, text)
    if not spans:
        return None
    return _marked(text, spans)


def _marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, at = [], 0
    for start, end in spans:
        out.append(html.escape(text[at:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        at = end
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def fragment(text: str, queries: Sequence[TextQuery], length: int = SNIPPET_LENGTH) -> str | None:
    """A highlighted piece of body TEXT around its first match (white space collapsed); None if none.

    The whole text is searched, however long; only the piece around the first match is returned."""
    flat = " ".join(text.split())
    spans = highlight_spans(queries, flat)
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - length // 4)
    if start > 0:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = start + length
    piece = flat[start:end]
    inside = [(max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start]
    marked = _marked(piece, inside)
    return ("…" if start > 0 else "") + marked + ("…" if end < len(flat) else "")
