"""Identities (RFC 8621 §6): an account's sending identities, read with one Query, written in a Txn.

The admin API creates one identity per assigned address (`mayDelete` false) outside the change log;
identities a client creates through Identity/set are deletable and every write here goes through a
`states.Txn`, so it moves the Identity state and appears in Identity/changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pynamodb.expressions.update import Action

from mailx.store import tables
from mailx.store.models import Identity
from mailx.store.transactions import Txn

TYPE_NAME = "Identity"


@dataclass(frozen=True)
class IdentityRecord:
    """One identity; `reply_to` and `bcc` are lists of EmailAddress objects, or None."""

    identity_id: str
    email: str
    name: str = ""
    reply_to: list[dict[str, Any]] | None = None
    bcc: list[dict[str, Any]] | None = None
    text_signature: str = ""
    html_signature: str = ""
    may_delete: bool = True


def _addresses(raw: str | None) -> list[dict[str, Any]] | None:
    if not raw:
        return None
    value = json.loads(raw)
    return value if isinstance(value, list) else None


def _dump(value: list[dict[str, Any]] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _record(item: Identity) -> IdentityRecord:
    return IdentityRecord(
        identity_id=item.identity_id,
        email=item.email,
        name=item.name or "",
        reply_to=_addresses(item.reply_to),
        bcc=_addresses(item.bcc),
        text_signature=item.text_signature or "",
        html_signature=item.html_signature or "",
        may_delete=bool(item.may_delete),
    )


def list_all(account_id: str) -> list[IdentityRecord]:
    """Every identity of the account, ordered by id (one strongly consistent Query)."""
    tables.bind()
    return [_record(item) for item in Identity.query(account_id, consistent_read=True)]


def stage_create(txn: Txn, record: IdentityRecord) -> None:
    """Add a new identity; the id must not exist yet."""
    item = Identity(
        account_id=txn.account_id,
        identity_id=record.identity_id,
        email=record.email,
        name=record.name,
        reply_to=_dump(record.reply_to),
        bcc=_dump(record.bcc),
        text_signature=record.text_signature,
        html_signature=record.html_signature,
        may_delete=record.may_delete,
    )
    txn.put(item, condition=Identity.identity_id.does_not_exist(), tag=f"create:{record.identity_id}")
    txn.changed(TYPE_NAME, created=[record.identity_id])


def _set_or_remove(attribute: Any, value: str | None) -> Action:
    action: Action = attribute.remove() if value is None else attribute.set(value)
    return action


def stage_update(txn: Txn, before: IdentityRecord, after: IdentityRecord) -> None:
    """Write the client-settable properties that differ (email and mayDelete never change)."""
    actions: list[Action] = []
    if before.name != after.name:
        actions.append(Identity.name.set(after.name))
    if before.reply_to != after.reply_to:
        actions.append(_set_or_remove(Identity.reply_to, _dump(after.reply_to)))
    if before.bcc != after.bcc:
        actions.append(_set_or_remove(Identity.bcc, _dump(after.bcc)))
    if before.text_signature != after.text_signature:
        actions.append(Identity.text_signature.set(after.text_signature))
    if before.html_signature != after.html_signature:
        actions.append(Identity.html_signature.set(after.html_signature))
    if not actions:
        return  # nothing changed: no write, and the state stays where it is
    item = Identity(account_id=txn.account_id, identity_id=before.identity_id)
    txn.update(item, actions, Identity.identity_id.exists(), tag=f"update:{before.identity_id}")
    txn.changed(TYPE_NAME, updated=[before.identity_id])


def stage_destroy(txn: Txn, identity_id: str) -> None:
    """Delete a deletable identity (the condition keeps assigned addresses' identities safe)."""
    item = Identity(account_id=txn.account_id, identity_id=identity_id)
    condition = Identity.identity_id.exists() & (Identity.may_delete == True)  # noqa: E712
    txn.delete(item, condition=condition, tag=f"destroy:{identity_id}")
    txn.changed(TYPE_NAME, destroyed=[identity_id])
