"""RFC 8621 §4.4.2: the Email sort properties, their values, and the default order.

Ties on every comparator keep the base order: newest receivedAt first, then higher id first — the
order the indexed views return, so an indexed and an in-memory answer to the same query agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mailx.methods.email._filters import Matcher
from mailx.methods.email._keywords import is_keyword
from mailx.mime import base_subject
from mailx.protocol.query_filter import Comparator, sort_records
from mailx.protocol.validate import invalid
from mailx.store.emails import EmailRecord

SORTABLE = ("receivedAt", "sentAt", "size", "from", "to", "subject", "hasKeyword",
            "allInThreadHaveKeyword", "someInThreadHaveKeyword")  # fmt: skip
KEYWORD_SORTS = frozenset({"hasKeyword", "allInThreadHaveKeyword", "someInThreadHaveKeyword"})
SUMMARY_SORTS = frozenset({"sentAt", "from", "to", "subject"})
THREAD_SORTS = frozenset({"allInThreadHaveKeyword", "someInThreadHaveKeyword"})
DEFAULT_SORT = [Comparator("receivedAt", is_ascending=False)]


def check(sort: Sequence[Comparator]) -> list[Comparator]:
    """Keyword sorts need a valid `keyword` (lower-cased here); no sort means newest first."""
    checked = []
    for comparator in sort:
        if comparator.property in KEYWORD_SORTS:
            if not is_keyword(comparator.keyword):
                raise invalid(f"a {comparator.property!r} comparator needs a valid 'keyword'")
            keyword = (comparator.keyword or "").lower()
            comparator = Comparator(
                comparator.property, comparator.is_ascending, comparator.collation, keyword
            )
        checked.append(comparator)
    return checked or list(DEFAULT_SORT)


def _first_address(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return str(value[0].get("name") or value[0].get("email") or "")
    return ""


def _sent_at(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def value_of(record: EmailRecord, comparator: Comparator, matcher: Matcher) -> Any:
    """The value a comparator sorts RECORD by."""
    name = comparator.property
    if name == "receivedAt":
        return record.received_at
    if name == "size":
        return record.size
    if name == "sentAt":
        return _sent_at(record.summary.get("sentAt"))
    if name in ("from", "to"):
        return _first_address(record.summary.get(name))
    if name == "subject":
        return base_subject(str(record.summary.get("subject") or ""))
    keyword = comparator.keyword or ""
    if name == "hasKeyword":
        return keyword in record.keywords
    having = [keyword in words for words in matcher.thread_keywords(record)]
    return all(having) if name == "allInThreadHaveKeyword" else any(having)


def sort(
    records: Sequence[EmailRecord], comparators: Sequence[Comparator], matcher: Matcher
) -> list[EmailRecord]:
    """RECORDS in query order (stable over the base order, newest first)."""
    base = sorted(records, key=lambda r: (r.received_at, r.email_id), reverse=True)
    return sort_records(base, comparators, lambda r, c: value_of(r, c, matcher))


def is_newest_first(comparators: Sequence[Comparator]) -> bool:
    """The order the indexed views serve: receivedAt descending (ties by id, also descending)."""
    return (
        len(comparators) == 1 and comparators[0].property == "receivedAt" and not comparators[0].is_ascending
    )
