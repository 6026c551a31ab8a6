"""`python -m bench.push`: delivery-to-push latency of JMAP over WebSocket and Web Push in the local runtime.

Starts `make dev`'s runtime on a free port with a fresh data folder, connects a WebSocket client
(RFC 8887, the `websockets` package) with push enabled and registers a verified PushSubscription
(RFC 8620 §7.2) whose URL is a loopback HTTP receiver, then delivers messages one at a time through
`POST /v0/management/deliver` (the SES ingest path) and timestamps the StateChange each one pushes
down each path. Two figures per delivery and path, as percentiles:

- commit -> push: from the deliver response (sent after ingest's transaction committed) to the
  StateChange arriving; negative when the push beat the HTTP response (the feed is that fast);
- request -> push: from sending the deliver request (ingest included) to the StateChange.

The push travels the whole local path: moto's stream of the accounts table, the in-process feed's
GetRecords reader (it waits 50 ms when a read finds nothing), the fan-out, the connections Query and
the socket. On AWS the stream-to-Lambda hop replaces the reader (typically well under a second).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cost import PRICES
from bench.report import percentile
from bench.restart import Start, _jmap, _stop, free_port, start_runtime

MESSAGE = (
    "From: Ann Example <ann@example.net>\r\nTo: admin@localhost.test\r\nSubject: Push {n}\r\n"
    "Message-ID: <push-{n}@bench.example.net>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nA short message to time its push.\r\n"
)
PAUSE_SECONDS = 0.2  # between deliveries, so each is its own stream batch


def _deliver(start: Start, n: int) -> None:
    request = urllib.request.Request(
        f"{start.base}/v0/management/deliver?to=admin%40localhost.test",
        data=MESSAGE.format(n=n).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {start.key}", "Content-Type": "message/rfc822"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


def _websocket_url(start: Start) -> str:
    url: str = _jmap(start, "/jmap/session")["capabilities"]["urn:ietf:params:jmap:websocket"]["url"]
    return re.sub(r"\?.*$", "", url)


def _basic(start: Start) -> str:
    return "Basic " + base64.b64encode(f"{start.login[0]}:{start.login[1]}".encode()).decode()


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p90, p99 (nearest rank) and max."""
    return {f"p{p}": percentile(values, p) for p in (50, 90, 99)} | {"max": max(values)}


def run(deliveries: int) -> str:
    """Measure DELIVERIES pushes down each path; the figures as a Markdown table."""
    from bench.webpush import receiver

    with tempfile.TemporaryDirectory(prefix="mailx-bench-push-") as folder, receiver() as (url, arrivals):
        start = start_runtime(Path(folder) / "data", free_port())
        try:
            _subscribe(start, url, arrivals)
            timings = asyncio.run(_measure_precisely(start, deliveries, arrivals))
        finally:
            _stop(start)
    rows = ["| path, from | p50 | p90 | p99 | max | mean |", "|---|---|---|---|---|---|"]
    for name, values in (
        ("WebSocket: commit (deliver response) -> StateChange", timings.socket_after_commit),
        ("WebSocket: deliver request sent -> StateChange", timings.socket_after_request),
        ("Web Push: commit (deliver response) -> POST received", timings.webpush_after_commit),
        ("Web Push: deliver request sent -> POST received", timings.webpush_after_request),
    ):
        figures = percentiles(values)
        cells = " | ".join(f"{figures[k] * 1000:.0f} ms" for k in ("p50", "p90", "p99", "max"))
        rows.append(f"| {name} | {cells} | {statistics.fmean(values) * 1000:.0f} ms |")
    early = sum(1 for v in timings.socket_after_commit if v < 0)
    rows.append("")
    rows.append(f"{deliveries} deliveries; {early} WebSocket pushes arrived before the deliver response.")
    return "\n".join(rows)


