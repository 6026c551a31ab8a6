"""Sign-in: Basic and Bearer, wrong passwords, throttling, token expiry and revocation, disabled accounts."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from tests.helpers.auth import basic

PASSWORD = "correct horse battery"


def _session(client: Any, headers: dict[str, str]) -> Any:
    return client.get("/jmap/session", headers=headers)


def test_wrong_password_is_401_with_challenge(client: Any, alice: Any) -> None:
    response = _session(client, basic("alice", "wrong password"))
    assert response.status_code == 401
    assert "Basic" in response.headers["www-authenticate"]
    assert "Bearer" in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Basic ",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b":correct horse battery").decode(),  # empty user
        "Basic " + base64.b64encode(b"alice:").decode(),  # empty password
        "Basic " + base64.b64encode(b"\xff\xfe:\x80\x81").decode(),  # not UTF-8
        "Bearer ",
        "Bearer not-a-token",
        "Bearer mx1.Aabc.def.forged",
        "Digest username=alice",
    ],
)
def test_malformed_credentials_are_401_never_500(client: Any, alice: Any, header: str) -> None:
    response = _session(client, {"Authorization": header} if header else {})
    assert response.status_code == 401


def test_colon_in_password_is_fine(client: Any, aws: None) -> None:
    from mailx.admin.accounts import create_account

    create_account("carol", "pass:with:colons")
    assert _session(client, basic("carol", "pass:with:colons")).status_code == 200
    assert _session(client, basic("carol", "pass")).status_code == 401


def test_non_ascii_password_round_trips(client: Any, aws: None) -> None:
    from mailx.admin.accounts import create_account

    create_account("dora", "pässwörd-ünïcode")
    assert _session(client, basic("dora", "pässwörd-ünïcode")).status_code == 200


def test_repeated_failures_are_throttled_and_owner_recovers(
    client: Any, alice: Any, monkeypatch: Any
) -> None:
    from mailx.config import reset_settings

    # Given a low failure limit (in a window long enough that the test never straddles two)
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ACCOUNT", "3")
    monkeypatch.setenv("LOGIN_FAILURE_WINDOW_SECONDS", "600")
    reset_settings()
    # When an attacker fails three times
    for _ in range(3):
        assert _session(client, basic("alice", "guess")).status_code == 401
    # Then even the right password is refused for now, with Retry-After
    throttled = _session(client, basic("alice", PASSWORD))
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 600
    login = client.post("/v0/auth/login", json={"username": "alice", "password": PASSWORD})
    assert login.status_code == 429
    # And once the window has passed the owner gets in again
    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    assert _session(client, basic("alice", PASSWORD)).status_code == 200


def test_throttle_per_source_address_covers_unknown_users(client: Any, alice: Any, monkeypatch: Any) -> None:
    from mailx.config import reset_settings

    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ADDRESS", "2")
    reset_settings()
    assert _session(client, basic("nobody", "x")).status_code == 401
    assert _session(client, basic("nobody2", "x")).status_code == 401
    assert _session(client, basic("nobody3", "x")).status_code == 429


def test_bearer_token_login_logout_revokes(client: Any, alice: Any) -> None:
    login = client.post("/v0/auth/login", json={"username": "alice", "password": PASSWORD})
    assert login.status_code == 200
    body = login.json()
    assert body["tokenType"] == "Bearer" and body["accountId"] == alice.account_id and body["expiresIn"] > 0
    headers = {"Authorization": f"Bearer {body['token']}"}
    me = client.get("/v0/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json() == {
        "accountId": alice.account_id,
        "username": "alice",
        "name": "Alice",
        "addresses": ["alice@example.com"],
        "authMethod": "bearer",
    }
    assert client.post("/v0/auth/logout", headers=headers).json() == {"revoked": True}
    assert client.get("/v0/auth/me", headers=headers).status_code == 401
    assert _session(client, headers).status_code == 401


def test_wrong_login_is_401(client: Any, alice: Any) -> None:
    response = client.post("/v0/auth/login", json={"username": "alice", "password": "nope"})
    assert response.status_code == 401
    assert "token" not in response.text
    assert client.post("/v0/auth/login", json={"username": "", "password": "x"}).status_code == 400


def test_token_expires(client: Any, alice: Any, monkeypatch: Any) -> None:
    from mailx.config import reset_settings
    from mailx.store import kv

    now = [int(time.time())]
    monkeypatch.setattr(kv, "_now", lambda: now[0])
    monkeypatch.setenv("TOKEN_TTL_SECONDS", "60")
    reset_settings()
    token = client.post("/v0/auth/login", json={"username": "alice", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    now[0] += 59
    assert _session(client, headers).status_code == 200
    now[0] += 1
    # moto never deletes TTL items: the read itself must treat the expired token as gone
    assert _session(client, headers).status_code == 401


def test_token_signed_with_other_secret_is_refused(client: Any, alice: Any, monkeypatch: Any) -> None:
    from mailx.config import reset_settings

    token = client.post("/v0/auth/login", json={"username": "alice", "password": PASSWORD}).json()["token"]
    monkeypatch.setenv("TOKEN_SECRET", "another-secret-entirely-0123456789")
    reset_settings()
    assert _session(client, {"Authorization": f"Bearer {token}"}).status_code == 401


def test_disabled_account_cannot_sign_in(client: Any, alice: Any, management_headers: Any) -> None:
    token = client.post("/v0/auth/login", json={"username": "alice", "password": PASSWORD}).json()["token"]
    assert _session(client, basic("alice", PASSWORD)).status_code == 200  # warms the credential cache
    patched = client.patch(
        f"/v0/management/accounts/{alice.account_id}", json={"disabled": True}, headers=management_headers
    )
    assert patched.json()["disabled"] is True
    assert _session(client, basic("alice", PASSWORD)).status_code == 401
    assert _session(client, {"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/v0/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 401


def test_password_reset_invalidates_old_password(client: Any, alice: Any, management_headers: Any) -> None:
    assert _session(client, basic("alice", PASSWORD)).status_code == 200
    client.patch(
        f"/v0/management/accounts/{alice.account_id}",
        json={"password": "a brand new password"},
        headers=management_headers,
    )
    assert _session(client, basic("alice", PASSWORD)).status_code == 401
    assert _session(client, basic("alice", "a brand new password")).status_code == 200


def test_password_hash_is_never_returned_or_stored_in_clear(
    client: Any, alice: Any, management_headers: Any
) -> None:
    from mailx.store import accounts

    record = accounts.get(alice.account_id)
    assert PASSWORD not in record.password_hash and record.password_hash.startswith("$argon2id$")
    listing = client.get("/v0/management/accounts", headers=management_headers).text
    assert "argon2" not in listing and PASSWORD not in listing


def test_password_reset_revokes_bearer_tokens(client: Any, alice: Any, management_headers: Any) -> None:
    # Given a token issued under the old password
    token = client.post("/v0/auth/login", json={"username": "alice", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert _session(client, headers).status_code == 200
    # When the administrator resets the password
    client.patch(
        f"/v0/management/accounts/{alice.account_id}",
        json={"password": "a brand new password"},
        headers=management_headers,
    )
    # Then the old token is refused, and a token from the new password works
    assert _session(client, headers).status_code == 401
    fresh = client.post("/v0/auth/login", json={"username": "alice", "password": "a brand new password"})
    assert _session(client, {"Authorization": f"Bearer {fresh.json()['token']}"}).status_code == 200
