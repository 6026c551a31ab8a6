"""RFC 8621 §4.3: Email/changes, a standard RFC 8620 §5.2 /changes over the account's change log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_CALCULATE_CHANGES, MethodError
from mailx.protocol.standard_changes import ChangeKind, changes_response, collapse_changes, parse_changes
from mailx.store import transactions
from mailx.store.errors import ChangesExpired


def _entries(
    account_id: str, type_name: str, since: int, current: int
) -> Iterator[tuple[int, str, ChangeKind]]:
    for step in transactions.read_changes(account_id, type_name, since, current):
        for kind, ids in (
            ("created", step.created),
            ("updated", step.updated),
            ("destroyed", step.destroyed),
        ):
            for record_id in ids:
                yield step.modseq, record_id, kind  # type: ignore[misc]


def standard_changes(call: CallContext, args: dict[str, Any], type_name: str) -> dict[str, Any]:
    """Any type's /changes: states are modseqs, so an unknown or expired one cannot be calculated."""
    request = parse_changes(args, call)
    current = int(call.services.state(request.account_id, type_name))
    since = request.since_state
    if not (since.isascii() and since.isdigit()):
        raise MethodError(CANNOT_CALCULATE_CHANGES, f"{since!r} is not a state this server issued")
    try:
        page = collapse_changes(
            _entries(request.account_id, type_name, int(since), current), request.max_changes
        )
    except ChangesExpired as exc:
        raise MethodError(CANNOT_CALCULATE_CHANGES, str(exc)) from None
    new_state = current if page.last_modseq is None or not page.has_more else page.last_modseq
    return changes_response(request, page, str(new_state))


def email_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Email/changes."""
    return standard_changes(call, args, "Email")
