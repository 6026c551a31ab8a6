"""RFC 8620 §5.6 (with errata): /queryChanges arguments and computing removed/added."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailx.protocol.collation import COLLATIONS
from mailx.protocol.context import CallContext
from mailx.protocol.errors import TOO_MANY_CHANGES, MethodError
from mailx.protocol.query_filter import Comparator, Filter, parse_filter, parse_sort
from mailx.protocol.standard_changes import parse_max_changes
from mailx.protocol.validate import account_id_of, check_id, opt_bool, require_str


@dataclass(frozen=True)
class QueryChangesArgs:
    """Validated /queryChanges arguments."""

    account_id: str
    filter: Filter | None
    sort: list[Comparator]
    since_query_state: str
    max_changes: int | None
    up_to_id: str | None
    calculate_total: bool


def parse_query_changes(
    args: Mapping[str, Any],
    call: CallContext | None = None,
    *,
    parse_condition: Callable[[dict[str, Any]], Any] | None = None,
    sortable: Collection[str] | None = None,
    collations: Collection[str] = tuple(COLLATIONS),
) -> QueryChangesArgs:
    """Validate a standard /queryChanges call (maxChanges, if given, must be > 0)."""
    account_id = call.checked_account(args) if call is not None else account_id_of(args)
    up_to_id = args.get("upToId")
    return QueryChangesArgs(
        account_id=account_id,
        filter=parse_filter(args.get("filter"), parse_condition),
        sort=parse_sort(args.get("sort"), sortable, collations),
        since_query_state=require_str(args, "sinceQueryState"),
        max_changes=parse_max_changes(args),
        up_to_id=None if up_to_id is None else check_id(up_to_id, "upToId"),
        calculate_total=opt_bool(args, "calculateTotal", False),
    )


@dataclass(frozen=True)
class QueryChanges:
    """`removed`, `added` (as {id, index} objects, by index) and `total` when asked for."""

    removed: list[str]
    added: list[dict[str, Any]]
    total: int | None


def query_changes(
    current_ids: Sequence[str],
    changed_ids: Iterable[str],
    destroyed_ids: Iterable[str],
    up_to_id: str | None,
    max_changes: int | None,
    calculate_total: bool,
) -> QueryChanges:
    """Compute /queryChanges without knowing the old results, the way §5.6 allows.

    `changed_ids` are the records created or updated since the client's state, `destroyed_ids`
    those destroyed. Treating every changed record as possibly moved (the "mutable property"
    rule): all changed and destroyed ids go in `removed` (it may name ids never in the old
    results, which §5.6 permits) and every changed id still in the results is re-added at
    its new index.

    `upToId` (errata): added ids past it in the new results are omitted when it is in the new
    results and did not itself change (had it moved, the client's cached prefix would no
    longer line up). Removed ids cannot be trimmed, since we do not know the old indexes; the
    erratum says to ignore upToId for them in that case.

    More than `max_changes` entries in removed + added is tooManyChanges.
    """
    changed = dict.fromkeys(changed_ids)
    removed = list(dict.fromkeys([*changed, *destroyed_ids]))
    index_of = {record_id: index for index, record_id in enumerate(current_ids)}
    cutoff = len(current_ids)
    if up_to_id is not None and up_to_id in index_of and up_to_id not in changed:
        cutoff = index_of[up_to_id] + 1
    positions = sorted(
        (index_of[record_id], record_id) for record_id in changed if index_of.get(record_id, cutoff) < cutoff
    )
    added: list[dict[str, Any]] = [{"id": record_id, "index": index} for index, record_id in positions]
    if max_changes is not None and len(removed) + len(added) > max_changes:
        raise MethodError(
            TOO_MANY_CHANGES, f"{len(removed) + len(added)} changes exceed maxChanges ({max_changes})"
        )
    return QueryChanges(removed=removed, added=added, total=len(current_ids) if calculate_total else None)


def query_changes_response(
    args: QueryChangesArgs, changes: QueryChanges, new_query_state: str
) -> dict[str, Any]:
    """The /queryChanges response; `total` only when it was requested."""
    response: dict[str, Any] = {
        "accountId": args.account_id,
        "oldQueryState": args.since_query_state,
        "newQueryState": new_query_state,
        "removed": changes.removed,
        "added": changes.added,
    }
    if changes.total is not None:
        response["total"] = changes.total
    return response
