"""Web Push (RFC 8620 §7.2, RFC 8291) end to end in the live local runtime: a subscription made over HTTP,
verified with the code its receiver decrypted, then mail delivered through the ingest path reaches the
receiver as an encrypted StateChange, through the in-process change feed and the same fan-out the push
Lambda runs. Another account's subscription hears nothing of it."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.e2e import Account, Runtime, create_account, deliver, message
from tests.helpers.push_receiver import Receiver, UserAgentKeys, push_receiver, verify_vapid

USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]
VAPID = "urn:ietf:params:jmap:webpush-vapid"


def _auth(account: Account) -> dict[str, str]:
    token = base64.b64encode(f"{account.username}:{account.password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _api(runtime: Runtime, account: Account, *calls: list[Any]) -> list[list[Any]]:
    session = httpx.get(runtime.session_url, headers=_auth(account), timeout=10).json()
    body = {"using": USING, "methodCalls": list(calls)}
    answer = httpx.post(session["apiUrl"], json=body, headers=_auth(account), timeout=30)
    assert answer.status_code == 200, answer.text
    responses: list[list[Any]] = answer.json()["methodResponses"]
    return responses


def _subscribe(runtime: Runtime, account: Account, receiver: Receiver, agent: UserAgentKeys) -> None:
    """Create a subscription to RECEIVER and verify it with the code the receiver decrypted."""
    seen = len(receiver.received)
    create = {"deviceClientId": "phone", "url": receiver.url, "keys": agent.jmap_keys()}
    [[_, made, _]] = _api(runtime, account, ["PushSubscription/set", {"create": {"s": create}}, "0"])
    subscription_id = made["created"]["s"]["id"]
    verification = agent.decrypt(receiver.wait_for(seen + 1)[seen].body)
    assert verification["@type"] == "PushVerification"
    assert verification["pushSubscriptionId"] == subscription_id
    update = {subscription_id: {"verificationCode": verification["verificationCode"]}}
    [[_, updated, _]] = _api(runtime, account, ["PushSubscription/set", {"update": update}, "1"])
    assert updated["updated"] == {subscription_id: None}


def test_delivered_mail_reaches_a_verified_subscription_encrypted_and_only_its_own(
    runtime: Runtime, tmp_path: Path
) -> None:
    # Given two accounts, each with a verified, encrypted subscription to its own receiver
    ann, ben = create_account(runtime, "wpann"), create_account(runtime, "wpben")
    ann_agent, ben_agent = UserAgentKeys.generate(), UserAgentKeys.generate()
    with push_receiver() as ann_receiver, push_receiver() as ben_receiver:
        _subscribe(runtime, ann, ann_receiver, ann_agent)
        _subscribe(runtime, ben, ben_receiver, ben_agent)
        # When mail for ann arrives through the ingest path
        deliver(runtime, ann.address, message(ann.address, "pushed", "hello\n"), tmp=tmp_path)
        # Then ann's receiver gets an encrypted StateChange naming the new Email state
        push = ann_receiver.wait_for(2, timeout=20)[1]
        assert push.headers["content-encoding"] == "aes128gcm"
        change = ann_agent.decrypt(push.body)
        session = httpx.get(runtime.session_url, headers=_auth(ann), timeout=10).json()
        ann_id = session["primaryAccounts"]["urn:ietf:params:jmap:mail"]
        [[_, got, _]] = _api(runtime, ann, ["Email/get", {"accountId": ann_id, "ids": []}, "0"])
        assert change["@type"] == "StateChange"
        assert list(change["changed"]) == [ann_id]
        assert change["changed"][ann_id]["Email"] == got["state"]
        # And its VAPID token verifies with the key the session advertises
        verify_vapid(push.headers["authorization"], session["capabilities"][VAPID]["applicationServerKey"])
        # And ben's receiver got its verification only: nothing of ann's mail
        assert len(ben_receiver.received) == 1
