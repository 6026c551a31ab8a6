"""PatchObject (RFC 8620 §5.3): literal patches in, patched records or invalidPatch out."""

from __future__ import annotations

from typing import Any

import pytest

from mailx.protocol.errors import SetError
from mailx.protocol.patch import apply_patch, patched_properties

EMAIL: dict[str, Any] = {
    "id": "M1",
    "mailboxIds": {"inbox": True},
    "keywords": {"$seen": True},
    "alerts": [{"offset": 1}],
    "meta": {"a/b": {"x~y": 1}},
    "subject": "hello",
}


def test_setting_nested_properties_returns_a_new_record() -> None:
    # Given a patch that moves the email and flags it
    patch = {"mailboxIds/inbox": None, "mailboxIds/archive": True, "keywords/$flagged": True}
    # When it is applied
    patched = apply_patch(EMAIL, patch)
    # Then the nested maps changed, and the original did not
    assert patched["mailboxIds"] == {"archive": True}
    assert patched["keywords"] == {"$seen": True, "$flagged": True}
    assert EMAIL["mailboxIds"] == {"inbox": True}
    assert EMAIL["keywords"] == {"$seen": True}


def test_null_removes_and_removing_an_absent_key_is_a_no_op() -> None:
    patched = apply_patch(EMAIL, {"subject": None, "keywords/$draft": None})
    assert "subject" not in patched
    assert patched["keywords"] == {"$seen": True}


def test_null_resets_to_the_type_default_when_there_is_one() -> None:
    patched = apply_patch(EMAIL, {"keywords": None}, defaults={"keywords": {}})
    assert patched["keywords"] == {}


def test_a_whole_object_is_a_valid_patch() -> None:
    assert apply_patch({"a": 1, "b": 2}, {"a": 3, "b": 2}) == {"a": 3, "b": 2}


def test_escaped_keys_reach_properties_with_slashes_and_tildes() -> None:
    patched = apply_patch(EMAIL, {"meta/a~1b/x~0y": 2})
    assert patched["meta"] == {"a/b": {"x~y": 2}}


def test_replacing_a_whole_array_is_fine() -> None:
    assert apply_patch(EMAIL, {"alerts": []})["alerts"] == []


def _invalid_patch(patch: Any) -> SetError:
    with pytest.raises(SetError) as caught:
        apply_patch(EMAIL, patch)
    assert caught.value.type == "invalidPatch"
    assert caught.value.to_json()["type"] == "invalidPatch"
    return caught.value


@pytest.mark.parametrize(
    "patch",
    [
        {"alerts/0/offset": 2},  # inside an array
        {"alerts/0": {}},  # an array element
        {"nothing/here": 1},  # parent does not exist
        {"meta/a~1b/x~0y/deeper": 1},  # parent is a number
        {"keywords/$seen/x": 1},  # parent is a boolean
        {"bad~2escape": 1},  # malformed pointer
        ["not", "an", "object"],
    ],
)
def test_invalid_patches(patch: Any) -> None:
    _invalid_patch(patch)


def test_one_pointer_may_not_be_a_prefix_of_another() -> None:
    error = _invalid_patch({"alerts": [], "alerts/1/offset": 5})
    assert error.description == "patch path 'alerts' is a prefix of 'alerts/1/offset'"


def test_sibling_keys_sharing_a_string_prefix_are_fine() -> None:
    # "keywords/$seen" is not a prefix of "keywords/$seenx": pointers compare by token
    patched = apply_patch(EMAIL, {"keywords/$seen": None, "keywords/$seenx": True})
    assert patched["keywords"] == {"$seenx": True}


def test_patched_properties_lists_the_top_level_names() -> None:
    assert patched_properties({"keywords/$seen": True, "mailboxIds": {}}) == {"keywords", "mailboxIds"}
