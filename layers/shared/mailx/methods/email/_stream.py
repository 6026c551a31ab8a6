"""RFC 8621 §4.4 Email/query without a total: filter the newest Emails first and stop when the page is full.

With the default order (newest first), a non-negative position, no anchor and `calculateTotal` false
(RFC 8620 §5.5 lets the server skip the total), the first `position + limit` matches are all the answer
needs. They are found by walking the narrowest index view that holds every possible match (`all`, a
mailbox, or its unseen/flagged part) newest first, 100 Emails at a time: one BatchGetItem for their
listing data and, for `text`/`body`, one for their search texts. A search that matches often reads a
page's worth; one that matches rarely is no better than a scan, and BatchGetItem bills each item whole
(about 3x a paged Query of the same items), so once the observed match rate says the rest of the page
would cost more than reading the whole view, the walk gives up and the caller scans. See docs/search.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from mailx.methods.email._filters import Matcher
from mailx.protocol.query_filter import Filter, FilterOperator, evaluate
from mailx.protocol.standard_query import QueryArgs
from mailx.store import email_index, emails, mailboxes
from mailx.store.email_index import Row, View

BATCH = 100  # Emails per BatchGetItem
VIEW_PAGE = 100  # view rows in the first Query; each next one doubles, up to 1000
FIRST_LOOK = 100  # Emails filtered before the match rate is trusted
SCAN_ADVANTAGE = 3  # a paged Query reads about 3 Emails for the capacity BatchGetItem spends on one
_FLAGS = {("notKeyword", "$seen"): "unseen", ("hasKeyword", "$flagged"): "flagged"}


def candidate_view(filter_: Filter | None) -> View:
    """The smallest index view that holds every Email FILTER can match (`all` at worst)."""
    if isinstance(filter_, FilterOperator):
        required = [c for c in filter_.conditions if not isinstance(c, FilterOperator)]
        if filter_.operator != "AND":
            required = []
    else:
        required = [] if filter_ is None else [filter_]
    mailbox_id: str | None = None
    flag: str | None = None
    for condition in required:
        box = condition.get("inMailbox")
        mailbox_id = box if isinstance(box, str) and mailbox_id is None else mailbox_id
        for name, value in condition.items():
            if isinstance(value, str) and (name, value) in _FLAGS and flag is None:
                flag = _FLAGS[(name, value)]
    return View(mailbox_id, flag)


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _view_size(account_id: str, view: View) -> int:
    """An upper bound on the view's Emails from the mailbox counters (one Query of the mailboxes)."""
    boxes = mailboxes.list_all(account_id)
    if view.mailbox_id is not None:
        return sum(b.total_emails for b in boxes if b.mailbox_id == view.mailbox_id)
    return sum(b.total_emails for b in boxes)


class _Walk:
    """The walk's tally, and the judgement whether finishing it beats a scan."""

    def __init__(self, account_id: str, view: View, want: int) -> None:
        self.account_id = account_id
        self.view = view
        self.want = want
        self.examined = 0
        self.size: int | None = None

    def worth_going_on(self, matched: int) -> bool:
        if self.examined < FIRST_LOOK:
            return True
        if self.size is None:
            self.size = _view_size(self.account_id, self.view)
        projected = (self.want - matched) * (self.examined + 1) / (matched + 1)
        return projected * SCAN_ADVANTAGE <= max(0, self.size - self.examined)


def first_matches(
    account_id: str, filter_: Filter | None, want: int, *, collapse: bool, summary: bool, text: bool
) -> list[str] | None:
    """The first WANT result ids newest first (fewer if the results end), or None: scan instead."""
    view = candidate_view(filter_)
    walk = _Walk(account_id, view, want)
    ids: list[str] = []
    threads: set[str] = set()
    for rows in _batches(email_index.newest_growing(account_id, view, VIEW_PAGE)):
        found = emails.get_many(account_id, [r.email_id for r in rows], with_summary=summary)
        texts = email_index.texts(account_id, [e.blob_id for e in found.values()]) if text else {}
        matcher = Matcher(texts=texts)
        for row in rows:
            record = found.get(row.email_id)
            if record is None or (collapse and record.thread_id in threads):
                continue
            if evaluate(filter_, lambda c, r=record, m=matcher: m.matches(r, c)):  # type: ignore[misc]
                ids.append(record.email_id)
                threads.add(record.thread_id)
                if len(ids) >= want:
                    return ids
        walk.examined += len(rows)
        if not walk.worth_going_on(len(ids)):
            return None
    return ids


def streamable(sort_is_newest: bool, args: QueryArgs, thread_conditions: bool) -> bool:
    """Whether the walk can answer: newest first, position >= 0, no anchor, no total, no thread filter."""
    return (
        sort_is_newest
        and args.anchor is None
        and args.position >= 0
        and not args.calculate_total
        and not thread_conditions
    )
