"""Standard /changes (RFC 8620 §5.2): argument checks and collapsing the change log into pages."""

from __future__ import annotations

from typing import Any

import pytest

from mailx.protocol.context import CallContext
from mailx.protocol.errors import MethodError
from mailx.protocol.standard_changes import (
    ChangeKind,
    ChangesPage,
    changes_response,
    collapse_changes,
    parse_changes,
)

LOG: list[tuple[int, str, ChangeKind]] = [
    (1, "a", "created"),
    (1, "b", "updated"),
    (2, "a", "updated"),  # created+updated -> created
    (2, "c", "updated"),
    (3, "c", "destroyed"),  # updated+destroyed -> destroyed
    (3, "d", "created"),
    (4, "d", "destroyed"),  # created+destroyed -> omitted
    (5, "e", "created"),
    (5, "f", "created"),
    (5, "g", "created"),
]


def test_parse_changes(call: CallContext) -> None:
    parsed = parse_changes({"accountId": "A1", "sinceState": "s1", "maxChanges": 5}, call)
    assert (parsed.account_id, parsed.since_state, parsed.max_changes) == ("A1", "s1", 5)
    assert parse_changes({"accountId": "A1", "sinceState": "s1"}).max_changes is None


@pytest.mark.parametrize(
    ("args", "description"),
    [
        ({"accountId": "A1"}, "'sinceState' is required and must be a string"),
        ({"accountId": "A1", "sinceState": "s", "maxChanges": 0}, "'maxChanges' must be greater than 0"),
        ({"accountId": "A1", "sinceState": "s", "maxChanges": -1}, "'maxChanges' must be an UnsignedInt"),
        ({"accountId": "A1", "sinceState": "s", "maxChanges": "5"}, "'maxChanges' must be an UnsignedInt"),
    ],
)
def test_bad_changes_arguments(call: CallContext, args: dict[str, Any], description: str) -> None:
    with pytest.raises(MethodError) as caught:
        parse_changes(args, call)
    assert caught.value.to_response_args() == {"type": "invalidArguments", "description": description}


def test_everything_in_one_page_applies_the_collapsing_rules() -> None:
    page = collapse_changes(LOG, None)
    assert page == ChangesPage(
        created=["a", "e", "f", "g"], updated=["b"], destroyed=["c"], last_modseq=5, has_more=False
    )


def test_pages_stop_on_whole_modseqs() -> None:
    # Given maxChanges 3: modseqs 1-2 touch a, b, c; modseq 3 would add d (a fourth id)
    first = collapse_changes(LOG, 3)
    assert first == ChangesPage(["a"], ["b", "c"], [], last_modseq=2, has_more=True)
    # When the client continues from modseq 2: c is destroyed, d comes and goes, then e/f/g
    second = collapse_changes([entry for entry in LOG if entry[0] > 2], 3)
    assert second == ChangesPage([], [], ["c"], last_modseq=4, has_more=True)
    # Then the last modseq comes whole on the third page
    third = collapse_changes([entry for entry in LOG if entry[0] > 4], 3)
    assert third == ChangesPage(["e", "f", "g"], [], [], last_modseq=5, has_more=False)


def test_a_modseq_is_never_split_even_if_it_would_fit_partially() -> None:
    page = collapse_changes(LOG, 4)
    assert page.last_modseq == 4 and page.has_more
    assert len(page.created) + len(page.updated) + len(page.destroyed) == 3


def test_a_single_modseq_larger_than_max_changes_cannot_be_calculated() -> None:
    with pytest.raises(MethodError) as caught:
        collapse_changes([(5, "e", "created"), (5, "f", "created")], 1)
    assert caught.value.type == "cannotCalculateChanges"


def test_omitted_ids_do_not_count_against_max_changes() -> None:
    log: list[tuple[int, str, ChangeKind]] = [(1, "x", "created"), (2, "x", "destroyed"), (3, "y", "created")]
    assert collapse_changes(log, 1) == ChangesPage(["y"], [], [], last_modseq=3, has_more=False)


def test_no_changes() -> None:
    assert collapse_changes([], 10) == ChangesPage([], [], [], last_modseq=None, has_more=False)


def test_changes_response_shape(call: CallContext) -> None:
    args = parse_changes({"accountId": "A1", "sinceState": "s1"}, call)
    page = collapse_changes(LOG, None)
    assert changes_response(args, page, "s5", updatedProperties=None) == {
        "accountId": "A1",
        "oldState": "s1",
        "newState": "s5",
        "hasMoreChanges": False,
        "created": ["a", "e", "f", "g"],
        "updated": ["b"],
        "destroyed": ["c"],
        "updatedProperties": None,
    }
