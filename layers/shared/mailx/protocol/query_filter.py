"""RFC 8620 §5.5: FilterOperator trees, Comparators, and evaluating and sorting with them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import cmp_to_key
from typing import Any, Literal, TypeAlias, TypeVar

from mailx.protocol.collation import COLLATIONS, collation_key
from mailx.protocol.errors import UNSUPPORTED_FILTER, UNSUPPORTED_SORT, MethodError
from mailx.protocol.validate import invalid

Operator = Literal["AND", "OR", "NOT"]
T = TypeVar("T")

# Deep filters are legitimate but unbounded recursion is not: past this depth, unsupportedFilter.
MAX_FILTER_DEPTH = 32


@dataclass(frozen=True)
class FilterOperator:
    """AND / OR / NOT over nested conditions (NOT means none of them match)."""

    operator: Operator
    conditions: tuple[Filter, ...]


# A FilterCondition is kept as the type-specific value its parser returned (often the dict).
Filter: TypeAlias = FilterOperator | Any


def parse_filter(
    value: Any, parse_condition: Callable[[dict[str, Any]], Any] | None = None, *, _depth: int = 0
) -> Filter | None:
    """Parse `filter`: an object with `operator` is a FilterOperator, any other object a condition.

    `parse_condition` validates a FilterCondition for the data type and may return any value
    (or raise unsupportedFilter / invalidArguments); by default the dict is kept as it is.
    """
    if value is None and _depth == 0:
        return None
    if not isinstance(value, dict):
        raise invalid("'filter' must be a FilterOperator or FilterCondition object")
    if _depth > MAX_FILTER_DEPTH:
        raise MethodError(UNSUPPORTED_FILTER, f"filter nesting deeper than {MAX_FILTER_DEPTH}")
    if "operator" not in value:
        return parse_condition(value) if parse_condition is not None else value
    operator = value["operator"]
    conditions = value.get("conditions")
    if operator not in ("AND", "OR", "NOT"):
        raise invalid("a FilterOperator's 'operator' must be AND, OR or NOT")
    if not isinstance(conditions, list):
        raise invalid("a FilterOperator needs a 'conditions' array")
    if set(value) - {"operator", "conditions"}:
        raise invalid("a FilterOperator may only have 'operator' and 'conditions'")
    parsed = tuple(parse_filter(item, parse_condition, _depth=_depth + 1) for item in conditions)
    return FilterOperator(operator, parsed)


def evaluate(filter_: Filter | None, match_condition: Callable[[Any], bool]) -> bool:
    """Does a record match? `match_condition` tests one parsed condition against that record."""
    if filter_ is None:
        return True
    if not isinstance(filter_, FilterOperator):
        return match_condition(filter_)
    results = (evaluate(item, match_condition) for item in filter_.conditions)
    if filter_.operator == "AND":
        return all(results)
    if filter_.operator == "OR":
        return any(results)
    return not any(results)


@dataclass(frozen=True)
class Comparator:
    """One sort criterion; `extra` keeps type-specific properties other than `keyword`."""

    property: str
    is_ascending: bool = True
    collation: str | None = None
    keyword: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _parse_comparator(item: Any, sortable: Collection[str] | None, collations: Collection[str]) -> Comparator:
    if not isinstance(item, dict) or not isinstance(item.get("property"), str):
        raise invalid("each 'sort' entry must be a Comparator object with a string 'property'")
    ascending = item.get("isAscending", True)
    collation = item.get("collation")
    keyword = item.get("keyword")
    if not isinstance(ascending, bool):
        raise invalid("'isAscending' must be a boolean")
    if collation is not None and not isinstance(collation, str):
        raise invalid("'collation' must be a string")
    if keyword is not None and not isinstance(keyword, str):
        raise invalid("'keyword' must be a string")
    if sortable is not None and item["property"] not in sortable:
        raise MethodError(UNSUPPORTED_SORT, f"cannot sort on {item['property']!r}")
    if collation is not None and collation not in collations:
        raise MethodError(UNSUPPORTED_SORT, f"unsupported collation {collation!r}")
    extra = {k: v for k, v in item.items() if k not in ("property", "isAscending", "collation", "keyword")}
    return Comparator(item["property"], ascending, collation, keyword, extra)


def parse_sort(
    value: Any, sortable: Collection[str] | None = None, collations: Collection[str] = tuple(COLLATIONS)
) -> list[Comparator]:
    """Parse `sort` (null or [] → no comparators); unknown property or collation → unsupportedSort."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("'sort' must be an array of Comparators or null")
    return [_parse_comparator(item, sortable, collations) for item in value]


def _compare_values(left: Any, right: Any, collation: str | None) -> int:
    # Nulls (absent values) sort before everything in ascending order.
    if left is None or right is None:
        return (left is not None) - (right is not None)
    if isinstance(left, str) and isinstance(right, str):
        key = collation_key(collation)
        left, right = key(left), key(right)
    ordering: int = (left > right) - (left < right)
    return ordering


def sort_records(
    records: Sequence[T], comparators: Sequence[Comparator], value_of: Callable[[T, Comparator], Any]
) -> list[T]:
    """Stable multi-key sort: ties on every comparator keep the input order (RFC 8620 §5.5).

    Strings compare under the comparator's collation; other values (Boolean, Number, dates as
    datetimes or UTCDate strings) compare naturally. Give `records` in a stable base order.
    """

    def compare(left: T, right: T) -> int:
        for comparator in comparators:
            result = _compare_values(
                value_of(left, comparator), value_of(right, comparator), comparator.collation
            )
            if result:
                return result if comparator.is_ascending else -result
        return 0

    return sorted(records, key=cmp_to_key(compare))
