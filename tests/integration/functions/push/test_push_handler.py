"""The push function with real-shaped DynamoDB Stream events (read from moto's stream of the accounts table
after real commits) posting StateChange messages to a fake API Gateway Management API."""

from __future__ import annotations

from typing import Any

from tests.helpers.api_events import FakeContext
from tests.helpers.auth import ALICE, basic
from tests.helpers.websocket_events import FakeManagementApi, StreamReader

USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]


def _push(event: dict[str, Any]) -> dict[str, Any]:
    import push_handler

    answer: dict[str, Any] = push_handler.handler(event, FakeContext(function_name="mailx-push"))
    return answer


def _listen(account_id: str, connection_id: str, types: list[str] | None = None) -> None:
    from mailx.store import connections

    connections.open_connection(account_id, connection_id)
    connections.set_push(account_id, connection_id, True, types)


def _new_mailbox(client: Any, account_id: str, name: str, headers: dict[str, str]) -> None:
    call = ["Mailbox/set", {"accountId": account_id, "create": {"n": {"name": name}}}, "0"]
    assert (
        client.post("/jmap/api", headers=headers, json={"using": USING, "methodCalls": [call]}).status_code
        == 200
    )


def test_a_commit_is_pushed_to_the_accounts_listening_connections_only(
    client: Any, alice: Any, bob: Any, stream: StreamReader, management: FakeManagementApi
) -> None:
    from mailx.push.eventsource import encode_event_id
    from mailx.store import transactions

    stream.event()  # the accounts' creation: history
    _listen(alice.account_id, "alice-all")
    _listen(alice.account_id, "alice-email", ["Email"])
    _listen(bob.account_id, "bob-all")
    _new_mailbox(client, alice.account_id, "Projects", ALICE)
    event = stream.event()
    assert [r["eventName"] for r in event["Records"]] == ["MODIFY"]
    assert event["Records"][0]["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert _push(event) == {"batchItemFailures": []}
    states = transactions.get_states(alice.account_id)
    assert management.to("alice-all") == [
        {
            "@type": "StateChange",
            "changed": {alice.account_id: {"Mailbox": str(states["Mailbox"])}},
            "pushState": encode_event_id(alice.account_id, states),
        }
    ]
    assert management.to("alice-email") == []  # Email did not move
    assert management.to("bob-all") == []  # never another account's change


def test_a_burst_of_commits_is_one_state_change_per_account(
    client: Any, alice: Any, stream: StreamReader, management: FakeManagementApi
) -> None:
    stream.event()
    _listen(alice.account_id, "c1")
    for name in ("One", "Two", "Three"):
        _new_mailbox(client, alice.account_id, name, ALICE)
    event = stream.event()
    assert len(event["Records"]) == 3
    assert _push(event) == {"batchItemFailures": []}
    [only] = management.to("c1")
    assert list(only["changed"][alice.account_id]) == ["Mailbox"]


def test_a_gone_connection_is_forgotten_and_the_others_still_get_theirs(
    client: Any, alice: Any, stream: StreamReader, management: FakeManagementApi
) -> None:
    from mailx.store import connections

    stream.event()
    _listen(alice.account_id, "gone-1")
    _listen(alice.account_id, "live-1")
    management.gone.add("gone-1")
    _new_mailbox(client, alice.account_id, "Later", ALICE)
    assert _push(stream.event()) == {"batchItemFailures": []}
    assert connections.get(alice.account_id, "gone-1") is None
    assert connections.get(alice.account_id, "live-1") is not None
    assert len(management.to("live-1")) == 1


def test_warm_invocations_reuse_one_management_api_client(
    client: Any, alice: Any, stream: StreamReader, management: FakeManagementApi, monkeypatch: Any
) -> None:
    from mailx import aws

    built: list[str] = []
    make = aws._make_management_api

    def counting(endpoint_url: str) -> Any:
        built.append(endpoint_url)
        return make(endpoint_url)

    monkeypatch.setattr(aws, "_make_management_api", counting)
    stream.event()
    _listen(alice.account_id, "c1")
    for name in ("One", "Two"):
        _new_mailbox(client, alice.account_id, name, ALICE)
        assert _push(stream.event()) == {"batchItemFailures": []}
    assert len(management.to("c1")) == 2
    assert built == [management.url]  # one client for both invocations, not one per invocation


def test_a_failing_post_resumes_the_batch_from_that_accounts_first_record(
    client: Any, alice: Any, bob: Any, stream: StreamReader, management: FakeManagementApi
) -> None:
    stream.event()
    _listen(alice.account_id, "alice-1")
    _listen(bob.account_id, "bob-1")
    management.forbidden.add("bob-1")
    _new_mailbox(client, alice.account_id, "A", ALICE)
    _new_mailbox(client, bob.account_id, "B", basic("bob", "bob's long password"))
    _new_mailbox(client, alice.account_id, "A2", ALICE)
    event = stream.event()
    bob_first = next(
        r for r in event["Records"] if r["dynamodb"]["Keys"]["account_id"]["S"] == bob.account_id
    )
    # Alice's records come first, so she is pushed; bob's post fails: retry from his first record.
    assert _push(event) == {
        "batchItemFailures": [{"itemIdentifier": bob_first["dynamodb"]["SequenceNumber"]}]
    }
    assert len(management.to("alice-1")) == 1


def test_records_that_move_no_state_push_nothing(
    alice: Any, stream: StreamReader, management: FakeManagementApi
) -> None:
    from mailx.admin.accounts import update_account

    stream.event()
    _listen(alice.account_id, "c1")
    update_account(alice.account_id, name="Alice Example")  # the account item changes, no type state does
    event = stream.event()
    assert event["Records"]
    assert _push(event) == {"batchItemFailures": []}
    assert management.posts == []


def test_a_commit_reaches_the_accounts_web_push_subscription_too(
    local_push: Any, alice: Any, bob: Any, stream: StreamReader, management: FakeManagementApi, receiver: Any
) -> None:
    from tests.helpers.push_receiver import UserAgentKeys

    # Given alice's verified, encrypted Web Push subscription (and no WebSocket connection at all)
    agent = UserAgentKeys.generate()
    create = {"deviceClientId": "d", "url": receiver.url, "keys": agent.jmap_keys()}
    call = ["PushSubscription/set", {"create": {"s": create}}, "0"]
    made = local_push.post("/jmap/api", headers=ALICE, json={"using": USING, "methodCalls": [call]})
    subscription_id = made.json()["methodResponses"][0][1]["created"]["s"]["id"]
    code = agent.decrypt(receiver.wait_for(1)[0].body)["verificationCode"]
    update = ["PushSubscription/set", {"update": {subscription_id: {"verificationCode": code}}}, "1"]
    local_push.post("/jmap/api", headers=ALICE, json={"using": USING, "methodCalls": [update]})
    stream.event()  # history
    # When alice's and bob's commits reach the push function as one stream batch
    _new_mailbox(local_push, alice.account_id, "Receipts", ALICE)
    _new_mailbox(local_push, bob.account_id, "Bob's", basic("bob", "bob's long password"))
    assert _push(stream.event()) == {"batchItemFailures": []}
    # Then the subscription got alice's Mailbox change, encrypted, and nothing of bob's
    [_, push] = receiver.wait_for(2)
    assert agent.decrypt(push.body) == {
        "@type": "StateChange",
        "changed": {alice.account_id: {"Mailbox": _state(alice.account_id, "Mailbox")}},
    }
    assert len(receiver.received) == 2
    assert management.posts == []


def _state(account_id: str, type_name: str) -> str:
    from mailx.store import transactions

    return str(transactions.get_states(account_id)[type_name])
