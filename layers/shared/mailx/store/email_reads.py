"""Reading Emails with their versions (what Email/set's writes condition on) and the whole listing
that Email/query falls back to when no index view serves a query (RFC 8621 §4.4)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mailx.store import tables
from mailx.store.emails import EmailRecord
from mailx.store.models import Email

_METADATA = ["account_id", "email_id", "blob_id", "thread_id", "mailbox_ids", "keywords", "received_at",
             "size", "version"]  # fmt: skip


@dataclass(frozen=True)
class Versioned:
    """An Email as read, with the version the next write must condition on (None: never updated)."""

    record: EmailRecord
    version: int | None


def _names(value: Any) -> tuple[str, ...]:
    return tuple(sorted(value.as_dict())) if value else ()


def _versioned(item: Email, *, with_summary: bool) -> Versioned:
    record = EmailRecord(
        email_id=item.email_id,
        blob_id=item.blob_id,
        thread_id=item.thread_id,
        mailbox_ids=_names(item.mailbox_ids),
        keywords=_names(item.keywords),
        received_at=item.received_at,
        size=int(item.size),
        summary=json.loads(item.summary or "{}") if with_summary else {},
    )
    return Versioned(record, None if item.version is None else int(item.version))


def get_versioned(account_id: str, email_ids: Iterable[str]) -> dict[str, Versioned]:
    """Emails' metadata (no summary) with their versions, one consistent BatchGetItem per 100 ids."""
    tables.bind()
    ids = sorted(set(email_ids))
    found: dict[str, Versioned] = {}
    for start in range(0, len(ids), 100):
        keys = [(account_id, e) for e in ids[start : start + 100]]
        for item in Email.batch_get(keys, consistent_read=True, attributes_to_get=_METADATA):
            found[item.email_id] = _versioned(item, with_summary=False)
    return found


def listing(account_id: str, *, with_summary: bool) -> list[EmailRecord]:
    """Every Email of the account: a paged Query projecting only what filtering and sorting need."""
    tables.bind()
    attrs = [*_METADATA, "summary"] if with_summary else _METADATA
    query = Email.query(account_id, consistent_read=True, attributes_to_get=attrs)
    return [_versioned(item, with_summary=with_summary).record for item in query]
