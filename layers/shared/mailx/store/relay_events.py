"""Relay delivery events (Resend webhooks): the relay-id lookup, each submission's event history, and
the deliveryStatus writes they cause (RFC 8621 §7), all staged in Txns.

The lookup from the relay's message id to (accountId, submissionId) is global, like a sign-in name: a
webhook names only the relay's id. The outbound consumer stages it in the same transaction that records
the send's outcome, so a webhook can never find a submission whose outcome is not written yet.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

from pynamodb.exceptions import DoesNotExist

from mailx.store import tables
from mailx.store.models import DeliveryEvent, RelayRef, Submission
from mailx.store.submissions import TYPE_NAME, SubmissionRecord, _data, _record
from mailx.store.transactions import Txn

RETENTION_SECONDS = 400 * 86400  # opens and clicks may come months later; then the TTL tidies up


@dataclass(frozen=True)
class EventRecord:
    """One delivery event as kept in a submission's history."""

    type: str
    created_at: str
    svix_id: str
    received_at: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Loaded:
    """A submission and the exact stored text its next write is conditioned on."""

    account_id: str
    record: SubmissionRecord
    raw_data: str


def stage_relay_ref(txn: Txn, relay_message_id: str, submission_id: str) -> None:
    """Remember which submission the relay's message id belongs to (written with the send's outcome)."""
    expires = int(time.time()) + RETENTION_SECONDS
    ref = RelayRef(
        relay_message_id=relay_message_id,
        account_id=txn.account_id,
        submission_id=submission_id,
        expires_at=expires,
    )
    txn.put(ref, tag=f"relayref:{submission_id}")


def find_relay(relay_message_id: str) -> tuple[str, str] | None:
    """(accountId, submissionId) of the relay's message id, or None when it is not ours."""
    tables.bind()
    try:
        ref = RelayRef.get(relay_message_id, consistent_read=True)
    except DoesNotExist:
        return None
    if ref.expires_at <= time.time():
        return None
    return ref.account_id, ref.submission_id


def load(account_id: str, submission_id: str) -> Loaded | None:
    """The submission (hidden ones included) with its stored text, or None when it is gone."""
    tables.bind()
    try:
        item = Submission.get(account_id, submission_id, consistent_read=True)
    except DoesNotExist:
        return None
    return Loaded(account_id, _record(item), item.data or "{}")


def _key(account_id: str, submission_id: str) -> str:
    return f"{account_id}#{submission_id}"


def event_tag(svix_id: str) -> str:
    """The Txn tag of an event's history write: a Conflict with it means the event is already kept."""
    return f"event:{svix_id}"


def stage_event(txn: Txn, submission_id: str, event: EventRecord) -> None:
    """Append EVENT to the history; Conflict (event_tag) when this delivery is already there."""
    item = DeliveryEvent(
        key=_key(txn.account_id, submission_id),
        sort=f"{event.created_at}#{event.svix_id}",
        type=event.type,
        created_at=event.created_at,
        svix_id=event.svix_id,
        received_at=event.received_at,
        data=json.dumps(event.data, ensure_ascii=False, separators=(",", ":")),
        expires_at=event.received_at + RETENTION_SECONDS,
    )
    txn.put(item, condition=DeliveryEvent.key.does_not_exist(), tag=event_tag(event.svix_id))


def stage_delivery_status(txn: Txn, loaded: Loaded, statuses: dict[str, dict[str, str]]) -> None:
    """Write new deliveryStatus values if nothing changed the record since LOADED (Conflict otherwise).

    A client sees the change through EmailSubmission/changes unless it already destroyed the record.
    """
    after = _data(replace(loaded.record, delivery_status=statuses))
    item = Submission(account_id=txn.account_id, submission_id=loaded.record.submission_id)
    condition = Submission.data == loaded.raw_data
    tag = f"status:{loaded.record.submission_id}"
    txn.update(item, [Submission.data.set(after)], condition, tag=tag)
    if not loaded.record.hidden:
        txn.changed(TYPE_NAME, updated=[loaded.record.submission_id])


def history(account_id: str, submission_id: str) -> list[EventRecord]:
    """Every kept event of the submission, oldest first (by the relay's created_at)."""
    tables.bind()
    items = DeliveryEvent.query(_key(account_id, submission_id), consistent_read=True)
    return [
        EventRecord(
            type=item.type,
            created_at=item.created_at,
            svix_id=item.svix_id,
            received_at=int(item.received_at),
            data=dict(json.loads(item.data or "{}")),
        )
        for item in items
    ]
