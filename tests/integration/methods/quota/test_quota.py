"""Quotas (RFC 9425) through the real app: capability, Quota/get, /changes, /query, /queryChanges, exact
usage on every way mail comes and goes, overQuota, inbound mail past the limit, concurrent writers,
and the operator's limits through /v0/management."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from mailx.mail.ingest import ingest
from mailx.protocol.capabilities import CORE, MAIL
from mailx.store import emails, quota, transactions
from tests.helpers.auth import basic
from tests.helpers.mailboxes import inbox_id
from tests.helpers.messages import message
from tests.helpers.ses_events import invoke, receive

ALICE = basic("alice", "correct horse battery")
QUOTA = "urn:ietf:params:jmap:quota"
USING = [CORE, MAIL, QUOTA]


def post(client: Any, *calls: list[Any], using: list[str] = USING) -> str:
    body = json.dumps({"using": using, "methodCalls": list(calls)})
    response = client.post("/jmap/api", content=body, headers={**ALICE, "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


def first(text: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(text)["methodResponses"][0][1]
    return result


def quotas(client: Any, account_id: str) -> dict[str, dict[str, Any]]:
    got = first(post(client, ["Quota/get", {"accountId": account_id, "ids": None}, "q"]))
    return {q["id"]: q for q in got["list"]}


def used(client: Any, account_id: str) -> tuple[int, int]:
    found = quotas(client, account_id)
    return found["octets"]["used"], found["count"]["used"]


def recount(account_id: str) -> tuple[int, int]:
    """What usage must be: the sizes and number of the Emails actually stored."""
    records = emails.get_many(account_id, emails.list_ids(account_id, 10_000))
    return sum(r.size for r in records.values()), len(records)


def set_limits(client: Any, account_id: str, body: dict[str, Any], management_headers: dict[str, str]) -> Any:
    return client.put(f"/v0/management/accounts/{account_id}/quota", json=body, headers=management_headers)


def upload(client: Any, account_id: str, raw: bytes) -> str:
    response = client.post(f"/jmap/upload/{account_id}/", content=raw, headers=ALICE)
    assert response.status_code == 201
    blob_id: str = response.json()["blobId"]
    return blob_id


def import_call(account_id: str, blob_id: str, key: str = "i") -> list[Any]:
    emails_ = {key: {"blobId": blob_id, "mailboxIds": {inbox_id(account_id): True}}}
    return ["Email/import", {"accountId": account_id, "emails": emails_}, "0"]


def test_capability_and_quota_get_literal_json(client: Any, alice: Any) -> None:
    session = client.get("/jmap/session", headers=ALICE).json()
    assert session["capabilities"][QUOTA] == {}
    assert session["accounts"][alice.account_id]["accountCapabilities"][QUOTA] == {}
    assert session["primaryAccounts"][QUOTA] == alice.account_id
    text = post(client, ["Quota/get", {"accountId": alice.account_id, "ids": None}, "q"])
    state = first(text)["state"]
    assert text == (
        f'{{"methodResponses":[["Quota/get",{{"accountId":"{alice.account_id}","state":"{state}","list":['
        '{"id":"octets","resourceType":"octets","used":0,"hardLimit":10737418240,"warnLimit":null,'
        '"softLimit":null,"scope":"account","name":"Mail storage","types":["Mail"],"description":'
        '"The size of every message in the account, in octets. At the hard limit, new messages cannot be '
        'created, imported or copied in; mail from outside is still delivered."},'
        '{"id":"count","resourceType":"count","used":0,"hardLimit":1000000,"warnLimit":null,'
        '"softLimit":null,"scope":"account","name":"Messages","types":["Mail"],"description":'
        '"The number of messages in the account. At the hard limit, new messages cannot be created, '
        'imported or copied in; mail from outside is still delivered."}],"notFound":[]},"q"]],'
        f'"sessionState":"{json.loads(text)["sessionState"]}"}}'
    )
    # Properties and unknown ids as for any /get
    got = first(
        post(
            client,
            [
                "Quota/get",
                {"accountId": alice.account_id, "ids": ["count", "nope"], "properties": ["used"]},
                "q",
            ],
        )
    )
    assert got["list"] == [{"id": "count", "used": 0}] and got["notFound"] == ["nope"]


def test_without_mail_in_using_no_quota_is_shown(client: Any, alice: Any) -> None:
    got = first(
        post(client, ["Quota/get", {"accountId": alice.account_id, "ids": None}, "q"], using=[CORE, QUOTA])
    )
    assert got["list"] == [] and got["notFound"] == []
    text = post(client, ["Quota/get", {"accountId": alice.account_id}, "q"], using=[CORE, MAIL])
    assert first(text)["type"] == "unknownMethod"


def test_usage_is_exact_through_ingest_import_create_and_destroy(client: Any, alice: Any) -> None:
    acc = alice.account_id
    # Delivered mail (the ingest path SES uses), into two mailboxes: counted once
    archive = next(m for m, r in emails.mailbox_roles(acc).items() if r == "archive")
    one = ingest(acc, message("q1@example.net", "One"), mailbox_ids=[inbox_id(acc), archive])
    assert used(client, acc) == (one.size, 1) == recount(acc)
    # Email/import
    blob_id = upload(client, acc, message("q2@example.net", "Two", body="x" * 500))
    two = first(post(client, import_call(acc, blob_id)))["created"]["i"]
    assert used(client, acc) == (one.size + two["size"], 2) == recount(acc)
    # Email/set create (a draft)
    drafts = next(m for m, r in emails.mailbox_roles(acc).items() if r == "drafts")
    create = {"d": {"mailboxIds": {drafts: True}, "subject": "Draft", "bodyValues": {"b": {"value": "hi"}},
                    "textBody": [{"partId": "b", "type": "text/plain"}]}}  # fmt: skip
    three = first(post(client, ["Email/set", {"accountId": acc, "create": create}, "0"]))["created"]["d"]
    assert used(client, acc) == (one.size + two["size"] + three["size"], 3) == recount(acc)
    # A keyword change or a move changes nothing
    post(client, ["Email/set", {"accountId": acc, "update": {two["id"]: {"keywords/$seen": True}}}, "0"])
    assert used(client, acc) == recount(acc)
    # Email/set destroy gives the space back
    post(client, ["Email/set", {"accountId": acc, "destroy": [one.email_id, three["id"]]}, "0"])
    assert used(client, acc) == (two["size"], 1) == recount(acc)


def test_a_thread_merge_keeps_usage(client: Any, alice: Any) -> None:
    acc = alice.account_id
    box = [inbox_id(acc)]
    # Two threads that a third message links (merge re-creates Emails under new ids)
    ingest(acc, message("a@x", "Topic", body="a"), mailbox_ids=box)
    ingest(acc, message("b@x", "Topic", body="b"), mailbox_ids=box)
    ingest(acc, message("c@x", "Re: Topic", refs="<a@x> <b@x>", irt="b@x"), mailbox_ids=box)
    assert used(client, acc) == recount(acc) and recount(acc)[1] == 3


def test_over_the_hard_limit_writes_are_over_quota(
    client: Any, alice: Any, management_headers: dict[str, str]
) -> None:
    acc = alice.account_id
    small = message("s1@example.net", "Small")
    ingest(acc, small, mailbox_ids=[inbox_id(acc)])
    octets, _ = used(client, acc)
    # Room for exactly one more message of this size
    limits = {"octets": {"hardLimit": octets + len(small) + 10, "warnLimit": octets, "softLimit": octets + 5}}
    response = set_limits(client, acc, limits, management_headers)
    assert response.status_code == 200, response.text
    assert response.json()["quotas"]["octets"] == {
        "used": octets, "hardLimit": octets + len(small) + 10, "warnLimit": octets, "softLimit": octets + 5,
    }  # fmt: skip
    found = quotas(client, acc)["octets"]
    assert (found["hardLimit"], found["warnLimit"], found["softLimit"]) == (
        octets + len(small) + 10, octets, octets + 5,
    )  # fmt: skip
    ok = first(post(client, import_call(acc, upload(client, acc, message("s2@example.net", "Small")))))
    assert ok["notCreated"] is None
    # The next one does not fit: overQuota, nothing stored, usage unchanged
    before = used(client, acc)
    text = post(client, import_call(acc, upload(client, acc, message("s3@example.net", "Small"))))
    assert (
        '"created":null,"notCreated":{"i":{"type":"overQuota","description":"the octets quota would be '
        in text
    )
    assert '"quotaId":"octets"}}' in text
    drafts = next(m for m, r in emails.mailbox_roles(acc).items() if r == "drafts")
    text = post(
        client,
        [
            "Email/set",
            {"accountId": acc, "create": {"d": {"mailboxIds": {drafts: True}, "subject": "x"}}},
            "0",
        ],
    )
    assert '"notCreated":{"d":{"type":"overQuota"' in text
    assert used(client, acc) == before == recount(acc)
    # A count limit works the same way
    set_limits(client, acc, {"count": {"hardLimit": 2}}, management_headers)
    text = post(client, import_call(acc, upload(client, acc, message("s4@example.net", "S"))))
    assert '"type":"overQuota"' in text and '"quotaId":"count"' in text
    # An empty body restores the defaults
    restored = set_limits(client, acc, {}, management_headers).json()
    assert restored["custom"] is False and restored["quotas"]["count"]["hardLimit"] == 1_000_000


def test_inbound_mail_past_the_limit_is_stored_and_reported(
    client: Any, alice: Any, management_headers: dict[str, str]
) -> None:
    acc = alice.account_id
    set_limits(client, acc, {"count": {"hardLimit": 1}}, management_headers)
    first_result = invoke(receive("ses-quota-1", ["alice@example.com"]))
    assert first_result == {"results": [{"messageId": "ses-quota-1", "delivered": 1}]}
    # The second delivery passes the hard limit: stored all the same, and reported
    second = invoke(receive("ses-quota-2", ["alice@example.com"]))
    assert second == {
        "results": [{"messageId": "ses-quota-2", "delivered": 1, "overQuota": {acc: ["count"]}}]
    }
    assert recount(acc)[1] == 2 and used(client, acc) == recount(acc)
    found = quotas(client, acc)["count"]
    assert (found["used"], found["hardLimit"]) == (2, 1)
    # JMAP writes that add mail are refused until there is room again
    text = post(client, import_call(acc, upload(client, acc, message("after@example.net", "After"))))
    assert '"type":"overQuota"' in text


def test_concurrent_writers_never_pass_the_limit_and_usage_stays_exact(
    client: Any, alice: Any, management_headers: dict[str, str]
) -> None:
    acc = alice.account_id
    box = [inbox_id(acc)]
    keep = [ingest(acc, message(f"k{i}@example.net", f"Keep {i}"), mailbox_ids=box) for i in range(4)]
    set_limits(client, acc, {"count": {"hardLimit": 10}}, management_headers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def importer(n: int) -> None:
        from mailx.store.errors import OverQuota

        try:
            ingest(acc, message(f"c{n}@example.net", f"Concurrent {n}"), mailbox_ids=box, enforce_quota=True)
            result = "created"
        except OverQuota:
            result = "overQuota"
        with lock:
            outcomes.append(result)

    def destroyer() -> None:
        post(client, ["Email/set", {"accountId": acc, "destroy": [k.email_id for k in keep[:2]]}, "0"])

    workers = [threading.Thread(target=importer, args=(n,)) for n in range(12)]
    workers.append(threading.Thread(target=destroyer))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    created = outcomes.count("created")
    assert len(outcomes) == 12 and created + outcomes.count("overQuota") == 12
    # 4 kept - 2 destroyed + created <= 10, and the limit was reached: at least 6 (10 - 4) got in
    assert 6 <= created <= 8
    assert used(client, acc) == recount(acc)
    assert recount(acc)[1] <= 10


def test_quota_changes_query_and_query_changes(
    client: Any, alice: Any, management_headers: dict[str, str]
) -> None:
    acc = alice.account_id
    start = first(post(client, ["Quota/get", {"accountId": acc, "ids": []}, "q"]))["state"]
    text = post(client, ["Quota/changes", {"accountId": acc, "sinceState": start}, "c"])
    assert text.startswith(
        f'{{"methodResponses":[["Quota/changes",{{"accountId":"{acc}","oldState":"{start}","newState":"{start}",'
        '"hasMoreChanges":false,"created":[],"updated":[],"destroyed":[],"updatedProperties":null},"c"]]'
    )
    ingest(acc, message("ch@example.net", "Changes"), mailbox_ids=[inbox_id(acc)])
    changed = first(post(client, ["Quota/changes", {"accountId": acc, "sinceState": start}, "c"]))
    assert changed["updated"] == ["count", "octets"] and changed["newState"] != start
    # The push state follows the same derived state
    assert str(transactions.get_states(acc)["Quota"]) == changed["newState"]
    # A limit change moves it too
    set_limits(client, acc, {"octets": {"hardLimit": 10**9}}, management_headers)
    later = first(post(client, ["Quota/changes", {"accountId": acc, "sinceState": changed["newState"]}, "c"]))
    assert later["updated"] == ["count", "octets"]
    bad = first(post(client, ["Quota/changes", {"accountId": acc, "sinceState": "999999"}, "c"]))
    assert bad["type"] == "cannotCalculateChanges"
    # Quota/query: filters and the two sorts RFC 9425 requires
    query = first(
        post(
            client,
            ["Quota/query", {"accountId": acc, "sort": [{"property": "used", "isAscending": False}]}, "q"],
        )
    )
    assert query["ids"] == ["octets", "count"] and query["canCalculateChanges"] is True
    by_name = first(post(client, ["Quota/query", {"accountId": acc, "sort": [{"property": "name"}]}, "q"]))
    assert by_name["ids"] == ["octets", "count"]  # "Mail storage" < "Messages"
    for condition, ids in (
        ({"resourceType": "count"}, ["count"]),
        ({"scope": "account", "type": "Mail"}, ["count", "octets"]),
        ({"name": "storage"}, ["octets"]),
        ({"type": "Calendar"}, []),
    ):
        assert (
            first(post(client, ["Quota/query", {"accountId": acc, "filter": condition}, "q"]))["ids"] == ids
        )
    bad = first(post(client, ["Quota/query", {"accountId": acc, "filter": {"color": "red"}}, "q"]))
    assert bad["type"] == "unsupportedFilter"
    bad = first(post(client, ["Quota/query", {"accountId": acc, "sort": [{"property": "description"}]}, "q"]))
    assert bad["type"] == "unsupportedSort"
    # queryChanges: a sort on used re-adds everything after a change; a sort on name reports nothing
    old = query["queryState"]
    ingest(acc, message("qc@example.net", "QC"), mailbox_ids=[inbox_id(acc)])
    sort_used = [{"property": "used", "isAscending": False}]
    moved = first(
        post(
            client, ["Quota/queryChanges", {"accountId": acc, "sinceQueryState": old, "sort": sort_used}, "q"]
        )
    )
    assert moved["removed"] == ["octets", "count"]
    assert moved["added"] == [{"id": "octets", "index": 0}, {"id": "count", "index": 1}]
    still = first(
        post(
            client,
            [
                "Quota/queryChanges",
                {"accountId": acc, "sinceQueryState": old, "sort": [{"property": "name"}]},
                "q",
            ],
        )
    )
    assert (still["removed"], still["added"]) == ([], [])


def test_management_limits_validation(client: Any, alice: Any, management_headers: dict[str, str]) -> None:
    path = f"/v0/management/accounts/{alice.account_id}/quota"
    bad = client.put(path, json={"octets": {"hardLimit": 10, "warnLimit": 20}}, headers=management_headers)
    assert bad.status_code == 400 and "warnLimit <= softLimit <= hardLimit" in bad.json()["detail"]
    assert client.put(path, json={"count": {"hardLimit": -1}}, headers=management_headers).status_code == 400
    assert (
        client.put("/v0/management/accounts/Anobody/quota", json={}, headers=management_headers).status_code
        == 404
    )
    assert client.get(path).status_code == 401
    shown = client.get("/v0/management/accounts/alice/quota", headers=management_headers).json()
    assert shown == {
        "accountId": alice.account_id,
        "custom": False,
        "quotas": {
            "octets": {"used": 0, "hardLimit": 10737418240, "warnLimit": None, "softLimit": None},
            "count": {"used": 0, "hardLimit": 1000000, "warnLimit": None, "softLimit": None},
        },
    }


def test_the_deployment_default_applies_to_accounts_without_their_own(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.config import reset_settings
    from mailx.store import config_store

    monkeypatch.setenv("QUOTA_COUNT_DEFAULT", "0")
    reset_settings()
    config_store.forget_cache()
    assert quotas(client, alice.account_id)["count"]["hardLimit"] == 0
    text = post(client, import_call(alice.account_id, upload(client, alice.account_id, message("d@x", "D"))))
    assert '"type":"overQuota"' in text


def test_recount_sets_usage_from_the_stored_emails(
    client: Any, alice: Any, management_headers: dict[str, str]
) -> None:
    from mailx.store.models import Account

    acc = alice.account_id
    for n in range(3):
        ingest(acc, message(f"r{n}@example.net", f"Recount {n}"), mailbox_ids=[inbox_id(acc)])
    # An account from before quotas were counted: its usage is missing
    Account(account_id=acc).update(actions=[Account.used_octets.remove(), Account.used_count.remove()])
    assert used(client, acc) == (0, 0)
    response = client.post(f"/v0/management/accounts/{acc}/quota/recount", headers=management_headers)
    assert response.status_code == 200, response.text
    octets, count = recount(acc)
    assert response.json()["quotas"]["count"]["used"] == count == 3
    assert used(client, acc) == (octets, count)
    # A recount made at an Email state that has moved on writes nothing
    stale = transactions.get_states(acc)["Email"] - 1
    assert quota.set_usage(acc, {"octets": 1, "count": 1}, stale) is False
    assert used(client, acc) == (octets, count)
    assert (
        client.post("/v0/management/accounts/Anobody/quota/recount", headers=management_headers).status_code
        == 404
    )
