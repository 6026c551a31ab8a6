"""JSON Pointer (RFC 6901 §5 examples) plus the RFC 8620 §3.7 `*` extension."""

from __future__ import annotations

from typing import Any

import pytest

from mailx.protocol.pointer import PointerError, escape_token, evaluate_pointer, parse_pointer

# The example document of RFC 6901 §5.
DOCUMENT: dict[str, Any] = {
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    'k"l': 6,
    " ": 7,
    "m~n": 8,
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", DOCUMENT),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ('/k"l', 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ],
)
def test_rfc_6901_examples(path: str, expected: Any) -> None:
    assert evaluate_pointer(DOCUMENT, path) == expected


def test_tilde_escapes_are_decoded_in_the_right_order() -> None:
    # "~01" is "~1" literally, not "/"
    assert parse_pointer("/~01") == ["~1"]
    assert escape_token("a/b~c") == "a~1b~0c"


@pytest.mark.parametrize(
    "path",
    ["foo", "/nope", "/foo/2", "/foo/-", "/foo/01", "/foo/+1", "/foo/0/x", "/m~2n", "/m~"],
)
def test_bad_paths_raise_pointer_error(path: str) -> None:
    with pytest.raises(PointerError):
        evaluate_pointer(DOCUMENT, path)


def test_star_maps_over_an_array_and_flattens_nested_arrays() -> None:
    document = {"list": [{"id": "t1", "emailIds": ["a", "b"]}, {"id": "t2", "emailIds": ["c"]}]}
    assert evaluate_pointer(document, "/list/*/id") == ["t1", "t2"]
    assert evaluate_pointer(document, "/list/*/emailIds") == ["a", "b", "c"]
    assert evaluate_pointer(document, "/list/*") == document["list"]


def test_star_is_an_ordinary_key_on_an_object() -> None:
    assert evaluate_pointer({"*": 1}, "/*") == 1
    with pytest.raises(PointerError):
        evaluate_pointer({"a": 1}, "/*")


def test_star_fails_when_any_item_lacks_the_rest_of_the_path() -> None:
    with pytest.raises(PointerError):
        evaluate_pointer({"list": [{"id": "a"}, {}]}, "/list/*/id")


def test_star_over_aliased_arrays_stops_at_the_visit_budget() -> None:
    from mailx.protocol.pointer import MAX_POINTER_VISITS, PointerTooLarge

    # Given a document that repeats one array 4 times per level (12 levels: 16.7 million leaves,
    # a few hundred objects in memory, as result references can alias earlier responses)
    level: Any = ["x"]
    for _ in range(12):
        level = [level, level, level, level]
    # When a path maps * over every level, it is refused before walking them all
    with pytest.raises(PointerTooLarge):
        evaluate_pointer({"l": level}, "/l" + "/*" * 12)
    # while a fan-out under the budget still works
    small: Any = ["x"]
    for _ in range(4):
        small = [small, small, small, small]
    assert len(evaluate_pointer({"l": small}, "/l" + "/*" * 4)) == 4**4 < MAX_POINTER_VISITS


def test_an_index_of_thousands_of_digits_is_out_of_range_not_a_crash() -> None:
    with pytest.raises(PointerError, match="out of range"):
        evaluate_pointer({"ids": ["a"]}, "/ids/" + "9" * 5000)
