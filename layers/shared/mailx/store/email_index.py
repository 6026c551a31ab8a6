"""The listing views Email/query serves by index (RFC 8621 §4.4), and the search text of each message.

A view is one partition of `emailindex` (or, for a plain mailbox, of `memberships`) sorted by
`{receivedAt}#{emailId}`, so the newest page is one Query with ScanIndexForward=false whatever the
mailbox size. Views: `all` (every Email), and `unseen` (no `$seen`) and `flagged` (`$flagged`) both
account-wide and per mailbox. They are sparse: an Email is in a view only while it qualifies, and every
write that changes keywords or mailboxes moves its view items in the same transaction.

The `text` partition keeps, per blobId, the search text of a message — its body as plain text (every
text part, HTML reduced, up to BODY_LIMIT characters) and its attachment names, compressed — for
phrase checks, snippets and the paths that match without the index. It is keyed by blobId because a
thread merge gives an Email a new id but keeps its blob. A text whose compressed form is over
INLINE_TEXT_LIMIT is kept in S3 beside the message (blobs.search_text_key). Items written before the
full-text index hold the first 16,000 body characters in `text`; `mailx reindex` rewrites them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from pynamodb.exceptions import DoesNotExist

from mailx.search import codec
from mailx.store import blobs, tables
from mailx.store.models import EmailIndexItem, Mailbox, Membership
from mailx.store.transactions import Txn

BODY_LIMIT = 1_000_000  # characters of body text a message is searchable by (docs/search.md)
INLINE_TEXT_LIMIT = 300_000  # compressed octets kept in the item; more goes to S3
_SPILLED = "\x00spilled"
FLAGS = ("unseen", "flagged")


@dataclass(frozen=True)
class View:
    """A listing: one mailbox (or every Email when `mailbox_id` is None), optionally unseen or flagged."""

    mailbox_id: str | None
    flag: str | None = None  # "unseen" | "flagged" | None

    @property
    def name(self) -> str:
        scope = "all" if self.mailbox_id is None else f"in#{self.mailbox_id}"
        return scope if self.flag is None else f"{scope}#{self.flag}"


@dataclass(frozen=True)
class Row:
    """One Email as a view lists it."""

    email_id: str
    thread_id: str
    received_at: str
    size: int


def sort_key(received_at: str, email_id: str) -> str:
    return f"{received_at}#{email_id}"


def views_of(mailbox_ids: Iterable[str], keywords: Iterable[str]) -> set[str]:
    """The names of the emailindex views an Email with these mailboxes and keywords belongs to."""
    words = set(keywords)
    flags = [f for f, on in (("unseen", "$seen" not in words), ("flagged", "$flagged" in words)) if on]
    names = {"all"}
    for scope in ("all", *(f"in#{m}" for m in mailbox_ids)):
        names.update(f"{scope}#{flag}" for flag in flags)
    return names


def stage_views(
    txn: Txn,
    *,
    email_id: str,
    thread_id: str,
    received_at: str,
    size: int,
    before: set[str],
    after: set[str],
) -> None:
    """Put the view items the Email joins and delete those it leaves (nothing for views it stays in)."""
    sort = sort_key(received_at, email_id)
    for name in sorted(before - after):
        txn.delete(EmailIndexItem(key=f"{txn.account_id}#{name}", sort=sort), tag=f"view:{name}")
    for name in sorted(after - before):
        item = EmailIndexItem(
            key=f"{txn.account_id}#{name}", sort=sort, email_id=email_id, thread_id=thread_id, size=size
        )
        txn.put(item, tag=f"view:{name}")


def _text_item(account_id: str, blob_id: str, stored: Mapping[str, str]) -> EmailIndexItem:
    """The item of a message's search text; a large one goes to S3 first (before the item is written,
    so a committed item never points at nothing)."""
    packed = codec.pack_json(dict(stored))
    if len(packed) <= INLINE_TEXT_LIMIT:
        return EmailIndexItem(key=f"{account_id}#text", sort=blob_id, packed=packed)
    blobs.put(blobs.search_text_key(account_id, blob_id), packed, "application/zlib")
    return EmailIndexItem(key=f"{account_id}#text", sort=blob_id, text=_SPILLED)


def put_text(txn: Txn, blob_id: str, stored: Mapping[str, str]) -> None:
    """Store a message's search text ({"body", "attachments"}) in the transaction."""
    txn.put(_text_item(txn.account_id, blob_id, stored), tag="text")


