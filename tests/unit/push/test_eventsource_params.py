"""RFC 8620 §7.3 event-source query parameters and the ping clamp, on literal query values."""

from __future__ import annotations

import pytest

from mailx.push.eventsource import EventSourceParamError, EventSourceParams, clamp_ping, parse_params


def test_star_means_every_type() -> None:
    params = parse_params("*", "no", "0")
    assert params == EventSourceParams(types=None, close_after_state=False, ping=0)
    assert params.wants("Email") and params.wants("CalendarEvent")


def test_comma_list_keeps_only_named_types_and_ignores_unknown_names() -> None:
    # Given a list with spaces and a type this server does not have
    params = parse_params("Email, Mailbox,CalendarEvent", "state", "300")
    # Then the names are kept as given (unknown ones never change), case-sensitively
    assert params.types == frozenset({"Email", "Mailbox", "CalendarEvent"})
    assert params.close_after_state is True
    assert params.ping == 300
    assert params.wants("Mailbox") and not params.wants("Thread") and not params.wants("email")


def test_absent_variables_take_the_conservative_meaning() -> None:
    assert parse_params(None, None, None) == EventSourceParams(None, False, 0)


@pytest.mark.parametrize(
    ("types", "closeafter", "ping", "named"),
    [
        ("Email", "yes", "0", "closeafter"),
        ("Email", "State", "0", "closeafter"),
        ("Email", "", "0", "closeafter"),
        ("Email", "no", "-1", "ping"),
        ("Email", "no", "1.5", "ping"),
        ("Email", "no", "soon", "ping"),
        ("Email", "no", "", "ping"),
        ("Email", "no", "٣", "ping"),  # a non-ASCII digit
        ("", "no", "0", "types"),
        ("Email,,Mailbox", "no", "0", "types"),
        ("Email,*", "no", "0", "types"),
    ],
)
def test_malformed_values_are_refused_naming_the_parameter(
    types: str, closeafter: str, ping: str, named: str
) -> None:
    with pytest.raises(EventSourceParamError) as refused:
        parse_params(types, closeafter, ping)
    assert str(refused.value).startswith(named)


@pytest.mark.parametrize(
    ("requested", "minimum", "used"),
    [
        (0, 5, 0),  # 0 asks for no pings and gets none
        (1, 5, 5),  # raised to the minimum
        (5, 5, 5),
        (60, 5, 60),
        (300, 5, 300),
        (301, 5, 300),  # the maximum is exactly the RFC's floor for a maximum
        (86400, 5, 300),
        (10, 120, 30),  # a configured minimum above 30 is capped at 30, as §7.3 requires
        (1, 0, 1),  # a minimum of 0 still means at least one second
    ],
)
def test_ping_clamp(requested: int, minimum: int, used: int) -> None:
    assert clamp_ping(requested, minimum) == used
