"""GET /jmap/eventsource (RFC 8620 §7.3) end to end: a real uvicorn server inside moto, Mangum, TestClient.

Changes are made the way any other request makes them: a committed states.Txn, from another thread.
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
from pathlib import Path
from typing import Any

import httpx
import pytest

from mailx.config import reset_settings
from mailx.store import config_store, states
from tests.support import basic

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
    """Set when the event source takes its first look at the states, so a change lands after it."""
    seen = threading.Event()
    real = states.get_states

    def watched(account_id: str, *, consistent: bool = True) -> dict[str, int]:
        try:
            return real(account_id, consistent=consistent)
        finally:
            seen.set()

    monkeypatch.setattr(states, "get_states", watched)
    return seen


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
        txn = states.Txn(account_id)
        for type_name in types:
            txn.changed(type_name, updated=[f"{type_name[0]}1"])
        result.update(states.commit(txn))

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
    real = states.get_states

    def counting(account_id: str, *, consistent: bool = True) -> dict[str, int]:
        reads.append(time.monotonic())
        return real(account_id, consistent=consistent)

    monkeypatch.setattr(states, "get_states", counting)
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


def test_buffered_mode_returns_after_the_bound_with_no_events_when_nothing_changes(
    server: str, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(monkeypatch, EVENTSOURCE_MODE="buffered", EVENTSOURCE_MAX_WAIT_SECONDS="1")
    started = time.monotonic()
    response = httpx.get(server + URL.format(types="*", closeafter="no", ping="0"), headers=ALICE, timeout=5)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    blocks = response.text.split("\n\n")
    assert blocks[1:] == [""]  # one block, then the end
    assert _fields(blocks[0]) == {"retry": "1000", "id": _fields(blocks[0])["id"]}
    assert 0.9 <= elapsed < 3


def test_buffered_mode_returns_early_with_the_change(
    server: str, alice: Any, monkeypatch: pytest.MonkeyPatch, first_read: threading.Event
) -> None:
    _settings(monkeypatch, EVENTSOURCE_MODE="buffered", EVENTSOURCE_MAX_WAIT_SECONDS="10")
    writer, new = _change_later(first_read, alice.account_id, 0.5, "Email")
    started = time.monotonic()
    response = httpx.get(server + URL.format(types="*", closeafter="no", ping="0"), headers=ALICE, timeout=5)
    elapsed = time.monotonic() - started
    writer.join(timeout=5)
    state = _fields(response.text.split("\n\n")[1])
    assert json.loads(state["data"])["changed"] == {alice.account_id: {"Email": str(new["Email"])}}
    assert 0.5 <= elapsed < 4


def test_reconnect_with_last_event_id_gets_the_missed_change_at_once(
    server: str, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a buffered response that ended with nothing but the id of the state then
    _settings(monkeypatch, EVENTSOURCE_MODE="buffered", EVENTSOURCE_MAX_WAIT_SECONDS="1")
    url = server + URL.format(types="*", closeafter="no", ping="0")
    last_id = _fields(httpx.get(url, headers=ALICE, timeout=5).text.split("\n\n")[0])["id"]
    # When a change lands between that response and the reconnect
    new = states.commit(_txn(alice.account_id, "Mailbox"))
    started = time.monotonic()
    response = httpx.get(url, headers={**ALICE, "Last-Event-ID": last_id}, timeout=5)
    # Then the reconnect answers at once with the change it missed
    assert time.monotonic() - started < 0.8
    state = _fields(response.text.split("\n\n")[1])
    assert json.loads(state["data"])["changed"] == {alice.account_id: {"Mailbox": str(new["Mailbox"])}}


def _txn(account_id: str, type_name: str) -> states.Txn:
    txn = states.Txn(account_id)
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


def test_under_lambda_the_mode_is_buffered_and_mangum_returns_the_whole_body(
    fast: None, alice: Any, monkeypatch: pytest.MonkeyPatch, first_read: threading.Event
) -> None:
    # Given the Lambda runtime's environment and a short wait
    _settings(monkeypatch, AWS_LAMBDA_FUNCTION_NAME="mailx-jmap", EVENTSOURCE_MAX_WAIT_SECONDS="1")
    from jmap_handler import handler

    event: dict[str, Any] = json.loads(
        (Path(__file__).parents[1] / "events" / "apigw_http_v2_event.json").read_text()
    )
    event = copy.deepcopy(event)
    event.update(
        routeKey="GET /jmap/eventsource",
        rawPath="/jmap/eventsource",
        rawQueryString="types=*&closeafter=no&ping=0",
        headers={"host": "abc123.execute-api.us-east-1.amazonaws.com", **ALICE},
        body="",
    )
    event["requestContext"]["http"].update(method="GET", path="/jmap/eventsource")
    # When the event source is invoked through the Lambda handler
    writer, new = _change_later(first_read, alice.account_id, 0.3, "Identity")
    try:
        with _alarm(5):
            response = handler(event, LambdaContext())
    finally:
        writer.join(timeout=5)
    # Then the one response carries the change and ends
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"].startswith("text/event-stream")
    blocks = response["body"].split("\n\n")
    assert json.loads(_fields(blocks[1])["data"])["changed"] == {
        alice.account_id: {"Identity": str(new["Identity"])}
    }
