"""Removing every DynamoDB item an account owns, in bounded batches that a later call resumes.

Items keyed by the account id (emails, mailboxes, threads, ...) are found by a Query on it; items keyed
by a derived string (`{accountId}#{mailboxId}` memberships, emailindex views, the change log, delivery
events, thread refs) are found through the items they derive from, so those go first and the account
item goes last: an interrupted removal leaves enough behind for the next call to finish it. No Scan.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pynamodb.models import Model

from mailx.store import fulltext, tables
from mailx.store.email_index import FLAGS
from mailx.store.models import (
    Account,
    Change,
    DeliveryEvent,
    Email,
    EmailIndexItem,
    Identity,
    Login,
    Mailbox,
    Membership,
    Submission,
    ThreadRef,
)
from mailx.store.transactions import STATE_TYPES

CHECK_EVERY = 25  # items between looks at the clock: one BatchWriteItem


class Budget:
    """Work until a deadline; callers answer "not finished, call again" once it has passed."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def spent(self) -> bool:
        return time.monotonic() >= self.deadline


def _drain(
    model: type[Model], hash_key: str, budget: Budget, before: Callable[[Any], None] | None = None
) -> bool:
    """Delete a partition's items (BEFORE sees each first); False when the budget ran out."""
    with model.batch_write() as batch:
        for count, item in enumerate(model.query(hash_key, consistent_read=True, page_size=100)):
            if count and count % CHECK_EVERY == 0 and budget.spent():  # a batch at least: progress
                return False
            if before is not None:
                before(item)
            batch.delete(item)
    return True


def _delete_refs(keys: Iterable[str]) -> None:
    with ThreadRef.batch_write() as batch:
        for key in keys:
            batch.delete(ThreadRef(key=key))


def _views(mailbox_id: str | None) -> list[str]:
    scope = "all" if mailbox_id is None else f"in#{mailbox_id}"
    return [scope, *(f"{scope}#{flag}" for flag in FLAGS)]


def _partitions(account_id: str) -> Iterator[tuple[type[Model], str]]:
    """Every partition left to empty, derived ones before the items they derive from."""
    mailbox_ids = [m.mailbox_id for m in Mailbox.query(account_id, consistent_read=True)]
    for mailbox_id in mailbox_ids:
        yield Membership, f"{account_id}#{mailbox_id}"
    for view in [*(v for m in mailbox_ids for v in _views(m)), *_views(None), "text"]:
        yield EmailIndexItem, f"{account_id}#{view}"
    for key in list(fulltext.partitions(account_id)):  # segments, then the manifest's own partition
        yield EmailIndexItem, key
    for kind in STATE_TYPES:
        yield Change, f"{account_id}#{kind}"
    for submission in Submission.query(account_id, consistent_read=True):
        yield DeliveryEvent, f"{account_id}#{submission.submission_id}"
    for model in tables.all_models():
        # Identities lead to the sign-in names: accounts.delete removes both, then the Account item.
        if model not in (Account, Login, Identity) and model._hash_keyname == "account_id":
            yield model, account_id


def purge_items(account_id: str, budget: Budget, ref_keys: Callable[[dict[str, Any]], Iterable[str]]) -> bool:
    """Delete the account's items except its Account item and sign-in names; True when none is left.

    REF_KEYS gives the thread-ref keys of a message from its stored summary (mail.thread_placement knows how).
    """
    tables.bind()

    def email_refs(item: Email) -> None:
        _delete_refs(ref_keys(json.loads(item.summary or "{}")))

    if not _drain(Email, account_id, budget, email_refs):
        return False
    return all(_drain(model, key, budget) for model, key in _partitions(account_id))
