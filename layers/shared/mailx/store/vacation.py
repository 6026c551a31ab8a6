"""VacationResponse (RFC 8621 §8): one item per account, read by key, written in a Txn.

An account that never set its VacationResponse has no item; reads then return the RFC's default
(disabled, every other property null). Every write goes through a `states.Txn`, so it moves the
VacationResponse state and leaves a change-log step naming "singleton".
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from mailx.store import tables
from mailx.store.models import VacationResponse
from mailx.store.transactions import Txn

TYPE_NAME = "VacationResponse"
SINGLETON_ID = "singleton"


@dataclass(frozen=True)
class VacationRecord:
    """The VacationResponse object; dates are UTCDate strings as the client sent them."""

    is_enabled: bool = False
    from_date: str | None = None
    to_date: str | None = None
    subject: str | None = None
    text_body: str | None = None
    html_body: str | None = None


def get(account_id: str, *, consistent: bool = True) -> VacationRecord:
    """The account's VacationResponse, or the default one when it was never set."""
    tables.bind()
    try:
        item = VacationResponse.get(account_id, consistent_read=consistent)
    except DoesNotExist:
        return VacationRecord()
    return VacationRecord(
        is_enabled=bool(item.is_enabled),
        from_date=item.from_date,
        to_date=item.to_date,
        subject=item.subject,
        text_body=item.text_body,
        html_body=item.html_body,
    )


def stage_put(txn: Txn, before: VacationRecord, after: VacationRecord) -> None:
    """Write AFTER as the whole object; nothing is written (and no state moves) when it equals BEFORE.

    The item needs no condition of its own: commit() conditions on the VacationResponse state the
    caller read, so a concurrent writer makes the transaction fail rather than overwrite silently.
    """
    if before == after:
        return
    item = VacationResponse(
        account_id=txn.account_id,
        is_enabled=after.is_enabled,
        from_date=after.from_date,
        to_date=after.to_date,
        subject=after.subject,
        text_body=after.text_body,
        html_body=after.html_body,
    )
    txn.put(item, tag="vacation")
    txn.changed(TYPE_NAME, updated=[SINGLETON_ID])
