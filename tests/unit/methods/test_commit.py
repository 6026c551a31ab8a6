"""The one write path (mailx.methods._commit): lost races, retries and store outcomes as JMAP errors."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from mailx.methods._commit import commit_with_retry
from mailx.protocol.errors import MethodError, SetError
from mailx.store import retry
from mailx.store.errors import Conflict, StateMismatch, StoreUnavailable
from tests.helpers.paths import REPO
from tests.helpers.source_trees import parse_source

ROOT = REPO


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    paused: list[int] = []
    monkeypatch.setattr(retry, "pause", paused.append)
    return paused


def losing(times: int, error: Exception, result: str = "done") -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return result

    return calls, attempt


def test_a_lost_race_without_if_in_state_is_decided_again(no_pauses: list[int]) -> None:
    calls, attempt = losing(3, Conflict("thread"))
    assert commit_with_retry(attempt, what="x", if_in_state=None) == "done"
    assert len(calls) == 4
    assert no_pauses == [0, 1, 2]  # a jittered pause before each new try, growing


def test_a_lost_race_under_if_in_state_is_state_mismatch() -> None:
    calls, attempt = losing(1, StateMismatch("Email"))
    with pytest.raises(MethodError) as caught:
        commit_with_retry(attempt, what="x", if_in_state="4")
    assert caught.value.type == "stateMismatch"
    assert len(calls) == 1


def test_once_something_committed_a_mismatch_is_retried_not_reported() -> None:
    _, attempt = losing(1, StateMismatch("Email"))
    seen: list[Exception] = []
    result = commit_with_retry(
        attempt,
        what="x",
        if_in_state="4",
        committed=lambda: True,
        on_lost_race=seen.append,
    )
    assert result == "done" and len(seen) == 1


@pytest.mark.parametrize(
    ("committed", "expected"), [(False, "serverUnavailable"), (True, "serverPartialFail")]
)
def test_every_try_lost_is_unavailable_or_partial_fail(committed: bool, expected: str) -> None:
    calls, attempt = losing(99, Conflict("thread"))
    with pytest.raises(MethodError) as caught:
        commit_with_retry(attempt, what="the things", if_in_state=None, committed=lambda: committed)
    assert caught.value.type == expected
    assert "too many concurrent changes to the things" in str(caught.value.description)
    assert len(calls) == retry.MAX_TRIES


def test_a_throttled_store_is_unavailable_never_server_fail() -> None:
    calls, attempt = losing(1, StoreUnavailable("throttled"))
    with pytest.raises(MethodError) as caught:
        commit_with_retry(attempt, what="x", if_in_state=None)
    assert caught.value.type == "serverUnavailable"
    assert len(calls) == 1  # botocore and the transaction engine retried throttling already


def test_the_caller_may_stop_on_a_lost_race_with_its_own_error() -> None:
    calls, attempt = losing(5, Conflict("mailbox:M1"))

    def lost(exc: Exception) -> None:
        raise SetError.invalid_properties(["mailboxIds"], "a mailbox was destroyed")

    with pytest.raises(SetError):
        commit_with_retry(attempt, what="x", if_in_state=None, on_lost_race=lost)
    assert len(calls) == 1


def _sleeps_or_loops_on_races(path: Path) -> list[str]:
    found = []
    for node in ast.walk(parse_source(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("time.sleep", "states.pause", "pause", "sleep"):
                found.append(f"{path.name}:{node.lineno} {name}")
    return found


def test_no_method_or_ingest_path_keeps_a_retry_loop_of_its_own() -> None:
    package = ROOT / "layers" / "shared" / "mailx"
    paths = [*sorted((package / "methods").rglob("*.py")), package / "mail" / "ingest.py"]
    paths.append(package / "mail" / "status_webhook.py")
    assert [hit for path in paths for hit in _sleeps_or_loops_on_races(path)] == []
