"""RFC 8621 §2.5 onDestroyRemoveEmails: take a mailbox's Emails out of it before it is destroyed.

An Email only in this mailbox is destroyed; one also in other mailboxes just leaves this one. Both go
through the registered Email/set, so counters, threads, query indexes and the change log stay exact
exactly as if the client had sent that Email/set itself. The mailbox destroy that follows is
conditioned on the mailbox being empty, so mail arriving in between makes it try again.
"""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods.email._implicit_set import run_email_set
from mailx.protocol.context import CallContext
from mailx.protocol.errors import MethodError
from mailx.store import emails


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def empty_mailbox(call: CallContext, account_id: str, mailbox_id: str) -> int:
    """Remove every Email from MAILBOX_ID (destroying those in no other mailbox); returns how many failed."""
    records = emails.get_many(account_id, emails.member_ids(account_id, mailbox_id), with_summary=False)
    moves = [e for e, r in records.items() if set(r.mailbox_ids) - {mailbox_id}]
    gone = [e for e, r in records.items() if not set(r.mailbox_ids) - {mailbox_id}]
    work: list[tuple[str, str]] = [("update", e) for e in moves] + [("destroy", e) for e in gone]
    failed = 0
    for chunk in _chunks(work, LIMITS.max_objects_in_set):
        args: dict[str, Any] = {
            "accountId": account_id,
            "update": {e: {f"mailboxIds/{mailbox_id}": None} for kind, e in chunk if kind == "update"},
            "destroy": [e for kind, e in chunk if kind == "destroy"],
        }
        name, response = run_email_set(call, args)
        if name == "error":  # the whole Mailbox/set fails as the Email/set did
            extra = {k: v for k, v in response.items() if k not in ("type", "description")}
            raise MethodError(str(response["type"]), response.get("description"), **extra)
        failed += len(response.get("notUpdated") or {}) + len(response.get("notDestroyed") or {})
    return failed
