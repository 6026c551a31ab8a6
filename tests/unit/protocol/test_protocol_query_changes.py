"""Standard /queryChanges (RFC 8620 §5.6 with errata): removed/added, upToId, maxChanges."""

from __future__ import annotations

from typing import Any

import pytest

from mailx.protocol.context import CallContext
from mailx.protocol.errors import MethodError
from mailx.protocol.standard_query_changes import (
    QueryChanges,
    parse_query_changes,
    query_changes,
    query_changes_response,
)

# The query results now, after: m2 destroyed, m5 created (sorts first), m3 updated (stays put).
CURRENT = ["m5", "m1", "m3", "m4", "m6"]


def _splice(cached: list[str], changes: QueryChanges) -> list[str]:
    """The client algorithm of §5.6 for a cached prefix without gaps."""
    result = [record_id for record_id in cached if record_id not in changes.removed]
    for item in changes.added:
        result.insert(item["index"], item["id"])
    return result


def test_every_change_is_removed_and_re_added_at_its_new_index() -> None:
    changes = query_changes(CURRENT, ["m5", "m3"], ["m2"], None, None, calculate_total=True)
    assert changes == QueryChanges(
        removed=["m5", "m3", "m2"],  # m5 was never in the old results: allowed by §5.6
        added=[{"id": "m5", "index": 0}, {"id": "m3", "index": 2}],
        total=5,
    )
    # And a client applying it to the old results reaches the new ones
    old = ["m1", "m2", "m3", "m4", "m6"]
    assert _splice(old, changes) == CURRENT


def test_up_to_id_omits_added_ids_past_it() -> None:
    # Given the client has cached only up to m1 in the old results
    changes = query_changes(CURRENT, ["m5", "m3", "m6"], [], "m1", None, calculate_total=False)
    # Then additions past m1's new index are left out, and the cached prefix is still right
    assert changes.added == [{"id": "m5", "index": 0}]
    assert changes.total is None
    assert _splice(["m1"], changes) == CURRENT[:2]


def test_up_to_id_is_ignored_when_it_changed_itself_or_is_gone() -> None:
    changed = query_changes(CURRENT, ["m1", "m6"], [], "m1", None, calculate_total=False)
    assert changed.added == [{"id": "m1", "index": 1}, {"id": "m6", "index": 4}]
    gone = query_changes(CURRENT, ["m6"], ["m9"], "m9", None, calculate_total=False)
    assert gone.added == [{"id": "m6", "index": 4}]


def test_more_changes_than_max_changes_is_too_many_changes() -> None:
    query_changes(CURRENT, ["m5"], ["m2"], None, 3, calculate_total=False)  # 2 removed + 1 added
    with pytest.raises(MethodError) as caught:
        query_changes(CURRENT, ["m5"], ["m2"], None, 2, calculate_total=False)
    assert caught.value.type == "tooManyChanges"


def test_no_changes() -> None:
    assert query_changes(CURRENT, [], [], None, 1, calculate_total=True) == QueryChanges([], [], 5)


def test_parse_query_changes(call: CallContext) -> None:
    args = {
        "accountId": "A1",
        "filter": {"inMailbox": "m1"},
        "sort": [{"property": "receivedAt", "isAscending": False}],
        "sinceQueryState": "q1",
        "maxChanges": 50,
        "upToId": "M9",
        "calculateTotal": True,
    }
    parsed = parse_query_changes(args, call)
    assert (parsed.since_query_state, parsed.max_changes, parsed.up_to_id) == ("q1", 50, "M9")
    assert parsed.filter == {"inMailbox": "m1"} and parsed.calculate_total
    changes = query_changes(CURRENT, ["m5"], [], parsed.up_to_id, parsed.max_changes, parsed.calculate_total)
    assert query_changes_response(parsed, changes, "q2") == {
        "accountId": "A1",
        "oldQueryState": "q1",
        "newQueryState": "q2",
        "removed": ["m5"],
        "added": [{"id": "m5", "index": 0}],
        "total": 5,
    }


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"sinceQueryState": 5},
        {"sinceQueryState": "q", "maxChanges": 0},
        {"sinceQueryState": "q", "upToId": ""},
    ],
)
def test_bad_query_changes_arguments(call: CallContext, args: dict[str, Any]) -> None:
    with pytest.raises(MethodError) as caught:
        parse_query_changes({"accountId": "A1", **args}, call)
    assert caught.value.type == "invalidArguments"
