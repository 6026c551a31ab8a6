"""PushSubscription/get and /set over HTTP (RFC 8620 §7.2), with the verification POST to a real receiver."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.helpers.auth import ALICE, basic
from tests.helpers.push_receiver import Receiver, UserAgentKeys, verify_vapid

BOB = basic("bob", "bob's long password")
CORE = "urn:ietf:params:jmap:core"
VAPID = "urn:ietf:params:jmap:webpush-vapid"
WEEK = 7 * 24 * 3600


def call(client: Any, *calls: list[Any], auth: dict[str, str] = ALICE) -> list[list[Any]]:
    body = json.dumps({"using": [CORE], "methodCalls": list(calls)})
    response = client.post("/jmap/api", content=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


def set_(client: Any, arguments: dict[str, Any], auth: dict[str, str] = ALICE) -> dict[str, Any]:
    [[name, result, _]] = call(client, ["PushSubscription/set", arguments, "s"], auth=auth)
    assert name == "PushSubscription/set", result
    return dict(result)


def get(client: Any, arguments: dict[str, Any], auth: dict[str, str] = ALICE) -> list[Any]:
    [response] = call(client, ["PushSubscription/get", arguments, "g"], auth=auth)
    return response


def create(client: Any, url: str, auth: dict[str, str] = ALICE, **extra: Any) -> str:
    result = set_(client, {"create": {"k1": {"deviceClientId": "device-a", "url": url, **extra}}}, auth)
    assert result["notCreated"] is None, result
    subscription_id: str = result["created"]["k1"]["id"]
    return subscription_id


def utc(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_create_answers_like_the_rfc_and_posts_the_verification(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    before = time.time()
    result = set_(local_push, {"create": {"4f29": {"deviceClientId": "a889-ffea-910", "url": receiver.url}}})
    # No accountId, oldState or newState (§7.2.2); the server-set id and expiry, the defaulted nulls.
    assert sorted(result) == ["created", "destroyed", "notCreated", "notDestroyed", "notUpdated", "updated"]
    created = result["created"]["4f29"]
    assert sorted(created) == ["expires", "id", "keys", "types", "verificationCode"]
    assert (created["keys"], created["types"], created["verificationCode"]) == (None, None, None)
    expires = datetime.strptime(created["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert before + WEEK - 2 <= expires <= time.time() + WEEK  # absent: the server sets its cap

    [push] = receiver.wait_for(1)
    assert push.path == "/push/device-1"
    assert push.headers["content-type"] == "application/json"
    assert push.headers["ttl"] == "86400" and push.headers["urgency"] == "normal"
    assert "content-encoding" not in push.headers  # no keys: plain JSON
    verification = json.loads(push.body)
    assert sorted(verification) == ["@type", "pushSubscriptionId", "verificationCode"]
    assert verification["@type"] == "PushVerification"
    assert verification["pushSubscriptionId"] == created["id"]
    assert len(verification["verificationCode"]) >= 32  # 128 random bits

    session = local_push.get("/jmap/session", headers=ALICE).json()
    key = session["capabilities"][VAPID]["applicationServerKey"]
    claims = verify_vapid(push.headers["authorization"], key)
    assert claims["aud"] == f"http://127.0.0.1:{receiver.url.split(':')[2].split('/')[0]}"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"] == "mailto:postmaster@example.com"


def test_the_verification_is_encrypted_when_keys_are_given(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    agent = UserAgentKeys.generate()
    subscription_id = create(local_push, receiver.url, keys=agent.jmap_keys())
    [push] = receiver.wait_for(1)
    assert push.headers["content-encoding"] == "aes128gcm"
    message = agent.decrypt(push.body)
    assert message["@type"] == "PushVerification"
    assert message["pushSubscriptionId"] == subscription_id


def test_get_never_shows_url_or_keys_and_refuses_to(local_push: Any, alice: Any, receiver: Receiver) -> None:
    subscription_id = create(
        local_push, receiver.url, keys=UserAgentKeys.generate().jmap_keys(), types=["Email"]
    )
    name, result, _ = get(local_push, {"ids": None})
    assert name == "PushSubscription/get"
    assert sorted(result) == ["list", "notFound"]  # no accountId, no state (§7.2.1)
    [obj] = result["list"]
    assert sorted(obj) == ["deviceClientId", "expires", "id", "types", "verificationCode"]
    assert (obj["id"], obj["deviceClientId"], obj["types"]) == (subscription_id, "device-a", ["Email"])
    for private in ("url", "keys"):
        name, error, _ = get(local_push, {"ids": None, "properties": ["id", private]})
        assert (name, error["type"]) == ("error", "forbidden")
    name, result, _ = get(local_push, {"ids": [subscription_id, "Pnope"], "properties": ["types"]})
    assert result == {"list": [{"id": subscription_id, "types": ["Email"]}], "notFound": ["Pnope"]}


def test_verification_code_must_match(local_push: Any, alice: Any, receiver: Receiver) -> None:
    subscription_id = create(local_push, receiver.url)
    code = json.loads(receiver.wait_for(1)[0].body)["verificationCode"]
    wrong = set_(local_push, {"update": {subscription_id: {"verificationCode": "0" * 32}}})
    assert wrong["notUpdated"][subscription_id]["type"] == "invalidProperties"
    assert wrong["notUpdated"][subscription_id]["properties"] == ["verificationCode"]
    [obj] = get(local_push, {"ids": [subscription_id]})[1]["list"]
    assert obj["verificationCode"] is None
    right = set_(local_push, {"update": {subscription_id: {"verificationCode": code}}})
    assert right["updated"] == {subscription_id: None}
    [obj] = get(local_push, {"ids": [subscription_id]})[1]["list"]
    assert obj["verificationCode"] == code
    assert len(receiver.received) == 1  # nothing else was sent


def test_expires_is_capped_and_reported_and_immutables_stay(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    soon = utc(time.time() + 3600)
    result = set_(
        local_push, {"create": {"a": {"deviceClientId": "d", "url": receiver.url, "expires": soon}}}
    )
    assert result["created"]["a"]["expires"] == soon  # within the cap: kept as asked
    subscription_id = result["created"]["a"]["id"]
    far = utc(time.time() + 365 * 24 * 3600)
    updated = set_(local_push, {"update": {subscription_id: {"expires": far}}})
    granted = updated["updated"][subscription_id]["expires"]
    assert granted < far and granted >= utc(time.time() + WEEK - 5)
    past = set_(local_push, {"update": {subscription_id: {"expires": "2001-01-01T00:00:00Z"}}})
    assert past["notUpdated"][subscription_id]["properties"] == ["expires"]
    for patch in ({"url": "http://127.0.0.1:9/other"}, {"deviceClientId": "x"}, {"keys": None, "url": "x"}):
        refused = set_(local_push, {"update": {subscription_id: patch}})
        assert refused["notUpdated"][subscription_id]["type"] == "invalidProperties", patch
    same = set_(local_push, {"update": {subscription_id: {"deviceClientId": "d", "types": ["Mailbox"]}}})
    assert same["updated"] == {subscription_id: None}


def test_create_refuses_bad_values_as_set_errors(local_push: Any, alice: Any, receiver: Receiver) -> None:
    good = UserAgentKeys.generate().jmap_keys()
    cases = {
        "noDevice": ({"url": receiver.url}, ["deviceClientId"]),
        "code": ({"deviceClientId": "d", "url": receiver.url, "verificationCode": "x"}, ["verificationCode"]),
        "id": ({"id": "P1", "deviceClientId": "d", "url": receiver.url}, ["id"]),
        "shortAuth": (
            {"deviceClientId": "d", "url": receiver.url, "keys": {**good, "auth": "AAAA"}},
            ["keys"],
        ),
        "notPoint": (
            {"deviceClientId": "d", "url": receiver.url, "keys": {**good, "p256dh": "BA" + "A" * 85}},
            ["keys"],
        ),
        "notBase64": (
            {"deviceClientId": "d", "url": receiver.url, "keys": {**good, "auth": "*!*"}},
            ["keys"],
        ),
        "types": ({"deviceClientId": "d", "url": receiver.url, "types": "Email"}, ["types"]),
        "metadata": ({"deviceClientId": "d", "url": "https://169.254.169.254/latest"}, ["url"]),
        "private": ({"deviceClientId": "d", "url": "https://10.1.2.3/push"}, ["url"]),
        "ftp": ({"deviceClientId": "d", "url": "ftp://push.example.com/"}, ["url"]),
        "notString": ({"deviceClientId": "d", "url": 42}, ["url"]),
    }
    result = set_(local_push, {"create": {name: obj for name, (obj, _) in cases.items()}})
    assert result["created"] is None
    for name, (_, properties) in cases.items():
        error = result["notCreated"][name]
        assert (error["type"], error["properties"]) == ("invalidProperties", properties), name
    assert receiver.received == []


def test_refused_url_on_a_deployment_is_invalid_properties(
    client: Any, alice: Any, receiver: Receiver
) -> None:
    # Without the local runtime's setting, loopback (over http or not) is refused like any private address
    result = set_(client, {"create": {"a": {"deviceClientId": "d", "url": receiver.url}}})
    error = result["notCreated"]["a"]
    assert (error["type"], error["properties"]) == ("invalidProperties", ["url"])
    assert "loopback" in error["description"]
    assert receiver.received == []


def test_destroy_and_account_isolation(local_push: Any, alice: Any, bob: Any, receiver: Receiver) -> None:
    alices = create(local_push, receiver.url)
    bobs = create(local_push, receiver.url, auth=BOB)
    assert [o["id"] for o in get(local_push, {"ids": None})[1]["list"]] == [alices]
    assert [o["id"] for o in get(local_push, {"ids": None}, BOB)[1]["list"]] == [bobs]
    assert get(local_push, {"ids": [bobs]})[1] == {"list": [], "notFound": [bobs]}
    foreign = set_(local_push, {"update": {bobs: {"types": None}}, "destroy": [bobs]})
    assert foreign["notUpdated"][bobs]["type"] == "notFound"
    assert foreign["notDestroyed"][bobs]["type"] == "notFound"
    own = set_(local_push, {"destroy": [alices]})
    assert own["destroyed"] == [alices]
    assert get(local_push, {"ids": None})[1]["list"] == []
    assert [o["id"] for o in get(local_push, {"ids": None}, BOB)[1]["list"]] == [bobs]


def test_creation_references_and_arguments(local_push: Any, alice: Any, receiver: Receiver) -> None:
    result = set_(
        local_push,
        {
            "create": {"n": {"deviceClientId": "d", "url": receiver.url}},
            "update": {"#n": {"types": ["Email"]}},
        },
    )
    new_id = result["created"]["n"]["id"]
    assert result["updated"] == {new_id: None}
    name, error, _ = call(local_push, ["PushSubscription/set", {"ifInState": "1"}, "x"])[0]
    assert (name, error["type"]) == ("error", "invalidArguments")
    name, error, _ = call(local_push, ["PushSubscription/get", {"properties": ["nope"]}, "x"])[0]
    assert (name, error["type"]) == ("error", "invalidArguments")


def test_a_create_destroyed_by_reference_in_the_same_call_is_never_verified(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    result = set_(
        local_push,
        {
            "create": {
                "gone": {"deviceClientId": "d1", "url": receiver.url + "/gone"},
                "kept": {"deviceClientId": "d2", "url": receiver.url + "/kept"},
            },
            "destroy": ["#gone"],
        },
    )
    gone, kept = result["created"]["gone"]["id"], result["created"]["kept"]["id"]
    assert result["destroyed"] == [gone]
    assert [o["id"] for o in get(local_push, {"ids": None})[1]["list"]] == [kept]
    # Verification POSTs are made before the response: the destroyed create got none.
    assert [json.loads(p.body)["pushSubscriptionId"] for p in receiver.received] == [kept]


def test_subscription_count_and_creation_rate_are_limited(
    local_push: Any, alice: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers.environment import reset_caches

    monkeypatch.setenv("PUSH_SUBSCRIPTIONS_MAX", "2")
    monkeypatch.setenv("PUSH_SUBSCRIPTION_CREATES_PER_HOUR", "3")
    reset_caches()
    obj = {"deviceClientId": "d", "url": receiver.url}
    result = set_(local_push, {"create": {"a": obj, "b": obj, "c": obj}})
    assert sorted(result["created"]) == ["a", "b"]
    assert result["notCreated"]["c"]["type"] == "overQuota"
    first = result["created"]["a"]["id"]
    assert set_(local_push, {"destroy": [first]})["destroyed"] == [first]
    again = set_(local_push, {"create": {"d": obj}})  # the third creation this hour
    assert again["created"] is not None
    assert set_(local_push, {"destroy": [again["created"]["d"]["id"]]})["destroyed"] is not None
    limited = set_(local_push, {"create": {"e": obj}})  # room for one more, but the hour's budget is spent
    assert limited["notCreated"]["e"]["type"] == "rateLimit"


def test_session_advertises_the_vapid_key(client: Any, alice: Any) -> None:
    from mailx.config import get_settings
    from mailx.push import p256, vapid

    session = client.get("/jmap/session", headers=ALICE).json()
    capability = session["capabilities"][VAPID]
    assert sorted(capability) == ["applicationServerKey"]
    key = capability["applicationServerKey"]
    assert p256.on_curve(vapid.b64url_decode(key))
    assert key == vapid.application_server_key(get_settings())
    assert VAPID not in session["accounts"][alice.account_id]["accountCapabilities"]


def test_refused_creates_spend_the_hours_budget_so_names_are_not_resolved_without_end(
    local_push: Any, alice: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.push import webpush
    from tests.helpers.environment import reset_caches

    monkeypatch.setenv("PUSH_SUBSCRIPTION_CREATES_PER_HOUR", "2")
    reset_caches()
    looked_up: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["10.0.0.9"]

    monkeypatch.setattr(webpush.IO, "resolve", resolve)
    probes = {f"p{n}": {"deviceClientId": "d", "url": f"https://h{n}.internal.test/"} for n in range(5)}
    result = set_(local_push, {"create": probes})
    kinds = {name: error["type"] for name, error in result["notCreated"].items()}
    assert kinds == {
        "p0": "invalidProperties",
        "p1": "invalidProperties",
        "p2": "rateLimit",
        "p3": "rateLimit",
        "p4": "rateLimit",
    }
    assert looked_up == ["h0.internal.test", "h1.internal.test"]
    assert receiver.received == []
