"""The /v0/management API: accounts, identities, domains and Config/get / Config/set."""

from __future__ import annotations

from typing import Any

from tests.helpers.auth import basic


def test_management_key_required(client: Any, aws: None) -> None:
    assert client.get("/v0/management/accounts").status_code == 401
    wrong = client.get("/v0/management/accounts", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    assert client.get("/v0/management/accounts", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_account_lifecycle(client: Any, management_headers: Any) -> None:
    # Create
    created = client.post(
        "/v0/management/accounts",
        headers=management_headers,
        json={
            "username": "erin@example.com",
            "password": "erin's password",
            "name": "Erin",
            "addresses": ["erin.alias@example.com"],
        },
    )
    assert created.status_code == 201
    account = created.json()
    assert account["username"] == "erin@example.com"
    assert account["addresses"] == ["erin.alias@example.com", "erin@example.com"]
    assert account["disabled"] is False
    account_id = account["accountId"]
    # List and show (by id and by address)
    listed = client.get("/v0/management/accounts", headers=management_headers).json()["accounts"]
    assert [a["accountId"] for a in listed] == [account_id]
    by_address = client.get("/v0/management/accounts/erin.alias@example.com", headers=management_headers)
    assert by_address.json()["accountId"] == account_id
    # The same username again conflicts
    again = client.post(
        "/v0/management/accounts",
        headers=management_headers,
        json={"username": "ERIN@example.com", "password": "another password"},
    )
    assert again.status_code == 409
    # Identities: add, conflict, remove
    added = client.post(
        f"/v0/management/accounts/{account_id}/identities",
        headers=management_headers,
        json={"email": "sales@example.com"},
    )
    assert "sales@example.com" in added.json()["addresses"]
    assert (
        client.get("/jmap/session", headers=basic("sales@example.com", "erin's password")).status_code == 200
    )
    removed = client.delete(
        f"/v0/management/accounts/{account_id}/identities/sales@example.com", headers=management_headers
    )
    assert "sales@example.com" not in removed.json()["addresses"]
    assert (
        client.get("/jmap/session", headers=basic("sales@example.com", "erin's password")).status_code == 401
    )
    # Delete
    assert (
        client.delete(f"/v0/management/accounts/{account_id}", headers=management_headers).status_code == 204
    )
    assert client.get(f"/v0/management/accounts/{account_id}", headers=management_headers).status_code == 404
    assert (
        client.get("/jmap/session", headers=basic("erin@example.com", "erin's password")).status_code == 401
    )
    # the names are free again
    recreated = client.post(
        "/v0/management/accounts",
        headers=management_headers,
        json={"username": "erin@example.com", "password": "erin's password"},
    )
    assert recreated.status_code == 201


def test_address_taken_by_another_account_conflicts(
    client: Any, alice: Any, bob: Any, management_headers: Any
) -> None:
    response = client.post(
        f"/v0/management/accounts/{bob.account_id}/identities",
        headers=management_headers,
        json={"email": "alice@example.com"},
    )
    assert response.status_code == 409


def test_invalid_account_input_is_400(client: Any, management_headers: Any) -> None:
    for body in (
        {"username": "has space", "password": "long enough pw"},
        {"username": "x:y", "password": "long enough pw"},
        {"username": "short", "password": "short"},
        {"username": "ok", "password": "long enough pw", "addresses": ["not-an-address"]},
        {"password": "missing username"},
    ):
        response = client.post("/v0/management/accounts", headers=management_headers, json=body)
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith("application/problem+json")


def test_config_get_redacts_secrets_and_set_refuses_reserved(
    client: Any, management_headers: Any, env: Any
) -> None:
    config = client.get("/v0/management/config", headers=management_headers).json()["config"]
    assert env["TOKEN_SECRET"] not in str(config) and env["MANAGEMENT_KEY"] not in str(config)
    assert config["PUBLIC_BASE_URL"]["value"] == "https://mail.example.test"
    for key in ("TOKEN_SECRET", "MANAGEMENT_KEY", "PUBLIC_BASE_URL"):
        refused = client.post(
            "/v0/management/config", headers=management_headers, json={"values": {key: "x"}}
        )
        assert refused.status_code == 403
        assert key in refused.json()["detail"] and "reserved" in refused.json()["detail"]
    # a mutable key is stored, redacted when secret, and takes effect
    stored = client.post(
        "/v0/management/config",
        headers=management_headers,
        json={"values": {"RESEND_API_KEY": "re_supersecretvalue123", "TOKEN_TTL_SECONDS": "60"}},
    )
    assert stored.status_code == 200
    body = stored.json()["config"]
    assert "re_supersecretvalue123" not in str(body)
    assert body["RESEND_API_KEY"]["source"] == "stored"
    assert body["TOKEN_TTL_SECONDS"] == {"value": "60", "source": "stored", "mutable": "true"}
    # invalid values and unknown keys are refused before anything is written
    bad = client.post(
        "/v0/management/config",
        headers=management_headers,
        json={"values": {"TOKEN_TTL_SECONDS": "soon", "UPLOAD_TTL_SECONDS": "5"}},
    )
    assert bad.status_code == 400
    unknown = client.post("/v0/management/config", headers=management_headers, json={"values": {"NOPE": "1"}})
    assert unknown.status_code == 400
    config = client.get("/v0/management/config", headers=management_headers).json()["config"]
    assert config["UPLOAD_TTL_SECONDS"]["source"] == "deployment"
    # null removes an override
    client.post(
        "/v0/management/config", headers=management_headers, json={"values": {"TOKEN_TTL_SECONDS": None}}
    )
    config = client.get("/v0/management/config", headers=management_headers).json()["config"]
    assert config["TOKEN_TTL_SECONDS"]["source"] == "deployment"


def test_stored_config_changes_token_lifetime(client: Any, alice: Any, management_headers: Any) -> None:
    client.post(
        "/v0/management/config", headers=management_headers, json={"values": {"TOKEN_TTL_SECONDS": "42"}}
    )
    login = client.post("/v0/auth/login", json={"username": "alice", "password": "correct horse battery"})
    assert login.json()["expiresIn"] == 42


def test_domains(client: Any, alice: Any, management_headers: Any) -> None:
    listed = client.get("/v0/management/domains", headers=management_headers).json()["domains"]
    assert listed == [
        {
            "domain": "example.com",
            "source": "deployment",
            "postmasterAccountId": None,
            "catchAllAccountId": None,
        }
    ]
    put = client.put(
        "/v0/management/domains/Example.org",
        headers=management_headers,
        json={"catchAllAccountId": alice.account_id},
    )
    assert put.status_code == 200
    assert put.json() == {
        "domain": "example.org",
        "source": "stored",
        "postmasterAccountId": None,
        "catchAllAccountId": alice.account_id,
    }
    routed = client.put(
        "/v0/management/domains/example.com",
        headers=management_headers,
        json={"postmasterAccountId": alice.account_id},
    )
    assert (
        routed.json()["source"] == "deployment" and routed.json()["postmasterAccountId"] == alice.account_id
    )
    missing = client.put(
        "/v0/management/domains/example.net",
        headers=management_headers,
        json={"catchAllAccountId": "Anosuchaccount"},
    )
    assert missing.status_code == 404
    assert (
        client.put("/v0/management/domains/not a domain", headers=management_headers, json={}).status_code
        == 400
    )
    assert client.delete("/v0/management/domains/example.org", headers=management_headers).status_code == 204
    assert client.delete("/v0/management/domains/example.org", headers=management_headers).status_code == 404


def test_assigned_addresses_show_in_identity_changes(
    client: Any, alice: Any, management_headers: Any
) -> None:
    # Given the client's Identity state
    headers = basic("alice", "correct horse battery")
    using = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:submission"]

    def call(name: str, args: dict[str, Any]) -> dict[str, Any]:
        body = {"using": using, "methodCalls": [[name, {"accountId": alice.account_id, **args}, "0"]]}
        result: dict[str, Any] = client.post("/jmap/api", json=body, headers=headers).json()[
            "methodResponses"
        ][0][1]
        return result

    before = call("Identity/get", {"ids": None})["state"]
    # When the administrator assigns and then removes an address
    client.post(
        f"/v0/management/accounts/{alice.account_id}/identities",
        headers=management_headers,
        json={"email": "help@example.com"},
    )
    added = call("Identity/changes", {"sinceState": before})
    [new_id] = added["created"]
    assert call("Identity/get", {"ids": [new_id]})["list"][0]["email"] == "help@example.com"
    client.delete(
        f"/v0/management/accounts/{alice.account_id}/identities/help@example.com", headers=management_headers
    )
    # Then Identity/changes reports both steps (created then destroyed since `before`: left out)
    after = call("Identity/changes", {"sinceState": added["newState"]})
    assert after["destroyed"] == [new_id]
    assert call("Identity/changes", {"sinceState": before})["created"] == []
