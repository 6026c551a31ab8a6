"""The management key (`Authorization: Bearer <MANAGEMENT_KEY>`): only the exact key opens /v0/management.

Every near miss answers 401 with a challenge, on every management route, and the comparison goes through
`hmac.compare_digest` with the presented and the configured key.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.auth import basic
from tests.helpers.environment import TEST_ENV

KEY = TEST_ENV["MANAGEMENT_KEY"]
ACCOUNTS = "/v0/management/accounts"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


NEAR_MISSES: dict[str, dict[str, str]] = {
    "missing": {},
    "empty": {"Authorization": ""},
    "scheme only": {"Authorization": "Bearer"},
    "scheme and a space": {"Authorization": "Bearer "},
    "wrong key": {"Authorization": "Bearer not-the-management-key"},
    "wrong scheme": {"Authorization": f"Token {KEY}"},
    "no scheme": {"Authorization": KEY},
    "key glued to the scheme": {"Authorization": f"Bearer{KEY}"},
    "a prefix of the key": {"Authorization": f"Bearer {KEY[:-1]}"},
    "the first character only": {"Authorization": f"Bearer {KEY[0]}"},
    "the key and more": {"Authorization": f"Bearer {KEY}x"},
    "the key twice": {"Authorization": f"Bearer {KEY}{KEY}"},
    "the key, a space and more": {"Authorization": f"Bearer {KEY} {KEY}"},
    "whitespace inside the key": {"Authorization": f"Bearer {KEY[:4]} {KEY[4:]}"},
    "a tab inside the key": {"Authorization": f"Bearer {KEY[:4]}\t{KEY[4:]}"},
    "upper-cased key": {"Authorization": f"Bearer {KEY.upper()}"},
    "the key in Basic, as password": {"Authorization": f"Basic {_b64('admin:' + KEY)}"},
    "the key in Basic, as user": {"Authorization": f"Basic {_b64(KEY + ':')}"},
    "the key in Basic, raw": {"Authorization": f"Basic {KEY}"},
    "the token secret": {"Authorization": f"Bearer {TEST_ENV['TOKEN_SECRET']}"},
}


@pytest.fixture(scope="module")
def keyed() -> Iterator[tuple[Any, str]]:
    """One moto world and client for the module (alice exists): every test here only reads."""
    from fastapi.testclient import TestClient
    from moto import mock_aws

    from jmap_api.app import create_app
    from mailx.admin.accounts import create_account
    from mailx.store import blobs, tables
    from tests.helpers.environment import reset_caches

    with pytest.MonkeyPatch.context() as patch:
        for key, value in TEST_ENV.items():
            patch.setenv(key, value)
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            patch.delenv(key, raising=False)
        with mock_aws():
            reset_caches()
            tables.create_all()
            blobs.ensure_bucket()
            alice = create_account("alice", "correct horse battery", addresses=["alice@example.com"])
            with TestClient(create_app(), base_url="https://mail.example.test") as client:
                yield client, alice.account_id
        reset_caches()


@pytest.fixture
def client(keyed: tuple[Any, str]) -> Any:
    return keyed[0]


def _assert_refused(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer"), response.headers
    assert response.headers["content-type"].startswith("application/problem+json")
    assert KEY not in response.text


@pytest.mark.parametrize("case", list(NEAR_MISSES))
def test_near_misses_are_401_with_a_challenge(client: Any, case: str) -> None:
    _assert_refused(client.get(ACCOUNTS, headers=NEAR_MISSES[case]))


def test_the_key_itself_opens_it(client: Any) -> None:
    # The near misses above are refused for their credentials, not for a broken route.
    assert client.get(ACCOUNTS, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_a_users_credentials_do_not_open_it(client: Any) -> None:
    login = client.post("/v0/auth/login", json={"username": "alice", "password": "correct horse battery"})
    token = login.json()["token"]
    _assert_refused(client.get(ACCOUNTS, headers={"Authorization": f"Bearer {token}"}))
    _assert_refused(client.get(ACCOUNTS, headers=basic("alice", "correct horse battery")))


def _management_routes() -> list[tuple[str, str]]:
    """Every (method, path) under /v0/management, from the app's own OpenAPI document."""
    from jmap_api.app import create_app

    paths: dict[str, dict[str, Any]] = create_app().openapi()["paths"]
    found = [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/v0/management")
        for method in operations
    ]
    assert len(found) >= 10, found
    return found


@pytest.mark.parametrize(("method", "path"), _management_routes())
def test_every_management_route_wants_the_key(keyed: tuple[Any, str], method: str, path: str) -> None:
    client, alice = keyed
    # Given alice's real id and plausible values in the path, so only the key can stop the call
    url = path
    for name in ("account_id", "accountId"):
        url = url.replace("{" + name + "}", alice)
    url = url.replace("{domain}", "example.com").replace("{email}", "alice@example.com")
    url = url.replace("{key}", "TOKEN_TTL_SECONDS")
    for name in ("identity_id", "identityId", "address"):
        url = url.replace("{" + name + "}", "alice@example.com")
    assert "{" not in url, f"give {path} a value for its parameters"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        _assert_refused(client.request(method, url, headers=headers, json={}))
    # And nothing changed: alice can still sign in
    assert client.get("/jmap/session", headers=basic("alice", "correct horse battery")).status_code == 200


def test_the_compare_is_constant_time(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    calls: list[tuple[Any, Any]] = []
    original = hmac.compare_digest

    def recording(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr("jmap_api.deps.hmac.compare_digest", recording)
    # When a wrong key and then the right one are presented
    _assert_refused(client.get(ACCOUNTS, headers={"Authorization": "Bearer guess"}))
    assert client.get(ACCOUNTS, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    # Then both went through compare_digest, presented key first, configured key second
    assert calls == [(b"guess", KEY.encode()), (KEY.encode(), KEY.encode())]


def test_the_scheme_is_case_insensitive(client: Any) -> None:
    # RFC 7235 §2.1: auth-scheme is case-insensitive; the key itself is not.
    assert client.get(ACCOUNTS, headers={"Authorization": f"bearer {KEY}"}).status_code == 200


def test_whitespace_around_the_key_is_tolerated_not_inside(client: Any) -> None:
    # RFC 7235 allows 1*SP between scheme and credentials, and HTTP strips trailing OWS from header
    # values, so a padded key is still the exact key; whitespace inside it is a different key.
    assert client.get(ACCOUNTS, headers={"Authorization": f"Bearer   {KEY}"}).status_code == 200
    assert client.get(ACCOUNTS, headers={"Authorization": f"Bearer {KEY}  "}).status_code == 200
    _assert_refused(client.get(ACCOUNTS, headers={"Authorization": f"Bearer {KEY[:4]}  {KEY[4:]}"}))


def test_a_blank_configured_key_opens_nothing(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from jmap_api.app import create_app
    from mailx.config import reset_settings

    # Given a deployment whose MANAGEMENT_KEY is blank (a broken secret)
    monkeypatch.setenv("MANAGEMENT_KEY", "   ")
    reset_settings()
    # Then an empty or blank key is never taken for it
    client = TestClient(create_app(), raise_server_exceptions=False)
    for header in ("Bearer", "Bearer    ", "Bearer \t"):
        response = client.get(ACCOUNTS, headers={"Authorization": header})
        assert not 200 <= response.status_code < 300, (header, response.status_code)
