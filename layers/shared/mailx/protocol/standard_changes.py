"""RFC 8620 §5.2: /changes arguments and collapsing a change log into one page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Literal, NamedTuple

from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_CALCULATE_CHANGES, MethodError
from mailx.protocol.validate import account_id_of, check_int, invalid, require_str

ChangeKind = Literal["created", "updated", "destroyed"]


@dataclass(frozen=True)
class ChangesArgs:
    """Validated /changes arguments."""

    account_id: str
    since_state: str
    max_changes: int | None


def parse_max_changes(args: Mapping[str, Any]) -> int | None:
    """`maxChanges` is `UnsignedInt|null` and, if given, MUST be greater than 0."""
    value = args.get("maxChanges")
    if value is None:
        return None
    count = check_int(value, "maxChanges", minimum=0)
    if count == 0:
        raise invalid("'maxChanges' must be greater than 0")
    return count


def parse_changes(args: Mapping[str, Any], call: CallContext | None = None) -> ChangesArgs:
    """Validate a standard /changes call (the account via `call` when given)."""
    account_id = call.checked_account(args) if call is not None else account_id_of(args)
    return ChangesArgs(
        account_id=account_id,
        since_state=require_str(args, "sinceState"),
        max_changes=parse_max_changes(args),
    )


class ChangesPage(NamedTuple):
    """One page of changes; `last_modseq` is the state to return (None: nothing included)."""

    created: list[str]
    updated: list[str]
    destroyed: list[str]
    last_modseq: int | None
    has_more: bool


def _classify(first: ChangeKind, last: ChangeKind) -> ChangeKind | None:
    # RFC 8620 §5.2: created+updated -> created; updated+destroyed -> destroyed;
    # created+destroyed -> omitted entirely (it never existed from the client's point of view).
    if first == "created":
        return None if last == "destroyed" else "created"
    return "destroyed" if last == "destroyed" else "updated"


def _counts(span: tuple[ChangeKind, ChangeKind]) -> int:
    return 0 if _classify(*span) is None else 1


def _rollback(
    spans: dict[str, tuple[ChangeKind, ChangeKind]], undo: dict[str, tuple[ChangeKind, ChangeKind] | None]
) -> None:
    for record_id, previous in undo.items():
        if previous is None:
            del spans[record_id]
        else:
            spans[record_id] = previous


def collapse_changes(entries: Iterable[tuple[int, str, ChangeKind]], max_changes: int | None) -> ChangesPage:
    """Coalesce a change log, oldest first, into at most `max_changes` ids.

    `entries` are (modseq, id, kind) in ascending modseq order, all newer than the client's
    state. Whole modseqs are taken while the collapsed id count stays within `max_changes`, so
    the page ends on a real state and `last_modseq` can be handed back as the new state. Going
    oldest first also keeps the §5.2 ordering rule: an id is never reported created after a
    page that called it updated or destroyed.

    If even the first modseq alone changes more ids than `max_changes`, there is no
    intermediate state to stop at, and the RFC's answer is cannotCalculateChanges: returning it
    anyway would break the MUST on maxChanges.
    """
    spans: dict[str, tuple[ChangeKind, ChangeKind]] = {}
    count = 0  # ids that survive collapsing, kept up to date so each entry costs O(1)
    last_modseq: int | None = None
    has_more = False
    for modseq, group in groupby(entries, key=lambda entry: entry[0]):
        undo: dict[str, tuple[ChangeKind, ChangeKind] | None] = {}
        before = count
        for _, record_id, kind in group:
            previous = spans.get(record_id)
            undo.setdefault(record_id, previous)
            span = (previous[0] if previous else kind, kind)
            count += _counts(span) - (_counts(previous) if previous else 0)
            spans[record_id] = span
        if max_changes is not None and count > max_changes:
            if last_modseq is None:
                raise MethodError(
                    CANNOT_CALCULATE_CHANGES,
                    f"a single change touches more than maxChanges ({max_changes}) records",
                )
            _rollback(spans, undo)
            count, has_more = before, True
            break
        last_modseq = modseq
    lists: dict[ChangeKind, list[str]] = {"created": [], "updated": [], "destroyed": []}
    for record_id, (first, last) in spans.items():
        outcome = _classify(first, last)
        if outcome is not None:
            lists[outcome].append(record_id)
    return ChangesPage(lists["created"], lists["updated"], lists["destroyed"], last_modseq, has_more)


def changes_response(args: ChangesArgs, page: ChangesPage, new_state: str, **extra: Any) -> dict[str, Any]:
    """The /changes response; `new_state` is the state for page.last_modseq (or the current one)."""
    return {
        "accountId": args.account_id,
        "oldState": args.since_state,
        "newState": new_state,
        "hasMoreChanges": page.has_more,
        "created": page.created,
        "updated": page.updated,
        "destroyed": page.destroyed,
        **extra,
    }
