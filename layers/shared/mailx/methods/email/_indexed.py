"""RFC 8621 §4.4: the Email/query shapes an index answers, at a cost growing with the page, not the mailbox.

Served by index: newest first (receivedAt descending, or no sort), filtered by nothing, `inMailbox`,
`notKeyword: $seen`, `hasKeyword: $flagged`, or `inMailbox` with one of those two (as one condition or
an AND of conditions), with or without collapseThreads, from a non-negative position without anchor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from mailx.methods.email import _sorts
from mailx.protocol.query_filter import Comparator, Filter, FilterOperator
from mailx.store import email_index
from mailx.store.email_index import Row, View

_FLAGS = {("notKeyword", "$seen"): "unseen", ("hasKeyword", "$flagged"): "flagged"}


def _flatten(filter_: Filter | None) -> dict[str, Any] | None:
    """One condition equivalent to the filter when it is a plain AND of conditions; None otherwise."""
    if filter_ is None:
        return {}
    if not isinstance(filter_, FilterOperator):
        return dict(filter_)
    if filter_.operator != "AND":
        return None
    merged: dict[str, Any] = {}
    for item in filter_.conditions:
        flat = _flatten(item)
        if flat is None or set(flat) & set(merged):
            return None
        merged.update(flat)
    return merged


def view_for(
    filter_: Filter | None, sort: Sequence[Comparator], anchor: str | None, position: int
) -> View | None:
    """The index view that answers this query exactly, or None when it needs the listing data."""
    if anchor is not None or position < 0 or not _sorts.is_newest_first(sort):
        return None
    condition = _flatten(filter_)
    if condition is None:
        return None
    mailbox_id = condition.pop("inMailbox", None)
    flags = [
        _FLAGS.get((name, value)) if isinstance(value, str) else None for name, value in condition.items()
    ]
    if len(flags) > 1 or None in flags:
        return None
    return View(mailbox_id, flags[0] if flags else None)


def _rows(account_id: str, view: View, page_size: int, collapse: bool) -> Iterator[Row]:
    seen: set[str] = set()
    for row in email_index.newest(account_id, view, page_size):
        if collapse:
            if row.thread_id in seen:
                continue
            seen.add(row.thread_id)
        yield row


def page(account_id: str, view: View, position: int, limit: int, collapse: bool) -> list[str]:
    """The ids at [position, position+limit) of the view: reads position+limit rows (more if collapsing)."""
    want = position + limit
    if limit == 0:
        return []
    ids: list[str] = []
    # One Query of exactly `want` items; when collapsing repeats threads, further pages of that size.
    for row in _rows(account_id, view, want, collapse):
        ids.append(row.email_id)
        if len(ids) >= want:
            break
    return ids[position:]


def prefix_until(account_id: str, view: View, up_to_id: str, collapse: bool) -> list[str] | None:
    """The view's ids up to and including UP_TO_ID (None if it is not in the view)."""
    ids: list[str] = []
    for row in _rows(account_id, view, 50, collapse):
        ids.append(row.email_id)
        if row.email_id == up_to_id:
            return ids
    return None


def all_ids(account_id: str, view: View, collapse: bool) -> list[str]:
    """Every id of the view in order (reads the whole view: small items, ~10,000 per call)."""
    return [row.email_id for row in _rows(account_id, view, 1000, collapse)]


def total(account_id: str, view: View, collapse: bool) -> int:
    """calculateTotal: the mailbox counters for a plain mailbox (RFC 8621 §4.4's fast total), else a count.

    unreadEmails/unreadThreads also exclude `$draft`, so they are not the total of `notKeyword: $seen`;
    those views are counted (Select=COUNT, or their thread ids when collapsed) instead.
    """
    if view.mailbox_id is not None and view.flag is None:
        counts = email_index.mailbox_counts(account_id, view.mailbox_id)
        return counts[1] if collapse else counts[0]
    if not collapse:
        return email_index.count(account_id, view)
    return len({row.thread_id for row in email_index.newest(account_id, view, 1000)})
