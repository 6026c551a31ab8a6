"""RFC 8621 §2.3 (RFC 8620 §5.5): Mailbox/query, with sortAsTree and filterAsTree.

Decision: the `name` condition is a substring match under the default collation
(i;unicode-casemap), i.e. case-insensitive, as users expect of a folder search. Without a `sort`
the order is sortOrder, then name, then id: the order RFC 8621 §2 asks clients to show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailx.methods.mailbox._tree import filter_as_tree, tree_order
from mailx.protocol.collation import collation_contains
from mailx.protocol.context import CallContext
from mailx.protocol.errors import UNSUPPORTED_FILTER, MethodError
from mailx.protocol.query_filter import Comparator, Filter, evaluate, sort_records
from mailx.protocol.standard_query import parse_query, query_response, window
from mailx.protocol.validate import invalid, is_id_or_creation_ref, opt_bool
from mailx.store import mailboxes
from mailx.store.mailboxes import MailboxRecord

SORTABLE = ("sortOrder", "name")
DEFAULT_SORT = [Comparator("sortOrder"), Comparator("name")]
_BOOLEAN_CONDITIONS = ("hasAnyRole", "isSubscribed")


def condition_parser(call: CallContext) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Validate one FilterCondition (§2.3); an unknown property is unsupportedFilter."""

    def parse(condition: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(condition) - {"parentId", "name", "role", *_BOOLEAN_CONDITIONS})
        if unknown:
            raise MethodError(UNSUPPORTED_FILTER, f"Mailbox/query cannot filter on {', '.join(unknown)}")
        parsed = dict(condition)
        parent = condition.get("parentId")
        if parent is not None:
            if not is_id_or_creation_ref(parent):
                raise invalid("filter 'parentId' must be an Id or null")
            parsed["parentId"] = call.resolve_id(parent) or parent
        if "name" in condition and not isinstance(condition["name"], str):
            raise invalid("filter 'name' must be a string")
        if condition.get("role") is not None and not isinstance(condition["role"], str):
            raise invalid("filter 'role' must be a string or null")
        for name in _BOOLEAN_CONDITIONS:
            if name in condition and not isinstance(condition[name], bool):
                raise invalid(f"filter {name!r} must be a boolean")
        return parsed

    return parse


def matches(record: MailboxRecord, condition: Mapping[str, Any]) -> bool:
    """Does the mailbox meet every property of one FilterCondition?"""
    if "parentId" in condition and record.parent_id != condition["parentId"]:
        return False
    if "name" in condition and not collation_contains(None, record.name, condition["name"]):
        return False
    if "role" in condition and record.role != condition["role"]:
        return False
    if "hasAnyRole" in condition and (record.role is not None) != condition["hasAnyRole"]:
        return False
    return "isSubscribed" not in condition or record.is_subscribed == condition["isSubscribed"]


def _matches_filter(record: MailboxRecord, filter_: Filter | None) -> bool:
    return evaluate(filter_, lambda condition: matches(record, condition))


def _value(record: MailboxRecord, comparator: Comparator) -> Any:
    return record.sort_order if comparator.property == "sortOrder" else record.name


@dataclass(frozen=True)
class TreeOptions:
    """The two extra /query arguments of §2.3."""

    sort_as_tree: bool
    filter_as_tree: bool

    @classmethod
    def parse(cls, args: Mapping[str, Any]) -> TreeOptions:
        return cls(opt_bool(args, "sortAsTree", False), opt_bool(args, "filterAsTree", False))


def results(
    forest: Mapping[str, MailboxRecord], filter_: Filter | None, sort: Sequence[Comparator], tree: TreeOptions
) -> list[str]:
    """The ids of the whole result list, filtered and sorted (ties keep the id order)."""
    matched = {i for i, record in forest.items() if _matches_filter(record, filter_)}
    if tree.filter_as_tree:
        matched = filter_as_tree(forest, matched)
    comparators = list(sort) or DEFAULT_SORT

    def sort_siblings(records: Sequence[MailboxRecord]) -> list[MailboxRecord]:
        return sort_records(sorted(records, key=lambda r: r.mailbox_id), comparators, _value)

    if tree.sort_as_tree:
        return [mailbox_id for mailbox_id in tree_order(forest, sort_siblings) if mailbox_id in matched]
    return [record.mailbox_id for record in sort_siblings([forest[i] for i in matched])]


def load(account_id: str) -> dict[str, MailboxRecord]:
    """Every mailbox of the account by id."""
    return {record.mailbox_id: record for record in mailboxes.list_all(account_id)}


def mailbox_query(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """The ids of matching mailboxes; the queryState is the Mailbox state."""
    parsed = parse_query(args, call, parse_condition=condition_parser(call), sortable=SORTABLE)
    tree = TreeOptions.parse(args)
    state = call.services.state(parsed.account_id, "Mailbox")
    ids = results(load(parsed.account_id), parsed.filter, parsed.sort, tree)
    cut = window(ids, parsed.position, parsed.anchor, parsed.anchor_offset, parsed.limit)
    return query_response(parsed, cut, state, can_calculate_changes=True)