def write_texts(account_id: str, stored: Mapping[str, Mapping[str, str]]) -> None:
    """Store search texts by blobId outside a transaction (reindex: the Emails exist already)."""
    tables.bind()
    with EmailIndexItem.batch_write() as batch:
        for blob_id, fields in stored.items():
            batch.save(_text_item(account_id, blob_id, fields))


def delete_text(txn: Txn, blob_id: str) -> None:
    txn.delete(EmailIndexItem(key=f"{txn.account_id}#text", sort=blob_id), tag="text")


def _row(sort: str, email_id: str | None, thread_id: str | None, size: float | None) -> Row:
    received_at = sort.partition("#")[0]
    return Row(email_id or "", thread_id or "", received_at, int(size or 0))


def newest(account_id: str, view: View, page_size: int) -> Iterator[Row]:
    """The view's Emails newest first, fetched lazily PAGE_SIZE at a time (stop early to read less)."""
    tables.bind()
    size = max(1, min(page_size, 1000))
    if view.mailbox_id is not None and view.flag is None:
        for m in Membership.query(
            f"{account_id}#{view.mailbox_id}", scan_index_forward=False, consistent_read=True, page_size=size
        ):
            yield _row(m.sort, m.email_id, m.thread_id, m.size)
        return
    for item in EmailIndexItem.query(
        f"{account_id}#{view.name}", scan_index_forward=False, consistent_read=True, page_size=size
    ):
        yield _row(item.sort, item.email_id, item.thread_id, item.size)


def newest_growing(account_id: str, view: View, first_page: int, last_page: int = 1000) -> Iterator[Row]:
    """The view newest first in pages that double from FIRST_PAGE to LAST_PAGE rows.

    For a reader that cannot know how far it will go: the first Query is small, long walks take few.
    """
    tables.bind()
    model: Any = Membership if view.mailbox_id is not None and view.flag is None else EmailIndexItem
    key = f"{account_id}#{view.mailbox_id}" if model is Membership else f"{account_id}#{view.name}"
    size, top = max(1, min(first_page, 1000)), max(1, min(last_page, 1000))
    start: dict[str, Any] | None = None
    while True:
        page = model.query(key, scan_index_forward=False, consistent_read=True, limit=size, page_size=size,
                           last_evaluated_key=start)  # fmt: skip
        got = 0
        for item in page:
            got += 1
            yield _row(item.sort, item.email_id, item.thread_id, item.size)
        start = page.last_evaluated_key
        if start is None or got < size:
            return
        size = min(size * 2, top)


def count(account_id: str, view: View) -> int:
    """How many Emails a view holds: a Select=COUNT Query (about 10,000 small items per call)."""
    tables.bind()
    if view.mailbox_id is not None and view.flag is None:
        return int(Membership.count(f"{account_id}#{view.mailbox_id}", consistent_read=True))
    return int(EmailIndexItem.count(f"{account_id}#{view.name}", consistent_read=True))


def mailbox_counts(account_id: str, mailbox_id: str) -> tuple[int, int]:
    """(totalEmails, totalThreads) of a mailbox, (0, 0) if there is none: one GetItem."""
    tables.bind()
    try:
        box = Mailbox.get(account_id, mailbox_id, consistent_read=True,
                          attributes_to_get=["total_emails", "total_threads"])  # fmt: skip
    except DoesNotExist:
        return (0, 0)
    return (int(box.total_emails or 0), int(box.total_threads or 0))


def _stored(account_id: str, item: EmailIndexItem) -> dict[str, str]:
    if item.packed:
        return {str(k): str(v) for k, v in cast(dict[str, Any], codec.unpack_json(item.packed)).items()}
    if item.text == _SPILLED:
        found = blobs.get(blobs.search_text_key(account_id, item.sort))
        if found is None:
            return {}
        return {str(k): str(v) for k, v in cast(dict[str, Any], codec.unpack_json(found.data)).items()}
    return {"body": item.text or ""}  # written before the full-text index: the first 16,000 characters


def all_texts(account_id: str) -> dict[str, dict[str, str]]:
    """{blobId: search text} for every message of the account (paged Query: the slow search path)."""
    tables.bind()
    return {
        item.sort: _stored(account_id, item)
        for item in EmailIndexItem.query(f"{account_id}#text", consistent_read=True)
    }


def texts(account_id: str, blob_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """{blobId: search text ({"body", "attachments"})} for some messages (one BatchGetItem per 100)."""
    tables.bind()
    ids = sorted(set(blob_ids))
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(ids), 100):
        keys = [(f"{account_id}#text", b) for b in ids[start : start + 100]]
        for item in EmailIndexItem.batch_get(keys, consistent_read=True):
            found[item.sort] = _stored(account_id, item)
    return found
