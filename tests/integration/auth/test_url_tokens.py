"""Access tokens in the session's GET templates (mailx.auth.url_tokens), through the real app.

A browser's EventSource and <img> cannot send Authorization; these tests pin what the token in
`downloadUrl`/`eventSourceUrl` can and cannot do: its purpose, its account, expiry, revocation on
logout, password change and disabling, no use anywhere else, Referrer-Policy and CORS.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers.auth import basic

ALICE = basic("alice", "correct horse battery")
BOB = basic("bob", "bob's long password")
BASE = "https://mail.example.test"


def session(client: Any, headers: dict[str, str] = ALICE) -> dict[str, Any]:
    response = client.get("/jmap/session", headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def token_in(template: str) -> str:
    [token] = parse_qs(urlsplit(template).query)["access_token"]
    return token


def upload(client: Any, account_id: str, data: bytes, headers: dict[str, str] = ALICE) -> str:
    response = client.post(
        f"/jmap/upload/{account_id}/", content=data, headers={**headers, "Content-Type": "image/png"}
    )
    assert response.status_code == 201, response.text
    blob_id: str = response.json()["blobId"]
    return blob_id


def download_url(template: str, account_id: str, blob_id: str) -> str:
    url = (
        template.replace("{accountId}", account_id)
        .replace("{blobId}", blob_id)
        .replace("{name}", "dot.png")
        .replace("{type}", "image%2Fpng")
    )
    return url.removeprefix(BASE)


def event_url(template: str) -> str:
    url = template.replace("{types}", "*").replace("{closeafter}", "state").replace("{ping}", "0")
    return url.removeprefix(BASE)


@pytest.fixture
def buffered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Event-source responses that end at once (as under Lambda), so the test client can read them."""
    from mailx.config import reset_settings
    from mailx.store import config_store

    monkeypatch.setenv("EVENTSOURCE_MODE", "buffered")
    monkeypatch.setenv("EVENTSOURCE_MAX_WAIT_SECONDS", "0")
    reset_settings()
    config_store.forget_cache()


def test_session_templates_carry_purpose_scoped_tokens(client: Any, alice: Any) -> None:
    found = session(client)
    account = alice.account_id
    download, events = token_in(found["downloadUrl"]), token_in(found["eventSourceUrl"])
    assert found["downloadUrl"] == (
        f"{BASE}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?type={{type}}&access_token={download}"
    )
    assert found["eventSourceUrl"] == (
        f"{BASE}/jmap/eventsource?types={{types}}&closeafter={{closeafter}}&ping={{ping}}&access_token={events}"
    )
    assert download.startswith(f"mxu1.{account}.download.") and events.startswith(
        f"mxu1.{account}.eventsource."
    )
    # The upload and API URLs carry nothing: the token is for those two GETs only
    assert "access_token" not in found["uploadUrl"] + found["apiUrl"]
    # And the session is stable within a window, so its state does not churn
    assert session(client) == found


def test_download_and_event_source_work_with_the_token_alone(client: Any, alice: Any, buffered: None) -> None:
    found = session(client)
    blob_id = upload(client, alice.account_id, b"\x89PNG fake image bytes")
    got = client.get(download_url(found["downloadUrl"], alice.account_id, blob_id))
    assert got.status_code == 200 and got.content == b"\x89PNG fake image bytes"
    assert got.headers["referrer-policy"] == "no-referrer"
    assert got.headers["content-type"] == "image/png"
    events = client.get(event_url(found["eventSourceUrl"]))
    assert events.status_code == 200 and events.headers["content-type"].startswith("text/event-stream")
    assert events.headers["referrer-policy"] == "no-referrer"


def test_a_token_is_refused_for_the_other_purpose_and_everywhere_else(client: Any, alice: Any) -> None:
    found = session(client)
    download, events = token_in(found["downloadUrl"]), token_in(found["eventSourceUrl"])
    blob_id = upload(client, alice.account_id, b"data")
    # Swapped purposes
    swapped = found["eventSourceUrl"].replace(events, download)
    assert client.get(event_url(swapped)).status_code == 401
    swapped = found["downloadUrl"].replace(download, events)
    assert client.get(download_url(swapped, alice.account_id, blob_id)).status_code == 401
    body = b'{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{},"0"]]}'
    for token in (download, events):
        # Never a credential for the API, the session, uploads or /v0, in the query or as Bearer
        assert client.post(f"/jmap/api?access_token={token}", content=body).status_code == 401
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.post("/jmap/api", content=body, headers=bearer).status_code == 401
        assert client.get(f"/jmap/session?access_token={token}").status_code == 401
        assert client.get("/jmap/session", headers=bearer).status_code == 401
        upload_url = f"/jmap/upload/{alice.account_id}/?access_token={token}"
        assert client.post(upload_url, content=b"x").status_code == 401
        assert client.post(f"/v0/auth/logout?access_token={token}").status_code == 401
        assert client.get("/v0/management/accounts", headers=bearer).status_code == 401
    # POST to the download URL is not a route at all
    assert client.post(download_url(found["downloadUrl"], alice.account_id, blob_id)).status_code == 405


