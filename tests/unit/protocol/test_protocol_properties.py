"""Property-based checks (hypothesis) of the pure helpers against simple reference models."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailx.protocol.errors import MethodError
from mailx.protocol.pointer import escape_token, evaluate_pointer, parse_pointer
from mailx.protocol.standard_changes import ChangeKind, collapse_changes
from mailx.protocol.standard_query import window

ids_lists = st.lists(st.text("abcdefgh", min_size=1, max_size=3), unique=True, max_size=12)


@given(st.lists(st.text(max_size=6), max_size=4))
def test_escaped_tokens_round_trip(tokens: list[str]) -> None:
    pointer = "".join("/" + escape_token(token) for token in tokens)
    assert parse_pointer(pointer) == tokens


@given(st.dictionaries(st.text(max_size=5), st.integers(), min_size=1))
def test_every_key_is_reachable(document: dict[str, int]) -> None:
    for key, value in document.items():
        assert evaluate_pointer(document, "/" + escape_token(key)) == value


@given(ids_lists, st.integers(-20, 20), st.none() | st.integers(0, 20))
def test_window_matches_a_slice(ids: list[str], position: int, limit: int | None) -> None:
    start = max(0, len(ids) + position) if position < 0 else position
    result = window(ids, position=position, limit=limit)
    assert result.position == start
    assert result.ids == ids[start : None if limit is None else start + limit]
    assert result.total == len(ids)


kinds = st.sampled_from(["created", "updated", "destroyed"])
logs = st.lists(st.tuples(st.integers(1, 6), st.sampled_from("abcde"), kinds), max_size=25)


@given(logs, st.integers(1, 6))
def test_paging_never_exceeds_max_changes_and_always_progresses(
    raw: list[tuple[int, str, ChangeKind]], max_changes: int
) -> None:
    log = sorted(raw, key=lambda entry: entry[0])
    since = 0
    while True:
        remaining = [entry for entry in log if entry[0] > since]
        try:
            page = collapse_changes(remaining, max_changes)
        except MethodError as error:
            # Only when one modseq alone exceeds maxChanges
            assert error.type == "cannotCalculateChanges"
            return
        assert len(page.created) + len(page.updated) + len(page.destroyed) <= max_changes
        if not page.has_more:
            assert page.last_modseq == (log[-1][0] if log else None)
            return
        assert page.last_modseq is not None and page.last_modseq > since
        since = page.last_modseq
