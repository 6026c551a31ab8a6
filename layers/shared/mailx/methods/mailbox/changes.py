"""RFC 8621 §2.2 (RFC 8620 §5.2): Mailbox/changes, with `updatedProperties`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_CALCULATE_CHANGES, MethodError
from mailx.protocol.standard_changes import ChangeKind, changes_response, collapse_changes, parse_changes
from mailx.store import transactions
from mailx.store.errors import ChangesExpired
from mailx.store.transactions import ChangeEntry


def parse_state(value: str) -> int:
    """A Mailbox state string is the modseq in decimal; anything else cannot be calculated from."""
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        raise MethodError(CANNOT_CALCULATE_CHANGES, f"{value!r} is not a Mailbox state of this server")
    return int(value)


def flatten(entries: Iterable[ChangeEntry]) -> Iterator[tuple[int, str, ChangeKind]]:
    """(modseq, id, kind) oldest first; within one step created, then updated, then destroyed."""
    for entry in entries:
        yield from ((entry.modseq, mailbox_id, "created") for mailbox_id in entry.created)
        yield from ((entry.modseq, mailbox_id, "updated") for mailbox_id in entry.updated)
        yield from ((entry.modseq, mailbox_id, "destroyed") for mailbox_id in entry.destroyed)


def read_log(account_id: str, since: int, current: int) -> list[ChangeEntry]:
    """The Mailbox change log after SINCE; an expired or unknown state is cannotCalculateChanges."""
    try:
        return list(transactions.read_changes(account_id, "Mailbox", since, current))
    except ChangesExpired as exc:
        raise MethodError(CANNOT_CALCULATE_CHANGES, str(exc)) from None


def current_state(call: CallContext, account_id: str, since: int) -> int:
    """The Mailbox modseq now; re-read when the client names a newer state than this request cached.

    A client with concurrent requests can hold a state newer than the one read at the start of
    this request; that is not an unknown state.
    """
    current = int(call.services.state(account_id, "Mailbox"))
    if since > current:
        call.services.refresh(account_id)
        current = int(call.services.state(account_id, "Mailbox"))
    return current


def mailbox_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """The ids created, updated and destroyed since `sinceState`, at most `maxChanges` of them.

    `updatedProperties` is always null: the change log does not yet record which properties a
    step changed, and RFC 8621 §2.2 says the server MUST return null when it cannot tell that only
    the counts changed.
    """
    parsed = parse_changes(args, call)
    since = parse_state(parsed.since_state)
    current = current_state(call, parsed.account_id, since)
    page = collapse_changes(flatten(read_log(parsed.account_id, since, current)), parsed.max_changes)
    new_state = page.last_modseq if page.has_more and page.last_modseq is not None else current
    return changes_response(parsed, page, str(new_state), updatedProperties=None)
