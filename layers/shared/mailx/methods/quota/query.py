"""RFC 9425 §4.4-4.5: Quota/query and Quota/queryChanges over the account's two quotas.

Filters: `name` (contains, case-insensitive), `scope`, `resourceType`, `type` (in `types`). Sorts:
`name` and `used` (RFC 9425 MUST), plus `id`, `resourceType`, `hardLimit`. The quotas never come
and go, and only `used` moves, so queryChanges reports nothing unless the sort uses `used`, when every
result is reported as removed and re-added at its index (RFC 8620 §5.6, mutable sort property).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailx.methods.quota._objects import load
from mailx.protocol.collation import collation_contains
from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_CALCULATE_CHANGES, UNSUPPORTED_FILTER, MethodError
from mailx.protocol.query_filter import Comparator, Filter, evaluate, sort_records
from mailx.protocol.standard_changes import parse_modseq_state
from mailx.protocol.standard_query import parse_query, query_response, window
from mailx.protocol.standard_query_changes import (
    parse_query_changes,
    query_changes,
    query_changes_response,
)
from mailx.protocol.validate import invalid

SORTABLE = ("name", "used", "id", "resourceType", "hardLimit")
_CONDITIONS = ("name", "scope", "resourceType", "type")


def _condition(condition: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(condition) - set(_CONDITIONS))
    if unknown:
        raise MethodError(UNSUPPORTED_FILTER, f"Quota/query cannot filter on {', '.join(unknown)}")
    for name, value in condition.items():
        if not isinstance(value, str):
            raise invalid(f"filter {name!r} must be a string")
    return dict(condition)


def _matches(record: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    if "name" in condition and not collation_contains(None, record["name"], condition["name"]):
        return False
    if "scope" in condition and record["scope"] != condition["scope"]:
        return False
    if "resourceType" in condition and record["resourceType"] != condition["resourceType"]:
        return False
    return "type" not in condition or condition["type"] in record["types"]


def _value(record: Mapping[str, Any], comparator: Comparator) -> Any:
    return record[comparator.property]


def results(
    records: Mapping[str, Mapping[str, Any]], filter_: Filter | None, sort: list[Comparator]
) -> list[str]:
    """The ids of the matching quotas, sorted (by id when no sort is given, or on ties)."""

    def keep(record: Mapping[str, Any]) -> bool:
        return evaluate(filter_, lambda condition: _matches(record, condition))

    matched = [records[i] for i in sorted(records) if keep(records[i])]
    return [str(record["id"]) for record in sort_records(matched, sort, _value)]


def quota_query(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Quota/query; its queryState is the Quota state."""
    parsed = parse_query(args, call, parse_condition=_condition, sortable=SORTABLE)
    records, state = load(call, parsed.account_id)
    ids = results(records, parsed.filter, parsed.sort)
    cut = window(ids, parsed.position, parsed.anchor, parsed.anchor_offset, parsed.limit)
    return query_response(parsed, cut, state, can_calculate_changes=True)


def quota_query_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Quota/queryChanges: only a sort on `used` can move a quota in the results."""
    parsed = parse_query_changes(args, call, parse_condition=_condition, sortable=SORTABLE)
    records, state = load(call, parsed.account_id)
    since = parse_modseq_state(parsed.since_query_state, "Quota query state")
    if since > int(state):
        raise MethodError(CANNOT_CALCULATE_CHANGES, f"unknown Quota query state {since}")
    ids = results(records, parsed.filter, parsed.sort)
    moved = since < int(state) and any(c.property == "used" for c in parsed.sort)
    changed = ids if moved else []
    found = query_changes(ids, changed, [], parsed.up_to_id, parsed.max_changes, parsed.calculate_total)
    return query_changes_response(parsed, found, state)