def _api(start: Start, *calls: list[Any]) -> list[list[Any]]:
    body = {"using": ["urn:ietf:params:jmap:core"], "methodCalls": list(calls)}
    answer: list[list[Any]] = _jmap(start, "/jmap/api", body)["methodResponses"]
    return answer


def _subscribe(start: Start, url: str, arrivals: Any) -> None:
    """A verified PushSubscription for Email changes, posting to the loopback receiver at URL (no keys:
    the body is plain JSON, so the verification code is read directly)."""
    create = {"deviceClientId": "bench", "url": url, "types": ["Email"]}
    [[_, made, _]] = _api(start, ["PushSubscription/set", {"create": {"s": create}}, "0"])
    subscription_id = made["created"]["s"]["id"]
    arrivals.wait_for(1)
    code = json.loads(arrivals.bodies[0])["verificationCode"]
    update = {subscription_id: {"verificationCode": code}}
    [[_, updated, _]] = _api(start, ["PushSubscription/set", {"update": update}, "1"])
    assert updated["updated"] == {subscription_id: None}, updated


@dataclass
class Timings:
    """Seconds per delivery, for each path and starting point."""

    socket_after_commit: list[float]
    socket_after_request: list[float]
    webpush_after_commit: list[float]
    webpush_after_request: list[float]


async def _measure_precisely(start: Start, deliveries: int, arrivals: Any) -> Timings:
    """Each delivery's pushes, with the deliver response's arrival timestamped in its own thread."""
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    timings = Timings([], [], [], [])

    jmap = [Subprotocol("jmap")]
    async with connect(
        _websocket_url(start), subprotocols=jmap, additional_headers={"Authorization": _basic(start)}
    ) as socket:
        await socket.send('{"@type":"WebSocketPushEnable","dataTypes":["Email"]}')
        await socket.send('{"@type":"Request","id":"sync","using":[],"methodCalls":[]}')
        assert json.loads(await socket.recv())["requestId"] == "sync"  # push is on

        def deliver_timed(n: int) -> float:
            _deliver(start, n)
            return time.perf_counter()

        for n in range(deliveries):
            sent = time.perf_counter()
            delivering = asyncio.create_task(asyncio.to_thread(deliver_timed, n))
            message = json.loads(await asyncio.wait_for(socket.recv(), 30))
            pushed = time.perf_counter()
            assert message["@type"] == "StateChange", message
            committed = await delivering
            posted = (await asyncio.to_thread(arrivals.wait_for, n + 2, 30))[n + 1]
            timings.socket_after_request.append(pushed - sent)
            timings.socket_after_commit.append(pushed - committed)
            timings.webpush_after_request.append(posted - sent)
            timings.webpush_after_commit.append(posted - committed)
            await asyncio.sleep(PAUSE_SECONDS)
    return timings


# ---------------------------------------------------------------- cost of one connected client on AWS
SECONDS_PER_MONTH = 30 * 24 * 3600
MINUTES_PER_MONTH = SECONDS_PER_MONTH // 60
CONNECTION_HOURS = 2  # API Gateway's maximum: the client reconnects (and re-enables push) this often
KEEPALIVE_MINUTES = 9  # under the 10-minute idle timeout: one small Request when nothing else was sent
# us-east-1 list prices, US$ (docs/push.md "Cost"): API Gateway WebSocket's here, the rest bench.cost's
WS_MESSAGE = 1.00 / 1e6  # per message sent or received, metered in 32 KB steps
WS_CONNECTION_MINUTE = 0.25 / 1e6
LAMBDA_REQUEST = PRICES["lambda_request"]
LAMBDA_GB_SECOND = PRICES["lambda_gb_s"]
DYNAMODB_RRU = PRICES["ddb_rru"]
DYNAMODB_WRU = PRICES["ddb_wru"]
LOGS_GB = PRICES["logs_gb"]
LOG_BYTES = 700  # per invocation: Lambda's START/END/REPORT lines and our one JSON line
WEBSOCKET_GB = 1.0  # WebSocketFunction: the Globals' 1024 MB
PUSH_GB = 0.5  # PushFunction: 512 MB


