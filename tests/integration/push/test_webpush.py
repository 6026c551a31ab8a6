"""The Web Push sink (mailx.push.webpush.deliver) against subscriptions made over HTTP and a real receiver:
encrypted StateChanges a user agent can decrypt, VAPID a push service can verify, types, verification,
retries, removal of failing subscriptions, 429 back-off and account isolation."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from mailx.push import webpush
from mailx.push.feed import StateChangeEvent
from mailx.store import push_subscriptions
from tests.helpers.auth import ALICE, basic
from tests.helpers.push_receiver import Receiver, UserAgentKeys, verify_vapid

BOB = basic("bob", "bob's long password")
CORE = "urn:ietf:params:jmap:core"


def jmap(client: Any, auth: dict[str, str], *calls: list[Any]) -> list[list[Any]]:
    body = json.dumps({"using": [CORE], "methodCalls": list(calls)})
    response = client.post("/jmap/api", content=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


def subscribe(
    client: Any, receiver: Receiver, *, auth: dict[str, str] = ALICE, verify: bool = True, **extra: Any
) -> str:
    """Create a subscription over HTTP and, with VERIFY, set the code the receiver got."""
    seen = len(receiver.received)
    [[_, created, _]] = jmap(
        client,
        auth,
        [
            "PushSubscription/set",
            {"create": {"c": {"deviceClientId": "dev", "url": receiver.url, **extra}}},
            "0",
        ],
    )
    subscription_id: str = created["created"]["c"]["id"]
    push = receiver.wait_for(seen + 1)[seen]
    keys = extra.get("keys")
    if verify:
        code = AGENTS[keys["auth"]].decrypt(push.body) if keys else json.loads(push.body)
        update = {"update": {subscription_id: {"verificationCode": code["verificationCode"]}}}
        [[_, updated, _]] = jmap(client, auth, ["PushSubscription/set", update, "1"])
        assert updated["updated"] == {subscription_id: None}
    return subscription_id


AGENTS: dict[str, UserAgentKeys] = {}


def agent_keys() -> tuple[UserAgentKeys, dict[str, str]]:
    agent = UserAgentKeys.generate()
    keys = agent.jmap_keys()
    AGENTS[keys["auth"]] = agent
    return agent, keys


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff pauses are recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(webpush.IO, "sleep", slept.append)
    return slept


def test_a_verified_subscription_gets_an_encrypted_state_change(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    agent, keys = agent_keys()
    subscribe(local_push, receiver, keys=keys)
    event = StateChangeEvent(
        alice.account_id,
        states={"Email": 42, "Mailbox": 7, "Thread": 9},
        previous={"Email": 41, "Mailbox": 7, "Thread": 8},
    )
    webpush.deliver([event])
    push = receiver.wait_for(2)[1]
    assert push.headers["content-encoding"] == "aes128gcm"
    assert push.headers["content-type"] == "application/json"
    assert (push.headers["ttl"], push.headers["urgency"]) == ("86400", "normal")
    assert agent.decrypt(push.body) == {
        "@type": "StateChange",
        "changed": {alice.account_id: {"Email": "42", "Thread": "9"}},
    }
    session = local_push.get("/jmap/session", headers=ALICE).json()
    key = session["capabilities"]["urn:ietf:params:jmap:webpush-vapid"]["applicationServerKey"]
    claims = verify_vapid(push.headers["authorization"], key)
    assert claims["aud"] == receiver.url.rsplit("/push", 1)[0]
    assert claims["exp"] > time.time()


def test_pushed_states_are_the_states_the_api_answers(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    from mailx.store import transactions

    subscribe(local_push, receiver, types=["Mailbox"])
    states = transactions.get_states(alice.account_id)  # what a stream record of the account item holds
    webpush.deliver([StateChangeEvent(alice.account_id, states, {**states, "Mailbox": -1})])
    pushed = json.loads(receiver.wait_for(2)[1].body)["changed"][alice.account_id]
    body = {
        "using": [CORE, "urn:ietf:params:jmap:mail"],
        "methodCalls": [["Mailbox/get", {"accountId": alice.account_id, "ids": []}, "0"]],
    }
    answer = local_push.post("/jmap/api", json=body, headers=ALICE).json()["methodResponses"][0][1]
    assert pushed == {"Mailbox": answer["state"]}


def test_nothing_before_verification_and_only_the_wanted_types(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    subscribe(local_push, receiver, verify=False)  # 1 request: the verification
    subscribe(local_push, receiver, types=["Mailbox"])  # 2: its verification
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 3}, {"Email": 2})])
    webpush.deliver(
        [StateChangeEvent(alice.account_id, {"Email": 3, "Mailbox": 5}, {"Email": 3, "Mailbox": 4})]
    )
    pushes = receiver.wait_for(3)
    time.sleep(0.2)
    assert len(receiver.received) == 3  # the unverified one got nothing; the Email-only change nothing
    assert json.loads(pushes[2].body) == {
        "@type": "StateChange",
        "changed": {alice.account_id: {"Mailbox": "5"}},
    }


def test_a_batch_is_merged_per_account_and_accounts_stay_apart(
    local_push: Any, alice: Any, bob: Any, receiver: Receiver
) -> None:
    from tests.helpers.push_receiver import push_receiver

    with push_receiver() as bobs_receiver:
        subscribe(local_push, receiver)
        subscribe(local_push, bobs_receiver, auth=BOB)
        webpush.deliver(
            [
                StateChangeEvent(alice.account_id, {"Email": 5, "Thread": 1}, {"Email": 4, "Thread": 1}),
                StateChangeEvent(alice.account_id, {"Email": 6, "Thread": 2}, {"Email": 5, "Thread": 1}),
                StateChangeEvent("A-nobody", {"Email": 1}, {}),
            ]
        )
        [_, alices] = receiver.wait_for(2)
        time.sleep(0.2)
        assert json.loads(alices.body)["changed"] == {alice.account_id: {"Email": "6", "Thread": "2"}}
        assert len(receiver.received) == 2
        assert len(bobs_receiver.received) == 1  # only its verification: alice's changes never reach bob
        webpush.deliver([StateChangeEvent(bob.account_id, {"Mailbox": 2}, {"Mailbox": 1})])
        [_, bobs] = bobs_receiver.wait_for(2)
        assert json.loads(bobs.body)["changed"] == {bob.account_id: {"Mailbox": "2"}}
        assert len(receiver.received) == 2


def test_5xx_is_retried_with_backoff(
    local_push: Any, alice: Any, receiver: Receiver, _no_waiting: list[float]
) -> None:
    subscription_id = subscribe(local_push, receiver)
    receiver.statuses[:] = [503, 500]
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 2}, {"Email": 1})])
    pushes = receiver.wait_for(4)
    assert [json.loads(p.body)["changed"] for p in pushes[1:]] == [{alice.account_id: {"Email": "2"}}] * 3
    assert _no_waiting == list(webpush.BACKOFF_SECONDS)
    assert push_subscriptions.get(alice.account_id, subscription_id).failures == 0


def test_a_subscription_that_keeps_failing_is_removed(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    subscription_id = subscribe(local_push, receiver)
    receiver.statuses[:] = [500] * (webpush.ATTEMPTS * webpush.MAX_CONSECUTIVE_FAILURES)
    for n in range(1, webpush.MAX_CONSECUTIVE_FAILURES):
        webpush.deliver([StateChangeEvent(alice.account_id, {"Email": n + 1}, {"Email": n})])
        assert push_subscriptions.get(alice.account_id, subscription_id).failures == n
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 99}, {"Email": 98})])
    assert push_subscriptions.list_all(alice.account_id) == []
    [[_, listed, _]] = jmap(local_push, ALICE, ["PushSubscription/get", {"ids": None}, "0"])
    assert listed["list"] == []


def test_a_success_resets_the_failure_count(local_push: Any, alice: Any, receiver: Receiver) -> None:
    subscription_id = subscribe(local_push, receiver)
    receiver.statuses[:] = [400]  # a 4xx other than 404/410/429 is not retried, but counts
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 2}, {"Email": 1})])
    assert push_subscriptions.get(alice.account_id, subscription_id).failures == 1
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 3}, {"Email": 2})])
    assert len(receiver.wait_for(3)) == 3
    assert push_subscriptions.get(alice.account_id, subscription_id).failures == 0


@pytest.mark.parametrize("status", [404, 410])
def test_gone_removes_the_subscription_at_once(
    local_push: Any, alice: Any, receiver: Receiver, status: int
) -> None:
    subscribe(local_push, receiver)
    receiver.statuses[:] = [status]
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 2}, {"Email": 1})])
    assert len(receiver.wait_for(2)) == 2  # no retry
    assert push_subscriptions.list_all(alice.account_id) == []


def test_429_holds_pushes_for_retry_after(local_push: Any, alice: Any, receiver: Receiver) -> None:
    subscription_id = subscribe(local_push, receiver)
    receiver.statuses[:] = [429]
    receiver.extra_headers["Retry-After"] = "120"
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 2}, {"Email": 1})])
    record = push_subscriptions.get(alice.account_id, subscription_id)
    assert time.time() + 100 < record.not_before <= time.time() + 121
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 3}, {"Email": 2})])
    time.sleep(0.2)
    assert len(receiver.received) == 2  # the verification and the one answered 429; then held


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    subscription_id = subscribe(local_push, receiver)
    receiver.statuses[:] = [307]
    receiver.extra_headers["Location"] = "http://169.254.169.254/latest/meta-data/"
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 2}, {"Email": 1})])
    time.sleep(0.2)
    assert len(receiver.received) == 2
    assert push_subscriptions.get(alice.account_id, subscription_id).failures == 1


def test_a_url_that_now_resolves_privately_is_not_contacted(
    local_push: Any, alice: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.store.push_subscriptions import PushSubscriptionRecord

    # A verified subscription whose host once resolved to a public address...
    port = int(receiver.url.split(":")[2].split("/")[0])
    record = PushSubscriptionRecord(
        account_id=alice.account_id,
        subscription_id="Prebind",
        device_client_id="d",
        url=f"https://push.example.test:{port}/x",
        p256dh=None,
        auth=None,
        code="c" * 32,
        verified=True,
        expires="2099-01-01T00:00:00Z",
        expires_at=4070908800,
        types=None,
    )
    push_subscriptions.put_new(record)
    # ...now resolves to the metadata address (or loopback): refused before any connection is made
    for answer in ("169.254.169.254", "10.0.0.5", "fd00:ec2::254"):
        monkeypatch.setattr(webpush.IO, "resolve", lambda host, _port, a=answer: [a])
        webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 2}, {"Email": 1})])
    assert push_subscriptions.get(alice.account_id, "Prebind").failures == 3
    assert receiver.received == []


def test_a_subscription_made_with_a_bearer_token_ends_with_the_token(
    local_push: Any, alice: Any, receiver: Receiver
) -> None:
    login = local_push.post("/v0/auth/login", json={"username": "alice", "password": "correct horse battery"})
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    by_token = subscribe(local_push, receiver, auth=bearer)
    by_password = subscribe(local_push, receiver)
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 2}, {"Email": 1})])
    assert len(receiver.wait_for(4)) == 4  # two verifications, then one push each
    assert local_push.post("/v0/auth/logout", headers=bearer).status_code == 200
    webpush.deliver([StateChangeEvent(alice.account_id, {"Email": 3}, {"Email": 2})])
    [fifth] = receiver.wait_for(5)[4:]
    time.sleep(0.2)
    assert len(receiver.received) == 5  # only the Basic-made subscription heard of Email 3
    assert json.loads(fifth.body)["changed"] == {alice.account_id: {"Email": "3"}}
    assert [r.subscription_id for r in push_subscriptions.list_all(alice.account_id)] == [by_password]
    assert by_token != by_password
