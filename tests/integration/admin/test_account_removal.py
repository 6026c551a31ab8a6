"""Deleting an account removes every item and object it owns (checked by scanning everything, which no
request path may do), resumably in bounded batches, and is refused while a domain route names it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.helpers.auth import basic

USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]
MESSAGE = (
    "From: Pat <pat@example.net>\r\nTo: {to}\r\nSubject: Tide {n}\r\nMessage-ID: <tide-{n}@example.net>\r\n"
    "{reply}\r\nThe copper clock, part {n}.\r\n"
)


def _deliver(client: Any, headers: dict[str, str], to: str, n: int) -> None:
    reply = f"In-Reply-To: <tide-{n - 1}@example.net>\r\n" if n > 1 else ""
    raw = MESSAGE.format(to=to, n=n, reply=reply)
    response = client.post(
        f"/v0/management/deliver?to={to}",
        headers={**headers, "content-type": "message/rfc822"},
        content=raw.encode(),
    )
    assert response.status_code == 200, response.text


def _fill(client: Any, headers: dict[str, str], account: Any, address: str, password: str) -> None:
    """Mail in threads, a flagged message (index views), a new mailbox, an upload and an outbound copy."""
    from mailx.store import blobs

    for n in range(1, 5):
        _deliver(client, headers, address, n)
    auth = basic(account.username, password)
    upload = client.post(f"/jmap/upload/{account.account_id}/", headers=auth, content=b"an uploaded file")
    assert upload.status_code == 201, upload.text
    calls = [
        ["Email/query", {"accountId": account.account_id}, "q"],
        ["Mailbox/set", {"accountId": account.account_id, "create": {"m": {"name": "Projects"}}}, "m"],
    ]
    answer = client.post("/jmap/api", headers=auth, json={"using": USING, "methodCalls": calls}).json()
    first = answer["methodResponses"][0][1]["ids"][0]
    flag = {"accountId": account.account_id, "update": {first: {"keywords/$flagged": True}}}
    client.post("/jmap/api", headers=auth, json={"using": USING, "methodCalls": [["Email/set", flag, "f"]]})
    blobs.put(f"outbound/{account.account_id}/S1.eml", b"a send's copy", "message/rfc822")


def _everything_of(account_id: str) -> list[str]:
    """Every item (any table but kv, whose entries expire) and object that mentions ACCOUNT_ID."""
    from mailx.config import get_settings

    settings = get_settings()
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    found = []
    for table in dynamodb.list_tables()["TableNames"]:
        if table == f"{settings.table_prefix}kv":
            continue
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            found += [f"{table}: {item}" for item in page["Items"] if account_id in str(item)]
    s3 = boto3.client("s3", region_name="us-east-1")
    for listing in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket_name):
        found += [o["Key"] for o in listing.get("Contents", []) if account_id in o["Key"]]
    return found


def test_deleting_an_account_leaves_nothing_of_it_and_keeps_the_others(
    client: Any, alice: Any, bob: Any, management_headers: dict[str, str], tiny_index: None
) -> None:
    # Given two accounts with mail, threads, flags, mailboxes, uploads and outbound copies (and, with
    # tiny_index, full-text segments besides the index's tail)
    _fill(client, management_headers, alice, "alice@example.com", "correct horse battery")
    _fill(client, management_headers, bob, "bob@example.com", "bob's long password")
    bobs_before = sorted(_everything_of(bob.account_id))
    assert len(_everything_of(alice.account_id)) > 40
    # When alice is deleted
    response = client.delete(f"/v0/management/accounts/{alice.account_id}", headers=management_headers)
    assert response.status_code == 204, response.text
    # Then no item and no object of hers is left anywhere, and bob's are all still there
    assert _everything_of(alice.account_id) == []
    assert sorted(_everything_of(bob.account_id)) == bobs_before
    assert client.get("/jmap/session", headers=basic("alice", "correct horse battery")).status_code == 401


def test_removal_is_resumable_in_bounded_calls(
    client: Any, alice: Any, management_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.admin import accounts

    _fill(client, management_headers, alice, "alice@example.com", "correct horse battery")
    # Given a time budget so small that every call does one batch and stops
    monkeypatch.setattr(accounts, "DELETE_BUDGET_SECONDS", 0.0)
    path = f"/v0/management/accounts/{alice.account_id}"
    first = client.delete(path, headers=management_headers)
    # Then the first call answers 202 and the account can no longer be signed in to
    assert first.status_code == 202 and first.json() == {"accountId": alice.account_id, "deleting": True}
    assert client.get("/jmap/session", headers=basic("alice", "correct horse battery")).status_code == 401
    assert _everything_of(alice.account_id) != []
    # And calling again goes on until it is done
    calls = 1
    while client.delete(path, headers=management_headers).status_code == 202:
        calls += 1
        assert calls < 200
    assert calls > 2
    assert _everything_of(alice.account_id) == []


def test_an_account_named_by_a_domain_route_is_not_deleted(
    client: Any, alice: Any, bob: Any, management_headers: dict[str, str]
) -> None:
    # Given alice receives example.com's postmaster mail
    route = {"postmasterAccountId": alice.account_id, "catchAllAccountId": None}
    assert (
        client.put("/v0/management/domains/example.com", headers=management_headers, json=route).status_code
        == 200
    )
    # When the operator deletes her, Then it is refused with what to do, and nothing changed
    response = client.delete(f"/v0/management/accounts/{alice.account_id}", headers=management_headers)
    assert response.status_code == 409
    assert "example.com" in response.json()["detail"] and "mailx domain set" in response.json()["detail"]
    shown = client.get(f"/v0/management/accounts/{alice.account_id}", headers=management_headers).json()
    assert shown["disabled"] is False
    # And once the route points elsewhere, the delete goes through
    route = {"postmasterAccountId": bob.account_id, "catchAllAccountId": None}
    client.put("/v0/management/domains/example.com", headers=management_headers, json=route)
    assert (
        client.delete(f"/v0/management/accounts/{alice.account_id}", headers=management_headers).status_code
        == 204
    )
