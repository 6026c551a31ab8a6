"""GET /jmap/eventsource (RFC 8620 §7.3) end to end: a real uvicorn server inside moto, Mangum, TestClient.

Changes are made the way any other request makes them: a committed transactions.Txn, from another thread.
"""

from __future__ import annotations

import contextlib
import copy
import json
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mailx.config import reset_settings
from mailx.store import accounts, config_store, tables, transactions
from tests.helpers.auth import basic
from tests.helpers.paths import EVENTS

ALICE = basic("alice", "correct horse battery")
URL = "/jmap/eventsource?types={types}&closeafter={closeafter}&ping={ping}"


def _settings(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    config_store.forget_cache()


@pytest.fixture
def fast(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll every 100 ms and allow 1 s pings, so every test here ends within a few seconds."""
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    _settings(monkeypatch, EVENTSOURCE_POLL_MS="100", EVENTSOURCE_MIN_PING_SECONDS="1")


@pytest.fixture
def server(fast: None, alice: Any) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread of this process (so moto applies)."""
    import uvicorn

    from jmap_api.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert instance.started
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture
def first_read(aws: None, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set when the event source takes its first look at the states, so a change lands after it.

    That look is sign-in's read of the account item (it holds the states); a poll would be a later one.
    """
    seen = threading.Event()
    real = accounts.get

    def watched(account_id: str) -> accounts.AccountRecord:
        try:
            return real(account_id)
        finally:
            seen.set()

    monkeypatch.setattr(accounts, "get", watched)
    return seen


@pytest.fixture
def dynamodb_calls(aws: None) -> Iterator[list[tuple[str, bool]]]:
    """Every DynamoDB call on the shared client while the test runs: (operation, strongly consistent?)."""
    calls: list[tuple[str, bool]] = []

    def record(event_name: str, params: dict[str, Any], **_: Any) -> None:
        calls.append((event_name.rsplit(".", 1)[-1], bool(params.get("ConsistentRead"))))

    events = tables.connection().client.meta.events
    events.register("before-parameter-build.dynamodb.*", record)
    yield calls
    events.unregister("before-parameter-build.dynamodb.*", record)


def _change_later(
    after: threading.Event, account_id: str, delay: float, *types: str
) -> tuple[threading.Thread, dict[str, int]]:
    """From another thread, DELAY seconds after AFTER is set, commit a change to TYPES; the dict gets
    the new states. Waiting for the event source's first read keeps a slow start from racing the change."""
    result: dict[str, int] = {}

    def commit() -> None:
        if not after.wait(timeout=5):
            return
        time.sleep(delay)
        txn = transactions.Txn(account_id)
        for type_name in types:
            txn.changed(type_name, updated=[f"{type_name[0]}1"])
        result.update(transactions.commit(txn))

    thread = threading.Thread(target=commit, daemon=True)
    thread.start()
    return thread, result


def _blocks(response: httpx.Response, stop: Callable[[list[str]], bool]) -> list[str]:
    """SSE blocks read from RESPONSE until STOP says enough or the server ends the response."""
    text, blocks = "", []
    for chunk in response.iter_text():
        text += chunk
        while "\n\n" in text:
            block, text = text.split("\n\n", 1)
            blocks.append(block)
        if stop(blocks):
            break
    return blocks


def _fields(block: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in block.split("\n"))


def test_without_credentials_the_answer_is_401_with_a_challenge(client: Any, alice: Any) -> None:
    response = client.get(URL.format(types="*", closeafter="no", ping="0"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("query", "named"),
    [({"closeafter": "later", "ping": "0"}, "closeafter"), ({"closeafter": "no", "ping": "-5"}, "ping")],
)
def test_malformed_parameters_are_a_400_problem(
    client: Any, alice: Any, query: dict[str, str], named: str
) -> None:
    response = client.get(URL.format(types="*", **query), headers=ALICE)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(named)


def test_stream_pushes_a_change_made_by_another_request_and_closes_after_state(
    server: str, alice: Any, first_read: threading.Event
) -> None:
    # Given a streaming connection that wants Mailbox and Email changes, closing after the first state
    account = alice.account_id
    url = server + URL.format(types="Mailbox,Email", closeafter="state", ping="0")
    started = time.monotonic()
    with httpx.Client(timeout=5) as http, http.stream("GET", url, headers=ALICE) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert "content-encoding" not in response.headers
        # When another request changes Mailbox and Thread half a second later
        writer, new = _change_later(first_read, account, 0.5, "Mailbox", "Thread")
        blocks = _blocks(response, lambda _: False)  # read until the server ends the response
        writer.join(timeout=5)
    elapsed = time.monotonic() - started
    # Then the first block is the current state's id, the second the Mailbox change only, and the end
    assert _fields(blocks[0])["id"].startswith(f"{account}:")
    assert "event" not in _fields(blocks[0])
    assert len(blocks) == 2, blocks
    state = _fields(blocks[1])
    assert state["event"] == "state"
    assert json.loads(state["data"]) == {
        "@type": "StateChange",
        "changed": {account: {"Mailbox": str(new["Mailbox"])}},
    }
    assert f"Mailbox={new['Mailbox']}" in state["id"] and f"Thread={new['Thread']}" in state["id"]
    assert 0.5 <= elapsed < 4


def test_mailbox_set_over_the_api_is_pushed_with_its_new_state(
    server: str, alice: Any, first_read: threading.Event
) -> None:
    # Given a connected event source that wants Mailbox changes
    url = server + URL.format(types="Mailbox", closeafter="state", ping="0")
    request = {
        "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
        "methodCalls": [
            ["Mailbox/set", {"accountId": alice.account_id, "create": {"k1": {"name": "Pushed"}}}, "0"]
        ],
    }
    with httpx.Client(timeout=5) as http, http.stream("GET", url, headers=ALICE) as response:
        assert first_read.wait(timeout=5)
        # When another client creates a mailbox through the JMAP API
        answer = httpx.post(server + "/jmap/api", json=request, headers=ALICE, timeout=5).json()
        blocks = _blocks(response, lambda _: False)
    name, result, _ = answer["methodResponses"][0]
    assert name == "Mailbox/set" and "k1" in result["created"], answer
    # Then the pushed Mailbox state is the newState the /set answered (§7.1: no need to fetch changes)
    pushed = json.loads(_fields(blocks[-1])["data"])
    assert pushed == {"@type": "StateChange", "changed": {alice.account_id: {"Mailbox": result["newState"]}}}


def test_delivery_bumps_email_delivery_for_a_client_that_wants_only_that(
    server: str, alice: Any, first_read: threading.Event
) -> None:
    url = server + URL.format(types="EmailDelivery", closeafter="state", ping="0")
    with httpx.Client(timeout=5) as http, http.stream("GET", url, headers=ALICE) as response:
        # an edit that is not a delivery is not pushed to this client...
        edit, _ = _change_later(first_read, alice.account_id, 0.2, "Email", "Mailbox")
        # ...a delivery (which bumps EmailDelivery with Email, Thread and Mailbox) is
        delivery, new = _change_later(
            first_read, alice.account_id, 0.6, "Email", "Thread", "Mailbox", "EmailDelivery"
        )
        blocks = _blocks(response, lambda _: False)
        edit.join(timeout=5)
        delivery.join(timeout=5)
    changed = json.loads(_fields(blocks[-1])["data"])["changed"]
    assert changed == {alice.account_id: {"EmailDelivery": str(new["EmailDelivery"])}}


def test_pings_arrive_at_the_requested_interval(server: str, alice: Any) -> None:
    url = server + URL.format(types="*", closeafter="no", ping="1")
    started = time.monotonic()
    with httpx.Client(timeout=5) as http, http.stream("GET", url, headers=ALICE) as response:
        blocks = _blocks(response, lambda b: sum("event: ping" in x for x in b) >= 2)
    pings = [_fields(b) for b in blocks if "event: ping" in b]
    assert pings == [{"event": "ping", "data": '{"interval": 1}'.replace(" ", "")}] * 2
    assert 1.8 <= time.monotonic() - started < 4


def test_ping_below_the_minimum_is_raised_and_reported(
    server: str, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(monkeypatch, EVENTSOURCE_MIN_PING_SECONDS="2")
    url = server + URL.format(types="*", closeafter="no", ping="1")
    with httpx.Client(timeout=5) as http, http.stream("GET", url, headers=ALICE) as response:
        blocks = _blocks(response, lambda b: any("event: ping" in x for x in b))
    assert _fields(blocks[-1])["data"] == '{"interval":2}'


def test_polling_stops_when_the_client_goes_away(
    server: str, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a count of the GetItem reads behind the event source
    reads: list[float] = []
    real = transactions.get_states

    def counting(account_id: str, *, consistent: bool = True) -> dict[str, int]:
        reads.append(time.monotonic())
        return real(account_id, consistent=consistent)

    monkeypatch.setattr(transactions, "get_states", counting)
    url = server + URL.format(types="*", closeafter="no", ping="0")
    # When a client connects, sees the first block, and hangs up
    with httpx.Client(timeout=5) as http, http.stream("GET", url, headers=ALICE) as response:
        time.sleep(0.5)
        assert len(reads) >= 3  # it is polling about every 100 ms
        _blocks(response, lambda b: len(b) >= 1)  # leaving the reader early closes the connection
    time.sleep(0.4)
    settled = len(reads)
    time.sleep(0.6)
    # Then polling stops: no reads after the disconnect was seen
    assert len(reads) == settled


def test_buffered_mode_with_a_wait_returns_after_the_bound_with_no_events_when_nothing_changes(
    server: str, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an operator who accepts the cost of waiting responses
    _settings(monkeypatch, EVENTSOURCE_MODE="buffered", EVENTSOURCE_MAX_WAIT_SECONDS="1")
    started = time.monotonic()
    response = httpx.get(server + URL.format(types="*", closeafter="no", ping="0"), headers=ALICE, timeout=5)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    blocks = response.text.split("\n\n")
    assert blocks[1:] == [""]  # one block, then the end
    assert _fields(blocks[0]) == {"retry": "60000", "id": _fields(blocks[0])["id"]}
    assert 0.9 <= elapsed < 3


def test_buffered_mode_with_a_wait_returns_early_with_the_change(
    server: str, alice: Any, monkeypatch: pytest.MonkeyPatch, first_read: threading.Event
) -> None:
    _settings(monkeypatch, EVENTSOURCE_MODE="buffered", EVENTSOURCE_MAX_WAIT_SECONDS="10")
    writer, new = _change_later(first_read, alice.account_id, 0.5, "Email")
    started = time.monotonic()
    response = httpx.get(server + URL.format(types="*", closeafter="no", ping="0"), headers=ALICE, timeout=5)
    elapsed = time.monotonic() - started
    writer.join(timeout=5)
    state = _fields(response.text.split("\n\n")[1])
    # The Quota state is derived from the Email state (mailx.store.quota), so it moves with it
    assert json.loads(state["data"])["changed"] == {
        alice.account_id: {"Email": str(new["Email"]), "Quota": str(new["Email"])}
    }
    assert 0.5 <= elapsed < 4


def _txn(account_id: str, type_name: str) -> transactions.Txn:
    txn = transactions.Txn(account_id)
    txn.changed(type_name, updated=["x"])
    return txn


@contextlib.contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    """Fail instead of hanging when a call in this (main) thread does not return in time."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class LambdaContext:
    function_name = "mailx-jmap"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mailx-jmap"
    aws_request_id = "req-1"


def _lambda_event(query: str, headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) GET of the event source, as the Lambda receives it."""
    event: dict[str, Any] = json.loads((EVENTS / "apigw_http_v2_event.json").read_text())
    event = copy.deepcopy(event)
    event.update(
        routeKey="GET /jmap/eventsource",
        rawPath="/jmap/eventsource",
        rawQueryString=query,
        headers={"host": "abc123.execute-api.us-east-1.amazonaws.com", **headers},
        body="",
    )
    event["requestContext"]["http"].update(method="GET", path="/jmap/eventsource")
    return event


def _invoke(query: str, headers: dict[str, str]) -> list[dict[str, str]]:
    """One event-source response through the Lambda handler, as its SSE blocks' fields."""
    from jmap_handler import handler

    with _alarm(5):
        response = handler(_lambda_event(query, headers), LambdaContext())
    assert response["statusCode"] == 200, response
    assert response["headers"]["content-type"].startswith("text/event-stream")
    blocks = response["body"].split("\n\n")
    assert blocks[-1] == ""
    return [_fields(block) for block in blocks[:-1]]


@pytest.fixture
def under_lambda(fast: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Lambda runtime's environment with the deployment's event-source defaults."""
    _settings(monkeypatch, AWS_LAMBDA_FUNCTION_NAME="mailx-jmap")
    for key in ("EVENTSOURCE_MODE", "EVENTSOURCE_MAX_WAIT_SECONDS", "EVENTSOURCE_RETRY_SECONDS"):
        monkeypatch.delenv(key, raising=False)
    reset_settings()


@pytest.fixture
def polls(aws: None, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every read of the states by the event source's own reader (a poll or a first look)."""
    made: list[bool] = []
    real = transactions.get_states

    def counting(account_id: str, *, consistent: bool = True) -> dict[str, int]:
        made.append(consistent)
        return real(account_id, consistent=consistent)

    monkeypatch.setattr(transactions, "get_states", counting)
    return made


QUIET = "types=*&closeafter=no&ping=0"


def test_under_lambda_a_response_answers_at_once_with_two_reads_and_the_retry_hint(
    under_lambda: None, alice: Any, polls: list[bool], dynamodb_calls: list[tuple[str, bool]]
) -> None:
    # Given a client already signed in once (credentials cached, as on a warm instance)
    first = _invoke(QUIET, ALICE)
    # and the settings cache expired, as it has by the next reconnect (60 s later by default)
    config_store.forget_cache()
    dynamodb_calls.clear()
    # When it reconnects with the id it was given
    blocks = _invoke(QUIET, {**ALICE, "Last-Event-ID": first[0]["id"]})
    # Then the answer is the retry hint (60 s by default) and the id of the current states, nothing else
    assert blocks == [{"retry": "60000", "id": first[0]["id"]}]
    # and it took sign-in's read of the account item (which holds the states) and the settings
    # Query: no read of its own, no poll, so it did not wait
    assert polls == []
    assert sorted(dynamodb_calls) == [("GetItem", True), ("Query", True)]


def test_under_lambda_the_retry_hint_is_the_run_time_setting(
    under_lambda: None, alice: Any, polls: list[bool]
) -> None:
    config_store.set_override("EVENTSOURCE_RETRY_SECONDS", "45")
    assert _invoke(QUIET, ALICE)[0]["retry"] == "45000"
    config_store.set_override("EVENTSOURCE_RETRY_SECONDS", "0")  # never a reconnect loop
    assert _invoke(QUIET, ALICE)[0]["retry"] == "1000"
    assert polls == []


def test_under_lambda_a_change_between_two_responses_is_delivered_at_once_on_reconnect(
    under_lambda: None, alice: Any, polls: list[bool]
) -> None:
    # Given a response that ended at once with the id of the states then
    last_id = _invoke(QUIET, ALICE)[0]["id"]
    # When mail arrives before the client reconnects with that id
    new = transactions.commit(_txn(alice.account_id, "Email"))
    polls.clear()  # the commit read the states itself
    blocks = _invoke(QUIET, {**ALICE, "Last-Event-ID": last_id})
    # Then the reconnect carries the change, with the id of the new states, and ends
    assert [b.get("event") for b in blocks] == [None, "state"]
    assert blocks[0] == {"retry": "60000"}
    assert json.loads(blocks[1]["data"])["changed"] == {
        alice.account_id: {"Email": str(new["Email"]), "Quota": str(new["Email"])}
    }
    assert f"Email={new['Email']}" in blocks[1]["id"]
    # and the following reconnect with that id hears nothing more
    assert _invoke(QUIET, {**ALICE, "Last-Event-ID": blocks[1]["id"]}) == [
        {"retry": "60000", "id": blocks[1]["id"]}
    ]
    assert polls == []


def test_under_lambda_a_quiet_response_ends_with_a_ping_only_when_pings_were_asked_for(
    under_lambda: None, alice: Any, polls: list[bool]
) -> None:
    last_id = _invoke("types=*&closeafter=no&ping=10", ALICE)
    assert last_id[1:] == [{"event": "ping", "data": '{"interval":10}'}]
    # a response that carries a state event is its own sign of life
    transactions.commit(_txn(alice.account_id, "Mailbox"))
    polls.clear()  # the commit read the states itself
    blocks = _invoke("types=*&closeafter=no&ping=10", {**ALICE, "Last-Event-ID": last_id[0]["id"]})
    assert [b.get("event") for b in blocks] == [None, "state"]
    assert polls == []


def test_under_lambda_a_configured_wait_still_returns_a_change_made_during_it(
    under_lambda: None, alice: Any, monkeypatch: pytest.MonkeyPatch, first_read: threading.Event
) -> None:
    # Given an operator who set a wait (and accepts its cost)
    _settings(monkeypatch, EVENTSOURCE_MAX_WAIT_SECONDS="1")
    # When the account changes while the response waits
    writer, new = _change_later(first_read, alice.account_id, 0.3, "Identity")
    try:
        blocks = _invoke(QUIET, ALICE)
    finally:
        writer.join(timeout=5)
    # Then the one response carries the change and ends
    assert json.loads(blocks[1]["data"])["changed"] == {alice.account_id: {"Identity": str(new["Identity"])}}
