"""The Session resource over HTTP (RFC 8620 §2), with Basic and Bearer credentials."""

from __future__ import annotations

from typing import Any

from tests.helpers.auth import basic

CORE_LIMITS = {
    "maxSizeUpload",
    "maxConcurrentUpload",
    "maxSizeRequest",
    "maxConcurrentRequests",
    "maxCallsInRequest",
    "maxObjectsInGet",
    "maxObjectsInSet",
    "collationAlgorithms",
}


def test_session_with_basic_auth_has_every_field(client: Any, alice: Any) -> None:
    # Given alice's username and password
    # When the client fetches the well-known session URL with Basic auth
    response = client.get("/.well-known/jmap", headers=basic("alice", "correct horse battery"))
    # Then it gets a complete session with absolute URLs and all eight core limits
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("no-cache")
    session = response.json()
    assert set(session) >= {
        "capabilities",
        "accounts",
        "primaryAccounts",
        "username",
        "apiUrl",
        "downloadUrl",
        "uploadUrl",
        "eventSourceUrl",
        "state",
    }
    assert set(session["capabilities"]["urn:ietf:params:jmap:core"]) == CORE_LIMITS
    assert session["username"] == "alice"
    assert session["apiUrl"] == "https://mail.example.test/jmap/api"
    for var in ("{accountId}", "{blobId}", "{name}", "{type}"):
        assert var in session["downloadUrl"]
    assert "{accountId}" in session["uploadUrl"]
    for var in ("{types}", "{closeafter}", "{ping}"):
        assert var in session["eventSourceUrl"]
    assert list(session["accounts"]) == [alice.account_id]
    account = session["accounts"][alice.account_id]
    assert account == {
        "name": "Alice",
        "isPersonal": True,
        "isReadOnly": False,
        "accountCapabilities": account["accountCapabilities"],
    }
    for urn in session[
        "capabilities"
    ]:  # core too: clients look it up (docs/architecture.md, "Compatibility rules")
        assert session["primaryAccounts"][urn] == alice.account_id


def test_session_by_assigned_address_matches_username(client: Any, alice: Any) -> None:
    by_name = client.get("/jmap/session", headers=basic("alice", "correct horse battery")).json()
    by_address = client.get(
        "/jmap/session", headers=basic("Alice@Example.com", "correct horse battery")
    ).json()
    assert by_name == by_address


def test_session_without_credentials_is_401_with_challenge(client: Any, alice: Any) -> None:
    response = client.get("/.well-known/jmap")
    assert response.status_code == 401
    assert "Basic" in response.headers["www-authenticate"]
    assert response.headers["content-type"].startswith("application/problem+json")


def test_public_discovery_setting_answers_empty_session(client: Any, alice: Any, monkeypatch: Any) -> None:
    from mailx.config import reset_settings

    monkeypatch.setenv("PUBLIC_SESSION_DISCOVERY", "true")
    reset_settings()
    response = client.get("/.well-known/jmap")
    assert response.status_code == 200
    body = response.json()
    assert body["accounts"] == {} and body["username"] == "" and body["primaryAccounts"] == {}
    # wrong credentials still fail even with public discovery on
    assert client.get("/.well-known/jmap", headers=basic("alice", "wrong")).status_code == 401


def test_session_with_bearer_token(client: Any, alice: Any) -> None:
    login = client.post(
        "/v0/auth/login", json={"username": "alice@example.com", "password": "correct horse battery"}
    )
    assert login.status_code == 200
    token = login.json()["token"]
    session = client.get("/jmap/session", headers={"Authorization": f"Bearer {token}"})
    assert session.status_code == 200
    assert session.json()["username"] == "alice"


def test_session_state_changes_when_account_changes(client: Any, alice: Any, management_headers: Any) -> None:
    headers = basic("alice", "correct horse battery")
    before = client.get("/jmap/session", headers=headers).json()["state"]
    assert client.get("/jmap/session", headers=headers).json()["state"] == before
    client.patch(
        f"/v0/management/accounts/{alice.account_id}",
        json={"name": "Alice Liddell"},
        headers=management_headers,
    )
    after = client.get("/jmap/session", headers=headers).json()
    assert after["accounts"][alice.account_id]["name"] == "Alice Liddell"
    assert after["state"] != before
