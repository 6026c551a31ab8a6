"""Standard /query (RFC 8620 §5.5): arguments, filters, sorting, collations and the result window."""

from __future__ import annotations

from typing import Any

import pytest

from mailx.protocol.collation import collation_contains, collation_equal, collation_key
from mailx.protocol.context import CallContext
from mailx.protocol.errors import MethodError
from mailx.protocol.query_filter import Comparator, FilterOperator, evaluate, parse_filter, sort_records
from mailx.protocol.standard_query import QueryWindow, parse_query, query_response, window

IDS = ["a", "b", "c", "d", "e"]


def _error(fn: Any, *args: Any, **kwargs: Any) -> MethodError:
    with pytest.raises(MethodError) as caught:
        fn(*args, **kwargs)
    return caught.value


# -- window ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected_ids", "expected_position"),
    [
        ({}, IDS, 0),
        ({"position": 1, "limit": 2}, ["b", "c"], 1),
        ({"position": -2}, ["d", "e"], 3),  # counts from the end
        ({"position": -9, "limit": 2}, ["a", "b"], 0),  # still negative: clamped to 0
        ({"position": 5}, [], 5),  # at the end: empty, not an error
        ({"position": 9}, [], 9),
        ({"limit": 0}, [], 0),
        ({"anchor": "c"}, ["c", "d", "e"], 2),
        ({"anchor": "c", "anchor_offset": -1, "limit": 2}, ["b", "c"], 1),
        ({"anchor": "b", "anchor_offset": -5}, IDS, 0),  # clamped to 0
        ({"anchor": "c", "anchor_offset": 9}, [], 11),
        ({"anchor": "d", "position": 0}, ["d", "e"], 3),  # position ignored with an anchor
        ({"position": 1, "anchor_offset": 3}, ["b", "c", "d", "e"], 1),  # offset ignored without one
    ],
)
def test_window(kwargs: dict[str, Any], expected_ids: list[str], expected_position: int) -> None:
    result = window(IDS, **kwargs)
    assert result == QueryWindow(ids=expected_ids, position=expected_position, total=5)


def test_anchor_not_found() -> None:
    assert _error(window, IDS, anchor="zz").type == "anchorNotFound"


def test_server_max_limit_clamps_and_is_reported() -> None:
    assert window(IDS, limit=None, max_limit=2) == QueryWindow(["a", "b"], 0, 5, limit=2)
    assert window(IDS, limit=9, max_limit=2).limit == 2
    assert window(IDS, limit=1, max_limit=2) == QueryWindow(["a"], 0, 5, limit=None)


# -- arguments ---------------------------------------------------------------------------------


def test_parse_query_defaults(call: CallContext) -> None:
    parsed = parse_query({"accountId": "A1"}, call)
    assert (parsed.filter, parsed.sort, parsed.position, parsed.anchor) == (None, [], 0, None)
    assert (parsed.anchor_offset, parsed.limit, parsed.calculate_total) == (0, None, False)


def test_parse_query_full(call: CallContext) -> None:
    args = {
        "accountId": "A1",
        "filter": {"operator": "OR", "conditions": [{"inMailbox": "m1"}, {"hasKeyword": "$flagged"}]},
        "sort": [
            {"property": "receivedAt", "isAscending": False},
            {"property": "subject", "collation": "i;ascii-casemap"},
            {"property": "hasKeyword", "keyword": "$seen"},
        ],
        "position": -5,
        "anchor": "M1",
        "anchorOffset": -1,
        "limit": 10,
        "calculateTotal": True,
    }
    parsed = parse_query(args, call, sortable={"receivedAt", "subject", "hasKeyword"})
    assert parsed.filter == FilterOperator("OR", ({"inMailbox": "m1"}, {"hasKeyword": "$flagged"}))
    assert parsed.sort == [
        Comparator("receivedAt", is_ascending=False),
        Comparator("subject", collation="i;ascii-casemap"),
        Comparator("hasKeyword", keyword="$seen"),
    ]
    assert (parsed.position, parsed.anchor, parsed.anchor_offset, parsed.limit) == (-5, "M1", -1, 10)
    assert parsed.calculate_total is True


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"limit": -1}, "invalidArguments"),
        ({"limit": "5"}, "invalidArguments"),
        ({"position": 1.5}, "invalidArguments"),
        ({"anchor": "not an id"}, "invalidArguments"),
        ({"calculateTotal": "yes"}, "invalidArguments"),
        ({"filter": []}, "invalidArguments"),
        ({"filter": {"operator": "XOR", "conditions": []}}, "invalidArguments"),
        ({"filter": {"operator": "AND"}}, "invalidArguments"),
        ({"filter": {"operator": "AND", "conditions": [5]}}, "invalidArguments"),
        ({"sort": {"property": "size"}}, "invalidArguments"),
        ({"sort": [{"isAscending": True}]}, "invalidArguments"),
        ({"sort": [{"property": "size", "isAscending": "no"}]}, "invalidArguments"),
        ({"sort": [{"property": "color"}]}, "unsupportedSort"),
        ({"sort": [{"property": "size", "collation": "i;klingon"}]}, "unsupportedSort"),
    ],
)
def test_bad_query_arguments(call: CallContext, args: dict[str, Any], error: str) -> None:
    assert _error(parse_query, {"accountId": "A1", **args}, call, sortable={"size"}).type == error


