"""RFC 8621 §4.4 (RFC 8620 §5.5): Email/query — by index for the webmail views, else over the listing data.

The views _indexed.py names cost a Query of position+limit small items. A filter bounded by text
conditions is answered from the full-text index (_fulltext.py). Without a total, newest first,
other filters walk an index view until the page is full (_stream.py). Every other filter or sort
reads the account's listing data (a paged Query on the emails partition projecting only the metadata,
plus the summary when a header, attachment or sort needs it, plus the search texts for `text`/`body`)
and filters and sorts in memory. See docs/search.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mailx.methods.email import _filters, _fulltext, _indexed, _sorts, _stream
from mailx.methods.email._filters import Matcher
from mailx.protocol.context import CallContext
from mailx.protocol.query_filter import Comparator, Filter, evaluate
from mailx.protocol.standard_query import QueryArgs, QueryWindow, parse_query, query_response, window
from mailx.protocol.validate import opt_bool
from mailx.store import email_index, email_reads
from mailx.store.emails import EmailRecord

MAX_LIMIT = 1000  # a larger or absent limit is clamped and reported (RFC 8620 §5.5)


@dataclass(frozen=True)
class Needs:
    """What of the listing data a filter and sort read."""

    summary: bool
    text: bool
    threads: bool


def needs(filter_: Filter | None, sort: Sequence[Comparator]) -> Needs:
    names = {name for condition in _filters.conditions(filter_) for name in condition}
    props = {c.property for c in sort}
    return Needs(
        summary=bool(names & _filters.SUMMARY_CONDITIONS or props & _sorts.SUMMARY_SORTS),
        text=bool(names & {"text", "body"}),
        threads=bool(names & _filters.THREAD_CONDITIONS or props & _sorts.THREAD_SORTS),
    )


def _matcher(account_id: str, records: Sequence[EmailRecord], wanted: Needs) -> Matcher:
    threads: dict[str, list[frozenset[str]]] = {}
    if wanted.threads:
        for record in records:
            threads.setdefault(record.thread_id, []).append(frozenset(record.keywords))
    texts = email_index.all_texts(account_id) if wanted.text else {}
    return Matcher(threads=threads, texts=texts)


def collapse_ids(records: Sequence[EmailRecord], collapse: bool) -> list[str]:
    """Ids in order; with COLLAPSE only the first Email of each thread (RFC 8621 §4.4.3)."""
    if not collapse:
        return [r.email_id for r in records]
    seen: set[str] = set()
    out = []
    for record in records:
        if record.thread_id not in seen:
            seen.add(record.thread_id)
            out.append(record.email_id)
    return out


def full_results(
    account_id: str, filter_: Filter | None, sort: Sequence[Comparator], collapse: bool
) -> list[str]:
    """Every id of the result list: from the full-text index when it bounds the results, else from the
    listing data (the path for whatever no index serves)."""
    wanted = needs(filter_, sort)
    if _fulltext.answers(filter_) and not wanted.threads:
        found = _fulltext.matches(account_id, filter_, summary=wanted.summary)
        return collapse_ids(_sorts.sort(found, sort, Matcher()), collapse)
    records = email_reads.listing(account_id, with_summary=wanted.summary)
    matcher = _matcher(account_id, records, wanted)
    matched = [r for r in records if evaluate(filter_, lambda c, r=r: matcher.matches(r, c))]  # type: ignore[misc]
    return collapse_ids(_sorts.sort(matched, sort, matcher), collapse)


def parse(call: CallContext, args: dict[str, Any]) -> tuple[QueryArgs, list[Comparator], bool]:
    """The standard arguments, the checked sort (default newest first) and collapseThreads."""
    parsed = parse_query(
        args, call, parse_condition=_filters.condition_parser(call), sortable=_sorts.SORTABLE
    )
    return parsed, _sorts.check(parsed.sort), opt_bool(args, "collapseThreads", False)


def _indexed_window(parsed: QueryArgs, view: email_index.View, collapse: bool) -> QueryWindow:
    limit, clamped = parsed.limit, None
    if limit is None or limit > MAX_LIMIT:
        limit = clamped = MAX_LIMIT
    ids = _indexed.page(parsed.account_id, view, parsed.position, limit, collapse)
    total = _indexed.total(parsed.account_id, view, collapse) if parsed.calculate_total else 0
    return QueryWindow(ids=ids, position=parsed.position, total=total, limit=clamped)


def email_query(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Email/query; the queryState is the Email state, read before the data it describes."""
    parsed, sort, collapse = parse(call, args)
    state = call.services.state(parsed.account_id, "Email")
    view = _indexed.view_for(parsed.filter, sort, parsed.anchor, parsed.position)
    if view is not None:
        cut = _indexed_window(parsed, view, collapse)
    elif _fulltext.answers(parsed.filter) and not needs(parsed.filter, sort).threads:
        cut = _fulltext_window(parsed, sort, collapse)
    else:
        cut = _streamed_window(parsed, sort, collapse) or _scanned_window(parsed, sort, collapse)
    return query_response(parsed, cut, state, can_calculate_changes=True)


def _fulltext_window(parsed: QueryArgs, sort: Sequence[Comparator], collapse: bool) -> QueryWindow:
    """The full-text index's answer: a page newest first, or every match sorted (docs/search.md)."""
    if _sorts.is_newest_first(sort) and parsed.anchor is None and parsed.position >= 0:
        limit, clamped = parsed.limit, None
        if limit is None or limit > MAX_LIMIT:
            limit = clamped = MAX_LIMIT
        found = _fulltext.page(parsed.account_id, parsed.filter, parsed.position, limit, collapse=collapse,
                               total=parsed.calculate_total)  # fmt: skip
        return QueryWindow(ids=found.ids, position=parsed.position, total=found.total or 0, limit=clamped)
    return _scanned_window(parsed, sort, collapse)


def _scanned_window(parsed: QueryArgs, sort: Sequence[Comparator], collapse: bool) -> QueryWindow:
    ids = full_results(parsed.account_id, parsed.filter, sort, collapse)
    args = (parsed.position, parsed.anchor, parsed.anchor_offset, parsed.limit)
    return window(ids, *args, max_limit=MAX_LIMIT)


def _streamed_window(parsed: QueryArgs, sort: Sequence[Comparator], collapse: bool) -> QueryWindow | None:
    """The page from a newest-first walk that stops when it is full (_stream.py); None: scan instead."""
    wanted = needs(parsed.filter, sort)
    if not _stream.streamable(_sorts.is_newest_first(sort), parsed, wanted.threads):
        return None
    limit, clamped = parsed.limit, None
    if limit is None or limit > MAX_LIMIT:
        limit = clamped = MAX_LIMIT
    if limit == 0:
        return QueryWindow(ids=[], position=parsed.position, total=0, limit=clamped)
    ids = _stream.first_matches(parsed.account_id, parsed.filter, parsed.position + limit, collapse=collapse,
                               summary=wanted.summary, text=wanted.text)  # fmt: skip
    if ids is None:
        return None
    return QueryWindow(ids=ids[parsed.position :], position=parsed.position, total=0, limit=clamped)