def test_a_token_names_one_account(client: Any, alice: Any, bob: Any) -> None:
    bobs_blob = upload(client, bob.account_id, b"bob's picture", headers=BOB)
    alices = session(client)["downloadUrl"]
    # Alice's token on Bob's download path finds nothing (as with Alice's password)
    assert client.get(download_url(alices, bob.account_id, bobs_blob)).status_code == 404
    # A token re-labelled with Bob's account id fails its signature
    forged = alices.replace(f"mxu1.{alice.account_id}.", f"mxu1.{bob.account_id}.")
    assert client.get(download_url(forged, bob.account_id, bobs_blob)).status_code == 401


def test_tampered_and_expired_tokens_are_refused(client: Any, alice: Any) -> None:
    from mailx.auth import url_tokens
    from mailx.store import accounts

    found = session(client)
    blob_id = upload(client, alice.account_id, b"data")
    token = token_in(found["downloadUrl"])
    prefix, mac = token.rsplit(".", 1)
    tampered = f"{prefix}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"
    for bad in (tampered, token[:-1], "mxu1.x", "", token.replace(".download.", ".eventsource.")):
        url = found["downloadUrl"].replace(token, bad)
        response = client.get(download_url(url, alice.account_id, blob_id))
        assert response.status_code == 401, bad
        assert response.headers["www-authenticate"].startswith("Basic")
    # Issued two windows ago: expired
    old = url_tokens.issue(accounts.get(alice.account_id), "download", None, now=time.time() - 3700)
    response = client.get(download_url(found["downloadUrl"].replace(token, old), alice.account_id, blob_id))
    assert response.status_code == 401
    assert response.json()["detail"] == "the access token has expired; fetch the session again"


def test_expiry_windows() -> None:
    from mailx.auth.url_tokens import WINDOW_SECONDS, expiry

    assert WINDOW_SECONDS == 1800
    assert expiry(0) == 3600 and expiry(1799) == 3600 and expiry(1800) == 5400
    # Every token lives between one and two windows
    for now in (0, 1, 900, 1799, 1800, 123456):
        assert WINDOW_SECONDS < expiry(now) - now <= 2 * WINDOW_SECONDS


def test_the_session_state_changes_when_the_window_rolls(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.auth import url_tokens

    first = session(client)
    real = time.time
    monkeypatch.setattr("mailx.auth.url_tokens.time.time", lambda: real() + url_tokens.WINDOW_SECONDS)
    later = session(client)
    assert later["state"] != first["state"] and later["downloadUrl"] != first["downloadUrl"]
    # The API's sessionState follows, which is what tells a client to fetch the session again
    body = {"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {}, "0"]]}
    api = client.post(
        "/jmap/api", content=json.dumps(body), headers={**ALICE, "Content-Type": "application/json"}
    )
    assert api.json()["sessionState"] == later["state"]


def test_password_change_and_disabling_revoke_tokens(client: Any, alice: Any) -> None:
    from mailx.admin.accounts import update_account

    found = session(client)
    blob_id = upload(client, alice.account_id, b"data")
    url = download_url(found["downloadUrl"], alice.account_id, blob_id)
    assert client.get(url).status_code == 200
    update_account(alice.account_id, disabled=True)
    assert client.get(url).status_code == 401
    update_account(alice.account_id, disabled=False)
    assert client.get(url).status_code == 200
    update_account(alice.account_id, password="a brand new long password")
    assert client.get(url).status_code == 401


def test_logout_revokes_tokens_issued_under_that_bearer_token(client: Any, alice: Any) -> None:
    login = client.post("/v0/auth/login", json={"username": "alice", "password": "correct horse battery"})
    assert login.status_code == 200, login.text
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    found = session(client, bearer)
    blob_id = upload(client, alice.account_id, b"data", headers=bearer)
    url = download_url(found["downloadUrl"], alice.account_id, blob_id)
    basic_url = download_url(session(client)["downloadUrl"], alice.account_id, blob_id)
    assert client.get(url).status_code == 200
    assert client.post("/v0/auth/logout", headers=bearer).status_code == 200
    assert client.get(url).status_code == 401
    # A token from a Basic sign-in is untouched by another session's logout
    assert client.get(basic_url).status_code == 200


def test_cross_origin_get_is_allowed_and_preflight_needs_no_credentials(client: Any, alice: Any) -> None:
    found = session(client)
    blob_id = upload(client, alice.account_id, b"data")
    origin = {"Origin": "https://webmail.example.org"}
    got = client.get(download_url(found["downloadUrl"], alice.account_id, blob_id), headers=origin)
    assert got.status_code == 200 and got.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        event_url(found["eventSourceUrl"]),
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "last-event-id",
        },
    )
    assert preflight.status_code == 200
    assert "last-event-id" in preflight.headers["access-control-allow-headers"].lower()


def test_tokens_never_reach_the_logs(client: Any, alice: Any, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from mailx.auth.url_tokens import RedactFilter, redact

    token = token_in(session(client)["downloadUrl"])
    line = f'127.0.0.1:5 - "GET /jmap/download/A/B/n?type=x&access_token={token} HTTP/1.1" 200'
    assert token not in redact(line) and "access_token=[redacted]" in redact(line)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s"', ("h", "GET", line), None
    )
    RedactFilter().filter(record)
    assert token not in record.getMessage()
