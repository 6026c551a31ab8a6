"""EmailSubmission records (RFC 8621 §7) and the outbound consumer's state machine, written in Txns.

`send_state` is where the send is: `queued` (waiting, cancelable) -> `sending` (claimed by a consumer
until `lease_until`) -> `sent` | `failed` (permanent) | `dead` (retries exhausted; the queue message is
in the dead-letter queue and a redrive may claim it again) | `canceled`. Every transition is a
conditional write, so a redelivered queue message can never claim a send that is already over, and a
cancel can never win against a send in progress.

A client's destroy of a submission whose send is not over only hides it (RFC 8621 §7.5: destroying the
record must not affect the delivery); the consumer deletes it once the send ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from mailx.store import tables
from mailx.store.models import Submission
from mailx.store.transactions import Txn

TYPE_NAME = "EmailSubmission"
OVER = frozenset({"sent", "failed", "canceled"})  # nothing more will happen to these


@dataclass(frozen=True)
class SubmissionRecord:
    """One EmailSubmission and where its send is."""

    submission_id: str
    identity_id: str
    email_id: str
    thread_id: str
    envelope: dict[str, Any]
    send_at: str
    undo_status: str = "pending"
    delivery_status: dict[str, dict[str, str]] = field(default_factory=dict)
    send_state: str = "queued"
    attempts: int = 0
    lease_until: int = 0
    hidden: bool = False
    relay_message_id: str | None = None

    @property
    def over(self) -> bool:
        """No consumer will touch it again (a dead one may still be redriven from the DLQ)."""
        return self.send_state in OVER


def _data(record: SubmissionRecord) -> str:
    data = {
        "identityId": record.identity_id,
        "emailId": record.email_id,
        "threadId": record.thread_id,
        "envelope": record.envelope,
        "sendAt": record.send_at,
        "deliveryStatus": record.delivery_status,
        "relayMessageId": record.relay_message_id,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _record(item: Submission) -> SubmissionRecord:
    data = json.loads(item.data or "{}")
    return SubmissionRecord(
        submission_id=item.submission_id,
        identity_id=str(data.get("identityId", "")),
        email_id=str(data.get("emailId", "")),
        thread_id=str(data.get("threadId", "")),
        envelope=dict(data.get("envelope") or {}),
        send_at=str(data.get("sendAt", "")),
        undo_status=item.undo_status,
        delivery_status=dict(data.get("deliveryStatus") or {}),
        send_state=item.send_state,
        attempts=int(item.attempts or 0),
        lease_until=int(item.lease_until or 0),
        hidden=bool(item.hidden),
        relay_message_id=data.get("relayMessageId"),
    )


def list_all(account_id: str) -> list[SubmissionRecord]:
    """Every visible submission of the account, by id (one strongly consistent Query)."""
    tables.bind()
    items = Submission.query(account_id, consistent_read=True)
    return [record for record in map(_record, items) if not record.hidden]


def list_visible(account_id: str, at_most: int) -> list[SubmissionRecord] | None:
    """Every visible submission by id, or None when there are more than AT_MOST (the read stops there)."""
    tables.bind()
    found: list[SubmissionRecord] = []
    for item in Submission.query(account_id, consistent_read=True, page_size=at_most + 1):
        record = _record(item)
        if not record.hidden:
            found.append(record)
            if len(found) > at_most:
                return None
    return found


def get_many(account_id: str, submission_ids: Iterable[str]) -> dict[str, SubmissionRecord]:
    """The visible submissions among SUBMISSION_IDS (consistent BatchGetItem, 100 keys a call)."""
    tables.bind()
    keys = [(account_id, s) for s in dict.fromkeys(submission_ids)]
    records = map(_record, Submission.batch_get(keys, consistent_read=True)) if keys else iter(())
    return {r.submission_id: r for r in records if not r.hidden}


def get(account_id: str, submission_id: str) -> SubmissionRecord | None:
    """One submission, hidden ones included (the consumer still sends those)."""
    tables.bind()
    try:
        return _record(Submission.get(account_id, submission_id, consistent_read=True))
    except DoesNotExist:
        return None


def _item(account_id: str, submission_id: str) -> Submission:
    return Submission(account_id=account_id, submission_id=submission_id)


def stage_create(txn: Txn, record: SubmissionRecord) -> None:
    """Add a new submission; the id must not exist yet."""
    item = Submission(
        account_id=txn.account_id,
        submission_id=record.submission_id,
        data=_data(record),
        undo_status=record.undo_status,
        send_state=record.send_state,
    )
    txn.put(item, condition=Submission.submission_id.does_not_exist(), tag=f"create:{record.submission_id}")
    txn.changed(TYPE_NAME, created=[record.submission_id])


def stage_cancel(txn: Txn, submission_id: str) -> None:
    """undoStatus pending -> canceled, only while no consumer holds the send (Conflict otherwise)."""
    condition = (Submission.send_state == "queued") & (Submission.undo_status == "pending")
    actions: list[Action] = [Submission.undo_status.set("canceled"), Submission.send_state.set("canceled")]
    txn.update(_item(txn.account_id, submission_id), actions, condition, tag=f"cancel:{submission_id}")
    txn.changed(TYPE_NAME, updated=[submission_id])


def stage_destroy(txn: Txn, record: SubmissionRecord) -> None:
    """Delete the record; one whose send is still running is only hidden until the consumer ends it."""
    item = _item(txn.account_id, record.submission_id)
    tag = f"destroy:{record.submission_id}"
    if record.over or record.send_state == "dead":
        txn.delete(item, condition=Submission.send_state == record.send_state, tag=tag)
    else:
        txn.update(item, [Submission.hidden.set(True)], Submission.submission_id.exists(), tag=tag)
    txn.changed(TYPE_NAME, destroyed=[record.submission_id])


def stage_claim(txn: Txn, record: SubmissionRecord, now: int, lease_seconds: int) -> SubmissionRecord:
    """Take the send: from queued or dead, or from an abandoned claim; Conflict if someone else holds it."""
    claimable: Condition = Submission.send_state.is_in("queued", "dead")
    abandoned = (Submission.send_state == "sending") & (Submission.lease_until < now)
    condition = (claimable | abandoned) & (Submission.undo_status != "canceled")
    actions: list[Action] = [
        Submission.send_state.set("sending"),
        Submission.lease_until.set(now + lease_seconds),
        Submission.attempts.add(1),
    ]
    tag = f"claim:{record.submission_id}"
    txn.update(_item(txn.account_id, record.submission_id), actions, condition, tag=tag)
    return replace(
        record, send_state="sending", attempts=record.attempts + 1, lease_until=now + lease_seconds
    )


def stage_outcome(txn: Txn, claimed: SubmissionRecord, after: SubmissionRecord) -> None:
    """Record what a claimed send came to (new send_state, undoStatus, deliveryStatus).

    A hidden record whose send is over is deleted instead, without a state change: the client already
    saw it destroyed.
    """
    item = _item(txn.account_id, claimed.submission_id)
    condition = (Submission.send_state == "sending") & (Submission.lease_until == claimed.lease_until)
    tag = f"outcome:{claimed.submission_id}"
    if after.hidden and after.over:
        txn.delete(item, condition=condition, tag=tag)
        return
    actions: list[Action] = [
        Submission.send_state.set(after.send_state),
        Submission.undo_status.set(after.undo_status),
        Submission.data.set(_data(after)),
        Submission.lease_until.set(0),
    ]
    txn.update(item, actions, condition, tag=tag)
    if not after.hidden:
        txn.changed(TYPE_NAME, updated=[claimed.submission_id])


def unfinished(account_id: str) -> list[SubmissionRecord]:
    """Every submission (hidden ones included) whose send is queued or in progress."""
    tables.bind()
    items = Submission.query(account_id, consistent_read=True)
    return [r for r in map(_record, items) if r.send_state in ("queued", "sending")]
