"""How settings become an event-source policy: buffered answers at once by default, bounds hold."""

from __future__ import annotations

import pytest

from mailx.config import load_settings
from mailx.push.eventsource import parse_params
from mailx.push.service import MAX_WAIT_CAP_SECONDS, policy_for
from mailx.push.stream import StreamPolicy

REQUIRED = {"TOKEN_SECRET": "s" * 32, "MANAGEMENT_KEY": "k", "PUBLIC_BASE_URL": "https://mail.example.test"}


def _policy(ping: str = "0", **env: str) -> StreamPolicy:
    return policy_for(parse_params("*", "no", ping), load_settings({**REQUIRED, **env}))


def test_buffered_by_default_answers_at_once_and_asks_for_a_reconnect_a_minute_later() -> None:
    policy = _policy(EVENTSOURCE_MODE="buffered")
    assert (policy.buffered, policy.max_seconds, policy.retry_ms) == (True, 0, 60_000)


def test_streaming_keeps_its_long_life_and_short_retry_whatever_the_buffered_settings() -> None:
    policy = _policy(
        EVENTSOURCE_MODE="streaming", EVENTSOURCE_RETRY_SECONDS="300", EVENTSOURCE_MAX_WAIT_SECONDS="9"
    )
    assert (policy.buffered, policy.max_seconds, policy.retry_ms) == (False, 900, 5000)


@pytest.mark.parametrize(
    ("configured", "used"), [("10", 10), ("25", 25), ("28", MAX_WAIT_CAP_SECONDS), ("3600", 25)]
)
def test_a_configured_wait_is_kept_under_the_function_timeout(configured: str, used: int) -> None:
    assert _policy(EVENTSOURCE_MODE="buffered", EVENTSOURCE_MAX_WAIT_SECONDS=configured).max_seconds == used


@pytest.mark.parametrize(("configured", "used"), [("0", 1000), ("1", 1000), ("30", 30_000), ("600", 600_000)])
def test_the_retry_hint_is_the_setting_and_never_below_a_second(configured: str, used: int) -> None:
    assert _policy(EVENTSOURCE_MODE="buffered", EVENTSOURCE_RETRY_SECONDS=configured).retry_ms == used


def test_the_ping_is_clamped_as_in_streaming_mode() -> None:
    assert _policy("1", EVENTSOURCE_MODE="buffered").ping == 5