@dataclass
class Step:
    """One invocation's DynamoDB calls (read units, writes) and in-process wall time."""

    name: str
    rru: float
    writes: int
    calls: str
    seconds: float


def _step(name: str, run_it: Callable[[], Any]) -> Step:
    from bench.eventsource import Sample, _counting
    from mailx.store import config_store

    config_store.forget_cache()  # invocations are minutes apart: the 10 s settings cache has expired
    sample = Sample()
    with _counting(sample):
        began = time.perf_counter()
        run_it()
        seconds = time.perf_counter() - began
    writes = sum(n for (op, _), n in sample.calls.items() if op in ("PutItem", "UpdateItem", "DeleteItem"))
    calls = ", ".join(
        f"{n} {op}{' (strong)' if strong else ''}" for (op, strong), n in sorted(sample.calls.items())
    )
    return Step(name, sample.rru, writes, calls or "none", seconds)


def count_steps() -> list[Step]:
    """Each invocation a connected client causes, through the real handlers against moto."""
    from bench.api import AUTH, account
    from bench.harness import moto

    with moto():
        import push_handler
        import websocket_handler

        from mailx.auth import authenticate
        from mailx.push.feed import StateChangeEvent
        from mailx.push.sinks import push_sinks
        from mailx.store import transactions

        account_id = account()
        ctx = _LambdaContext()
        base = {"requestContext": {"connectionId": "c1", "identity": {"sourceIp": "203.0.113.7"}}}
        arn = "arn:aws:execute-api:us-east-1:123456789012:api/jmap/$connect"
        authorizer = {**base, "type": "REQUEST", "methodArn": arn, "headers": AUTH}
        grant = websocket_handler.handler(authorizer, ctx)["context"]  # warm-up: imports, argon2 once

        def route(key: str, body: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
            context = {**base["requestContext"], "routeKey": key, "authorizer": grant}
            event = {
                "requestContext": context,
                "headers": headers or {},
                "body": body,
                "isBase64Encoded": False,
            }
            answer: dict[str, Any] = websocket_handler.handler(event, ctx)
            return answer

        authenticate.forget_cache()
        steps = [
            _step("$connect authorizer (Basic, argon2)", lambda: websocket_handler.handler(authorizer, ctx))
        ]
        steps.append(
            _step(
                "$connect (records the connection)",
                lambda: route("$connect", None, {"Sec-WebSocket-Protocol": "jmap"}),
            )
        )
        enable = '{"@type":"WebSocketPushEnable","dataTypes":null,"pushState":"' + account_id + ':Email=0"}'
        steps.append(_step("WebSocketPushEnable with pushState", lambda: route("$default", enable)))
        keepalive = '{"@type":"Request","id":"k","using":[],"methodCalls":[]}'
        steps.append(_step("keep-alive Request (no calls)", lambda: route("$default", keepalive)))
        states = transactions.get_states(account_id)
        event = StateChangeEvent(account_id, {**states, "Email": states["Email"] + 1}, states)
        sinks = push_sinks(lambda connection_id, text: None)  # every path: the account has no subscription
        steps.append(
            _step("push fan-out of one commit (1 listener)", lambda: [sink([event]) for sink in sinks])
        )
        steps.append(_step("$disconnect", lambda: route("$disconnect")))
        assert push_handler.handler({"Records": []}, ctx) == {"batchItemFailures": []}
    return steps


class _LambdaContext:
    function_name = "mailx-websocket"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mailx-websocket"
    aws_request_id = "bench"


def monthly(steps: list[Step], changes: int, billed_ms: float) -> list[tuple[str, float, float]]:
    """(item, count a month, US$) for one client connected all month that sees CHANGES state changes.

    Every invocation is billed BILLED_MS, the authorizer's three times that (moto in-process is faster
    than DynamoDB and Lambda at 1024 MB has less CPU than this machine: a guess, stated)."""
    by = {s.name.split(" ")[0]: s for s in steps}
    by["authorizer"] = steps[0]
    reconnects = SECONDS_PER_MONTH / (CONNECTION_HOURS * 3600)
    keepalives = MINUTES_PER_MONTH / KEEPALIVE_MINUTES
    ws_invocations = reconnects * 4 + keepalives  # authorizer, $connect, PushEnable, $disconnect; keep-alives
    messages = (
        reconnects * 2 + keepalives * 2 + changes
    )  # enable in + catch-up out; request + response; pushes
    rru = (
        reconnects * sum(by[k].rru for k in ("$connect", "WebSocketPushEnable", "$disconnect", "authorizer"))
        + keepalives * by["keep-alive"].rru
        + changes * by["push"].rru
    )
    wru = reconnects * (by["$connect"].writes + by["WebSocketPushEnable"].writes + by["$disconnect"].writes)
    # the authorizer verifies a password (argon2): billed three times as long as the rest
    billed_invocations = ws_invocations + 2 * reconnects
    gb_seconds = billed_ms / 1000 * (billed_invocations * WEBSOCKET_GB + changes * PUSH_GB)
    invocations = ws_invocations + changes
    return [
        ("API Gateway connection-minutes", MINUTES_PER_MONTH, MINUTES_PER_MONTH * WS_CONNECTION_MINUTE),
        ("API Gateway messages (in + out)", messages, messages * WS_MESSAGE),
        ("Lambda requests (WebSocket + push)", invocations, invocations * LAMBDA_REQUEST),
        (f"Lambda GB-s (at {billed_ms:g} ms each)", gb_seconds, gb_seconds * LAMBDA_GB_SECOND),
        ("DynamoDB read units", rru, rru * DYNAMODB_RRU),
        ("DynamoDB write units", wru, wru * DYNAMODB_WRU),
        ("DynamoDB Stream reads (by Lambda: free)", changes, 0.0),
        ("CloudWatch Logs (GB)", invocations * LOG_BYTES / 1e9, invocations * LOG_BYTES / 1e9 * LOGS_GB),
    ]


def cost_tables(changes: int, billed_ms: float) -> str:
    steps = count_steps()
    rows = ["| invocation | DynamoDB calls | read units | writes | in-process |", "|---|---|---|---|---|"]
    rows += [f"| {s.name} | {s.calls} | {s.rru:g} | {s.writes} | {s.seconds * 1000:.0f} ms |" for s in steps]
    items = monthly(steps, changes, billed_ms)
    rows += ["", f"One client connected all month, {changes:,} state changes pushed:", ""]
    rows += ["| item | a month | US$ |", "|---|---|---|"]
    rows += [f"| {name} | {count:,.1f} | {dollars:.4f} |" for name, count, dollars in items]
    rows.append(f"| **total** | | **{sum(d for _, _, d in items):.3f}** |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.push", description=__doc__)
    parser.add_argument("--deliveries", type=int, default=100, help="messages delivered and pushes timed")
    parser.add_argument("--changes", type=int, default=5000, help="state changes a month, for the cost")
    parser.add_argument("--billed-ms", type=float, default=50.0, help="billed Lambda duration per invocation")
    parser.add_argument("--skip", default="", help="latency,cost")
    args = parser.parse_args(argv)
    if "cost" not in args.skip:
        print(
            "## What one always-connected WebSocket client costs on AWS (counted calls, moto)\n", flush=True
        )
        print(cost_tables(args.changes, args.billed_ms) + "\n", flush=True)
    if "latency" not in args.skip:
        print("## Delivery-to-push latency, JMAP over WebSocket and Web Push (local runtime)\n", flush=True)
        print(run(args.deliveries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
