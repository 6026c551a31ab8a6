"""`python -m bench.webpush`: the Web Push sink's delivery latency and what one PushSubscription costs.

In-process moto and a real HTTP receiver on a free loopback port (the local runtime's setting lets
pushes reach loopback over http). Each round hands `mailx.push.webpush.deliver` one StateChangeEvent
(as the fan-out will) and times it until the receiver has read each subscription's POST; the
DynamoDB calls of each round are counted. The latency starts at the sink, not at the ingest commit:
the stream and the fan-out in front of it are timed by `python -m bench.push`, through the local runtime.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench import harness
from bench.cost import PRICES
from bench.report import percentile

# us-east-1 list prices, US$ (docs/push.md, "Web Push cost"): bench.cost's, and data transfer out
MEMORY_GB = 1024 / 1024
DATA_OUT_GB = 0.09
PUSH_BYTES = 1400  # one encrypted StateChange with its headers (VAPID token included)
LOG_BYTES = 350  # Lambda's START/END/REPORT lines per invocation


@dataclass
class _Arrivals:
    """What the receiver has read: one perf_counter() stamp, and the body, per POST."""

    stamps: list[float] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[float]:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.stamps) >= count, timeout):
                raise RuntimeError(f"only {len(self.stamps)} of {count} pushes arrived")
            return list(self.stamps)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops simultaneous connects: a 1 s SYN retry each


@contextmanager
def receiver() -> Iterator[tuple[str, _Arrivals]]:
    """A loopback HTTP push receiver: its URL, and what it has read."""
    arrivals = _Arrivals()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with arrivals.changed:
                arrivals.stamps.append(time.perf_counter())
                arrivals.bodies.append(body)
                arrivals.changed.notify_all()
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/push", arrivals
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Result:
    latencies_ms: list[float]  # event in -> POST read by the receiver, one per subscription and round
    durations_ms: list[float]  # the whole deliver() call per round (what the fan-out is billed for)
    ddb_calls: float  # DynamoDB calls per round
    rru: float  # read request units per round


def _user_agent_keys() -> tuple[str, str]:
    """`keys` of a subscribing browser: a fresh P-256 public key and auth secret, base64url."""
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from mailx.push.vapid import b64url

    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point), b64url(os.urandom(16))


def measure(rounds: int = 200, subscriptions: int = 1, encrypted: bool = True) -> Result:
    """Deliver ROUNDS events to an account with SUBSCRIPTIONS verified subscriptions."""
    import os

    with harness.moto():
        os.environ["PUSH_ALLOW_LOOPBACK"] = "true"
        harness.reset_caches()
        from bench.api import account
        from mailx.push import webpush
        from mailx.push.feed import StateChangeEvent
        from mailx.store import push_subscriptions
        from mailx.store.push_subscriptions import PushSubscriptionRecord

        account_id = account()
        latencies: list[float] = []
        durations: list[float] = []
        calls = rru = 0.0
        with receiver() as (url, arrivals):
            for n in range(subscriptions):
                p256dh, auth = _user_agent_keys() if encrypted else (None, None)
                push_subscriptions.put_new(
                    PushSubscriptionRecord(
                        account_id, f"Pbench{n}", "bench", f"{url}/{n}", p256dh, auth, "c" * 32, True,
                        "2099-01-01T00:00:00Z", 4070908800, None,
                    )
                )  # fmt: skip
            webpush.deliver([StateChangeEvent(account_id, {"Email": 1}, {"Email": 0})])  # warm up
            arrivals.wait_for(subscriptions)
            for n in range(rounds):
                seen = len(arrivals.stamps)
                event = StateChangeEvent(account_id, {"Email": n + 2, "Thread": n + 2}, {"Email": n + 1})
                with harness.metering() as meter:
                    started = time.perf_counter()
                    webpush.deliver([event])
                    ended = time.perf_counter()
                stamps = arrivals.wait_for(seen + subscriptions)[seen:]
                latencies += [(s - started) * 1000 for s in stamps]
                durations.append((ended - started) * 1000)
                calls += meter.ddb_calls
                rru += meter.rcu
        return Result(latencies, durations, calls / rounds, rru / rounds)


def monthly(pushes: int, billed_ms: float, rru_per_push: float) -> dict[str, float]:
    """US$ a month for one subscription receiving PUSHES pushes, one fan-out invocation each."""
    return {
        "lambda_requests": pushes * PRICES["lambda_request"],
        "lambda_duration": pushes * billed_ms / 1000 * MEMORY_GB * PRICES["lambda_gb_s"],
        "dynamodb": pushes * rru_per_push * PRICES["ddb_rru"],
        "data_out": pushes * PUSH_BYTES / 1e9 * DATA_OUT_GB,
        "logs": pushes * LOG_BYTES / 1e9 * PRICES["logs_gb"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webpush", description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--subscriptions", type=int, default=1)
    parser.add_argument("--plain", action="store_true", help="subscriptions without keys (no encryption)")
    parser.add_argument("--pushes", type=int, default=6000, help="pushes a month, for the cost line")
    parser.add_argument("--billed-ms", type=float, default=150.0, help="billed fan-out ms per push")
    args = parser.parse_args(argv)
    result = measure(args.rounds, args.subscriptions, not args.plain)
    for name, values in (
        ("event -> POST received", result.latencies_ms),
        ("deliver() call", result.durations_ms),
    ):
        print(
            f"{name:24} p50 {percentile(values, 50):6.1f} ms  p90 {percentile(values, 90):6.1f} ms  "
            f"p99 {percentile(values, 99):6.1f} ms  (n={len(values)})"
        )
    print(f"DynamoDB per round: {result.ddb_calls:.1f} calls, {result.rru:.2f} RRU")
    for label, billed in (("measured p50", percentile(result.durations_ms, 50)), ("assumed", args.billed_ms)):
        cost = monthly(args.pushes, billed, result.rru / max(args.subscriptions, 1))
        parts = ", ".join(f"{k} {v:.4f}" for k, v in cost.items())
        print(
            f"{args.pushes} pushes/month at {billed:.0f} ms ({label}): US$ {sum(cost.values()):.4f} ({parts})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
