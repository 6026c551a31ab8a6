"""POST /v0/management/accounts/{id}/token: a Bearer token for an account, for the management key only."""

from __future__ import annotations

from typing import Any

KEY = {"Authorization": "Bearer test-management-key"}


def _create(client: Any, name: str) -> str:
    answer = client.post(
        "/v0/management/accounts", headers=KEY, json={"username": name, "password": "pw pw pw pw"}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["accountId"])


def test_the_management_key_gets_a_working_revocable_token(client: Any) -> None:
    # Given an account
    account_id = _create(client, "tia")
    # When the operator asks for a token by username
    answer = client.post("/v0/management/accounts/tia/token", headers=KEY)
    # Then it is an ordinary Bearer token of that account
    assert answer.status_code == 201
    body = answer.json()
    assert body["accountId"] == account_id
    assert body["tokenType"] == "Bearer"
    auth = {"Authorization": f"Bearer {body['token']}"}
    me = client.get("/v0/auth/me", headers=auth)
    assert me.status_code == 200
    assert me.json()["accountId"] == account_id
    # And logging out with it revokes it
    assert client.post("/v0/auth/logout", headers=auth).status_code == 200
    assert client.get("/v0/auth/me", headers=auth).status_code == 401


def test_no_token_without_the_key_or_for_an_unknown_account(client: Any) -> None:
    _create(client, "ula")
    assert client.post("/v0/management/accounts/ula/token").status_code == 401
    wrong = {"Authorization": "Bearer not-the-key"}
    assert client.post("/v0/management/accounts/ula/token", headers=wrong).status_code == 401
    missing = client.post("/v0/management/accounts/nobody/token", headers=KEY)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no such account"


def test_no_token_for_a_disabled_account(client: Any) -> None:
    _create(client, "vic")
    assert (
        client.patch("/v0/management/accounts/vic", headers=KEY, json={"disabled": True}).status_code == 200
    )
    assert client.post("/v0/management/accounts/vic/token", headers=KEY).status_code == 404
