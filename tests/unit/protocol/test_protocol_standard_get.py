"""Standard /get (RFC 8620 §5.1) and the Id/Int/Date validators of §1.2-1.4."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mailx.protocol.context import CallContext
from mailx.protocol.errors import MethodError
from mailx.protocol.standard_get import get_response, parse_get, select_properties
from mailx.protocol.validate import (
    check_id,
    check_unsigned_int,
    format_utc_date,
    parse_date,
    parse_utc_date,
)


def _error(fn: Any, *args: Any, **kwargs: Any) -> MethodError:
    with pytest.raises(MethodError) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_get_with_ids_and_properties(call: CallContext) -> None:
    # Given ids including a creation reference, a duplicate, and an unknown creation reference
    args = {"accountId": "A1", "ids": ["a", "#k1", "a", "#nope"], "properties": ["name"]}
    # When parsed
    parsed = parse_get(args, call, max_objects=10)
    # Then #k1 is resolved, duplicates dropped, unknown references kept as given (→ notFound)
    assert parsed.account_id == "A1"
    assert parsed.ids == ["a", "M1", "#nope"]
    assert parsed.properties == ["name"]


def test_null_ids_and_properties_mean_all(call: CallContext) -> None:
    parsed = parse_get({"accountId": "A1", "ids": None}, call, max_objects=10)
    assert parsed.ids is None and parsed.properties is None


def test_too_many_ids_is_request_too_large(call: CallContext) -> None:
    error = _error(parse_get, {"accountId": "A1", "ids": ["a", "b", "c"]}, call, max_objects=2)
    assert error.to_response_args() == {
        "type": "requestTooLarge",
        "description": "3 ids requested; the maximum is 2 (maxObjectsInGet)",
    }


@pytest.mark.parametrize(
    ("args", "description"),
    [
        ({"accountId": "A1", "ids": "a"}, "'ids' must be an array of Ids or null"),
        ({"accountId": "A1", "ids": ["a b"]}, "'ids' must be an array of Ids or null"),
        ({"accountId": "A1", "ids": [""]}, "'ids' must be an array of Ids or null"),
        ({"accountId": "A1", "properties": "name"}, "'properties' must be an array of strings or null"),
        ({"accountId": "A1", "properties": ["nope"]}, "unknown properties: nope"),
        ({"accountId": 5}, "'accountId' is required and must be a string"),
    ],
)
def test_bad_get_arguments_are_invalid_arguments(
    call: CallContext, args: dict[str, Any], description: str
) -> None:
    error = _error(parse_get, args, call, max_objects=10, known_properties={"id", "name"})
    assert error.to_response_args() == {"type": "invalidArguments", "description": description}


def test_select_properties_always_includes_id() -> None:
    record = {"id": "M1", "name": "Inbox", "role": "inbox"}
    assert select_properties(record, ["name"], {"id", "name", "role"}) == {"id": "M1", "name": "Inbox"}
    assert select_properties(record, None, ["id", "name", "role", "sortOrder"]) == {
        "id": "M1",
        "name": "Inbox",
        "role": "inbox",
        "sortOrder": None,
    }
    assert _error(select_properties, record, ["bogus"], {"id", "name"}).type == "invalidArguments"


def test_get_response_has_every_argument() -> None:
    assert get_response("A1", "s9", [{"id": "a"}], ["b"]) == {
        "accountId": "A1",
        "state": "s9",
        "list": [{"id": "a"}],
        "notFound": ["b"],
    }


def test_ids_are_1_to_255_base64url_characters() -> None:
    assert check_id("a" * 255, "x") == "a" * 255
    assert check_id("Az09_-", "x") == "Az09_-"
    for bad in ["", "a" * 256, "a=", "a.b", 5, None, "é"]:
        assert _error(check_id, bad, "mailboxId").description == (
            "'mailboxId' must be an Id (1-255 characters of A-Za-z0-9_-)"
        )


def test_unsigned_int_range() -> None:
    assert check_unsigned_int(2**53 - 1, "n") == 2**53 - 1
    for bad in [-1, 2**53, True, 1.5, "1"]:
        assert _error(check_unsigned_int, bad, "limit").description == "'limit' must be an UnsignedInt"


def test_dates() -> None:
    assert parse_utc_date("2014-10-30T06:12:00Z", "after") == datetime(2014, 10, 30, 6, 12, tzinfo=UTC)
    assert parse_date("2014-10-30T14:12:00+08:00", "d").utcoffset() is not None
    assert parse_utc_date("2014-10-30T06:12:00.25Z", "d").microsecond == 250000
    for bad in ["2014-10-30t06:12:00z", "2014-10-30T06:12:00", "2014-10-30", "2014-13-30T06:12:00Z", 5]:
        assert _error(parse_utc_date, bad, "before").type == "invalidArguments"
    assert _error(parse_utc_date, "2014-10-30T06:12:00+01:00", "before").type == "invalidArguments"


def test_format_utc_date_omits_zero_fractions() -> None:
    assert format_utc_date(datetime(2014, 10, 30, 6, 12, tzinfo=UTC)) == "2014-10-30T06:12:00Z"
    assert format_utc_date(datetime(2014, 10, 30, 6, 12, 0, 250000, tzinfo=UTC)) == "2014-10-30T06:12:00.25Z"
