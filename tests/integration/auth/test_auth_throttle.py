"""Sign-in throttling cannot lock the owner out and cannot tell real names from made-up ones
(issue 13 item 4). The real app through Starlette's test client, one client per source address."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.auth import basic

PASSWORD = "correct horse battery"


@pytest.fixture
def from_address(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    """A test client per source address (the app reads the socket peer, as uvicorn gives it)."""
    from fastapi.testclient import TestClient

    from jmap_api.app import create_app
    from mailx.config import reset_settings

    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ACCOUNT", "3")
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ADDRESS", "1000")
    monkeypatch.setenv("LOGIN_FAILURE_WINDOW_SECONDS", "600")
    reset_settings()
    app = create_app()
    clients: list[Any] = []

    def make(address: str) -> Any:
        test_client = TestClient(app, base_url="https://mail.example.test", client=(address, 40000))
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.close()


def _session(client: Any, user: str, password: str) -> int:
    status: int = client.get("/jmap/session", headers=basic(user, password)).status_code
    return status


def test_a_guesser_elsewhere_cannot_lock_the_owner_out(from_address: Any, alice: Any) -> None:
    attacker, owner = from_address("198.51.100.7"), from_address("203.0.113.20")
    # Given a guesser who has used up its failures against alice
    assert [_session(attacker, "alice", "guess") for _ in range(4)] == [401, 401, 401, 429]
    assert _session(attacker, "alice", PASSWORD) == 429  # throttled from there, right password or not
    # Then alice, signing in from her own address, is not affected (she was: 429 everywhere)
    assert _session(owner, "alice", PASSWORD) == 200
    assert _session(owner, "alice@example.com", PASSWORD) == 200
    login = owner.post("/v0/auth/login", json={"username": "alice", "password": PASSWORD})
    assert login.status_code == 200


def test_real_and_unknown_names_answer_alike(from_address: Any, alice: Any) -> None:
    prober = from_address("198.51.100.8")
    real = [_session(prober, "alice", "guess") for _ in range(5)]
    unknown = [_session(prober, "no-such-user", "guess") for _ in range(5)]
    address = [_session(prober, "nobody@example.com", "guess") for _ in range(5)]
    assert real == unknown == address == [401, 401, 401, 429, 429]


def test_the_account_wide_ceiling_holds_against_many_addresses(from_address: Any, alice: Any) -> None:
    from mailx.auth.throttle import ACCOUNT_CEILING_FACTOR

    # Given guessers spread over enough addresses to reach the account-wide ceiling (3 x 10)
    for n in range(ACCOUNT_CEILING_FACTOR):
        guesser = from_address(f"198.51.100.{100 + n}")
        assert [_session(guesser, "alice", "guess") for _ in range(3)] == [401, 401, 401]
    # Then the account is throttled from a fresh address too, until the window ends (documented)
    assert _session(from_address("203.0.113.99"), "alice", PASSWORD) == 429