def test_condition_parser_can_reject_a_filter(call: CallContext) -> None:
    def parse_condition(condition: dict[str, Any]) -> Any:
        if set(condition) - {"inMailbox"}:
            raise MethodError("unsupportedFilter", "unknown condition")
        return condition

    args = {"accountId": "A1", "filter": {"operator": "NOT", "conditions": [{"color": "red"}]}}
    assert _error(parse_query, args, call, parse_condition=parse_condition).type == "unsupportedFilter"


def test_query_response_includes_total_only_when_asked(call: CallContext) -> None:
    parsed = parse_query({"accountId": "A1", "calculateTotal": True}, call)
    assert query_response(parsed, window(IDS, limit=2), "q1", can_calculate_changes=True) == {
        "accountId": "A1",
        "queryState": "q1",
        "canCalculateChanges": True,
        "position": 0,
        "ids": ["a", "b"],
        "total": 5,
    }
    plain = parse_query({"accountId": "A1"}, call)
    assert "total" not in query_response(plain, window(IDS), "q1", can_calculate_changes=False)


# -- filters and sorting -----------------------------------------------------------------------

RECORDS: list[dict[str, Any]] = [
    {"id": "1", "size": 10, "subject": "apple", "flagged": True},
    {"id": "2", "size": 30, "subject": "Banana", "flagged": False},
    {"id": "3", "size": 20, "subject": "cherry", "flagged": True},
    {"id": "4", "size": 20, "subject": None, "flagged": False},
]


def _matches(filter_json: dict[str, Any]) -> list[str]:
    parsed = parse_filter(filter_json)

    def matches(record: dict[str, Any]) -> bool:
        return evaluate(parsed, lambda condition: all(record[k] == v for k, v in condition.items()))

    return [r["id"] for r in RECORDS if matches(r)]


def test_filter_operators() -> None:
    assert _matches({"flagged": True}) == ["1", "3"]
    assert _matches({"operator": "AND", "conditions": [{"flagged": True}, {"size": 20}]}) == ["3"]
    assert _matches({"operator": "OR", "conditions": [{"size": 10}, {"size": 30}]}) == ["1", "2"]
    assert _matches({"operator": "NOT", "conditions": [{"size": 10}, {"size": 30}]}) == ["3", "4"]
    nested = {
        "operator": "AND",
        "conditions": [{"operator": "NOT", "conditions": [{"flagged": True}]}, {"size": 20}],
    }
    assert _matches(nested) == ["4"]
    assert _matches({"operator": "OR", "conditions": []}) == []
    assert evaluate(None, lambda condition: False) is True


def _sorted_ids(comparators: list[Comparator]) -> list[str]:
    ordered = sort_records(RECORDS, comparators, lambda record, comparator: record[comparator.property])
    return [r["id"] for r in ordered]


def test_sort_is_stable_and_multi_key() -> None:
    assert _sorted_ids([Comparator("size")]) == ["1", "3", "4", "2"]
    assert _sorted_ids([Comparator("size", is_ascending=False)]) == ["2", "3", "4", "1"]
    assert _sorted_ids([Comparator("size"), Comparator("id", is_ascending=False)]) == ["1", "4", "3", "2"]
    assert _sorted_ids([Comparator("flagged")]) == ["2", "4", "1", "3"]  # false before true
    assert _sorted_ids([]) == ["1", "2", "3", "4"]


def test_sort_strings_by_collation_with_nulls_first() -> None:
    assert _sorted_ids([Comparator("subject", collation="i;octet")]) == ["4", "2", "1", "3"]
    assert _sorted_ids([Comparator("subject", collation="i;unicode-casemap")]) == ["4", "1", "2", "3"]
    assert _sorted_ids([Comparator("subject")]) == ["4", "1", "2", "3"]  # default is case-insensitive


def test_collations() -> None:
    assert collation_key("i;octet")("B") < collation_key("i;octet")("a")
    assert collation_equal("i;ascii-casemap", "Hello", "hELLO")
    assert not collation_equal("i;ascii-casemap", "Straße", "STRASSE")  # ASCII only
    assert not collation_equal("i;ascii-casemap", "é", "É")
    assert collation_equal("i;unicode-casemap", "é", "É")
    assert collation_equal("i;unicode-casemap", "Straße", "STRASSE")
    assert collation_equal("i;unicode-casemap", "e\u0301", "\u00e9")  # decomposed vs precomposed
    assert collation_equal(None, "ÅNGSTRÖM", "ångström")
    assert collation_contains("i;unicode-casemap", "Re: Grüße aus Köln", "GRÜSSE")
    assert not collation_contains("i;octet", "Hello", "hello")
    with pytest.raises(KeyError):
        collation_key("i;klingon")
