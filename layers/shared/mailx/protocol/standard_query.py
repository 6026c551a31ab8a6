"""RFC 8620 §5.5 (with errata): /query arguments, the result window and the response shape."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailx.protocol.collation import COLLATIONS
from mailx.protocol.context import CallContext
from mailx.protocol.errors import ANCHOR_NOT_FOUND, MethodError
from mailx.protocol.query_filter import Comparator, Filter, parse_filter, parse_sort
from mailx.protocol.validate import account_id_of, check_id, invalid, opt_bool, opt_int, opt_unsigned_int


@dataclass(frozen=True)
class QueryArgs:
    """Validated /query arguments."""

    account_id: str
    filter: Filter | None
    sort: list[Comparator]
    position: int = 0
    anchor: str | None = None
    anchor_offset: int = 0
    limit: int | None = None
    calculate_total: bool = False


def parse_query(
    args: Mapping[str, Any],
    call: CallContext | None = None,
    *,
    parse_condition: Callable[[dict[str, Any]], Any] | None = None,
    sortable: Collection[str] | None = None,
    collations: Collection[str] = tuple(COLLATIONS),
) -> QueryArgs:
    """Validate a standard /query call.

    `parse_condition` validates one FilterCondition of the data type; `sortable` lists the
    properties the type can sort on (others → unsupportedSort). A negative `limit` is
    invalidArguments, as §5.5 requires.
    """
    account_id = call.checked_account(args) if call is not None else account_id_of(args)
    anchor = args.get("anchor")
    if anchor is not None:
        anchor = check_id(anchor, "anchor")
    limit = args.get("limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit < 0:
        raise invalid("'limit' must not be negative")
    return QueryArgs(
        account_id=account_id,
        filter=parse_filter(args.get("filter"), parse_condition),
        sort=parse_sort(args.get("sort"), sortable, collations),
        position=opt_int(args, "position", 0),
        anchor=anchor,
        anchor_offset=opt_int(args, "anchorOffset", 0),
        limit=opt_unsigned_int(args, "limit"),
        calculate_total=opt_bool(args, "calculateTotal", False),
    )


@dataclass(frozen=True)
class QueryWindow:
    """The slice to return; `limit` is set only when the server clamped the client's limit."""

    ids: list[str]
    position: int
    total: int
    limit: int | None = None


def _start(ids: Sequence[str], position: int, anchor: str | None, anchor_offset: int) -> int:
    if anchor is not None:
        # §5.5: with an anchor, `position` is ignored; anchor index + anchorOffset, clamped to 0.
        try:
            index = ids.index(anchor)
        except ValueError:
            raise MethodError(ANCHOR_NOT_FOUND, f"anchor {anchor!r} is not in the results") from None
        return max(0, index + anchor_offset)
    if position < 0:
        # A negative position counts from the end, and is clamped to 0 if still negative.
        return max(0, len(ids) + position)
    return position


def window(
    ids: Sequence[str],
    position: int = 0,
    anchor: str | None = None,
    anchor_offset: int = 0,
    limit: int | None = None,
    *,
    max_limit: int | None = None,
) -> QueryWindow:
    """Cut the full, sorted result list down to what the client asked for (RFC 8620 §5.5).

    A start at or past the end gives an empty list, which is not an error. `max_limit` is the
    server's own cap: a larger or absent limit is clamped and reported back in `limit`.
    """
    clamped: int | None = None
    if max_limit is not None and (limit is None or limit > max_limit):
        limit = clamped = max_limit
    start = _start(ids, position, anchor, anchor_offset)
    end = len(ids) if limit is None else start + limit
    return QueryWindow(ids=list(ids[start:end]), position=start, total=len(ids), limit=clamped)


def query_response(
    args: QueryArgs, window_: QueryWindow, query_state: str, *, can_calculate_changes: bool
) -> dict[str, Any]:
    """The /query response; `total` only when asked for, `limit` only when the server set one."""
    response: dict[str, Any] = {
        "accountId": args.account_id,
        "queryState": query_state,
        "canCalculateChanges": can_calculate_changes,
        "position": window_.position,
        "ids": window_.ids,
    }
    if args.calculate_total:
        response["total"] = window_.total
    if window_.limit is not None:
        response["limit"] = window_.limit
    return response
