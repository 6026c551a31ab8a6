"""`python -m bench.eventsource`: what one connected event-source client costs under Lambda.

Each buffered response goes through the real Lambda handler (Mangum, API Gateway payload 2.0) against
moto, with the deployment's defaults. DynamoDB calls are counted on the shared client; the monthly
figure multiplies them by us-east-1 on-demand prices (docs/push.md "Cost").
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench import harness
from bench.api import AUTH, account

SECONDS_PER_MONTH = 30 * 24 * 3600
MEMORY_GB = 1024 / 1024  # template.yaml Globals MemorySize
# us-east-1 on-demand list prices, US$
LAMBDA_REQUEST = 0.20 / 1e6
LAMBDA_GB_SECOND = 0.0000133334  # arm64
HTTP_API_REQUEST = 1.00 / 1e6
DYNAMODB_RRU = 0.125 / 1e6
LOGS_GB = 0.50  # CloudWatch Logs ingestion
LOG_BYTES = 350  # per invocation: Lambda's START, END and REPORT lines (the app logs nothing on success)
AUTH_CACHE_SECONDS = 300  # mailx.auth.authenticate.CACHE_SECONDS: then argon2 and the login reads again


@dataclass
class Sample:
    """One response: its DynamoDB calls (operation, strongly consistent?), read units and wall time."""

    calls: Counter[tuple[str, bool]] = field(default_factory=Counter)
    rru: float = 0.0
    seconds: float = 0.0
    body: str = ""


def _event(last_event_id: str | None) -> dict[str, Any]:
    path = harness.ROOT / "tests" / "events" / "apigw_http_v2_event.json"
    event: dict[str, Any] = copy.deepcopy(json.loads(path.read_text()))
    headers = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "authorization": AUTH["Authorization"]}
    if last_event_id:
        headers["last-event-id"] = last_event_id
    event.update(routeKey="GET /jmap/eventsource", rawPath="/jmap/eventsource", body="", headers=headers,
                 rawQueryString="types=*&closeafter=no&ping=0")  # fmt: skip
    event["requestContext"]["http"].update(method="GET", path="/jmap/eventsource")
    return event


class _Context:
    function_name = "mailx-jmap"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mailx-jmap"
    aws_request_id = "bench"


@contextmanager
def _counting(sample: Sample) -> Iterator[None]:
    from mailx.store import tables

    consistent: dict[str, bool] = {}

    def before(event_name: str, params: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        consistent[operation] = bool(params.get("ConsistentRead"))
        sample.calls[(operation, consistent[operation])] += 1

    def after(event_name: str, parsed: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        items = parsed.get("Items", []) if operation == "Query" else [parsed.get("Item", {})]
        if operation in ("GetItem", "Query"):
            units = max(1, -(-sum(harness.item_size(i) for i in items) // 4096))
            sample.rru += units * (1.0 if consistent[operation] else 0.5)

    events = tables.connection().client.meta.events
    events.register("before-parameter-build.dynamodb.*", before)
    events.register("after-call.dynamodb.*", after)
    try:
        yield
    finally:
        events.unregister("before-parameter-build.dynamodb.*", before)
        events.unregister("after-call.dynamodb.*", after)


def _respond(last_event_id: str | None) -> Sample:
    from jmap_handler import handler

    sample = Sample()
    with _counting(sample):
        began = time.perf_counter()
        response = handler(_event(last_event_id), _Context())
        sample.seconds = time.perf_counter() - began
    assert response["statusCode"] == 200, response
    sample.body = response["body"]
    return sample


def measure(runs: int) -> tuple[list[Sample], list[Sample]]:
    """(steady-state responses, responses that verify the password again), RUNS of each."""
    from mailx.auth import authenticate
    from mailx.store import config_store

    steady: list[Sample] = []
    verify: list[Sample] = []
    with harness.moto():
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "mailx-jmap"  # buffered mode, deployment defaults
        account()
        last = _respond(None)  # warm-up: imports, first sign-in
        for n in range(2 * runs):
            config_store.forget_cache()  # the 10 s settings cache has expired by the next reconnect
            if n % 2:
                authenticate.forget_cache()  # as every AUTH_CACHE_SECONDS
            sample = _respond(last.body.split("id: ", 1)[1].split("\n", 1)[0])
            (verify if n % 2 else steady).append(sample)
    return steady, verify


def monthly(
    steady: list[Sample], verify: list[Sample], retry: int, billed: tuple[float, float] | None = None
) -> dict[str, float]:
    """US$ a month for one client connected all month, reconnecting every RETRY seconds.

    BILLED: the Lambda duration of a (steady, re-verifying) response in seconds, instead of the time
    measured here (moto in-process answers faster than DynamoDB, and Lambda at 1024 MB has less CPU).
    """
    share = min(1.0, retry / AUTH_CACHE_SECONDS)  # responses that re-verify the password
    fast, slow = billed or (_median(steady, "seconds"), _median(verify, "seconds"))
    seconds = (1 - share) * fast + share * slow
    rru = (1 - share) * _median(steady, "rru") + share * _median(verify, "rru")
    responses = SECONDS_PER_MONTH / (retry + seconds)
    return {
        "responses": responses,
        "gb_seconds": responses * seconds * MEMORY_GB,
        "lambda_duration": responses * seconds * MEMORY_GB * LAMBDA_GB_SECOND,
        "lambda_requests": responses * LAMBDA_REQUEST,
        "http_api": responses * HTTP_API_REQUEST,
        "dynamodb": responses * rru * DYNAMODB_RRU,
        "logs": responses * LOG_BYTES / 1e9 * LOGS_GB,
    }


def _median(samples: list[Sample], attr: str) -> float:
    return float(statistics.median(getattr(s, attr) for s in samples))


def _calls(samples: list[Sample]) -> str:
    counted = samples[len(samples) // 2].calls
    return ", ".join(
        f"{n} {op}{' (consistent)' if strong else ''}" for (op, strong), n in sorted(counted.items())
    )


PRICED = ("lambda_duration", "lambda_requests", "http_api", "dynamodb", "logs")


def report(
    steady: list[Sample], verify: list[Sample], retries: list[int], billed: tuple[float, float] | None
) -> str:
    """Two markdown tables: the calls of one response, and the month of one always-connected client."""
    lines = ["| response | DynamoDB calls | RRU | wall time (median, in-process moto) |", "|---|---|---|---|"]
    for name, samples in (("steady state", steady), ("password verified again", verify)):
        ms = _median(samples, "seconds") * 1000
        lines.append(f"| {name} | {_calls(samples)} | {_median(samples, 'rru'):g} | {ms:.1f} ms |")
    head = "| retry | responses | GB-s | US$: Lambda GB-s | requests | HTTP API | DynamoDB | logs | total |"
    lines += ["", head, "|---" * 9 + "|"]
    for retry in retries:
        m = monthly(steady, verify, retry, billed)
        prices = " | ".join(f"{m[k]:.3f}" for k in PRICED)
        total = sum(m[k] for k in PRICED)
        lines.append(
            f"| {retry} s | {m['responses']:,.0f} | {m['gb_seconds']:,.0f} | {prices} | {total:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eventsource", description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="responses measured of each kind")
    parser.add_argument("--retry", default="30,60,120", help="reconnect intervals to price, in seconds")
    parser.add_argument("--billed-ms", default="", help="price these durations (steady,verify), e.g. 50,150")
    args = parser.parse_args(argv)
    harness.add_paths()
    steady, verify = measure(args.runs)
    assert all("event:" not in s.body for s in steady + verify), "a quiet response carried an event"
    billed = None
    if args.billed_ms:
        fast, slow = (float(v) / 1000 for v in args.billed_ms.split(","))
        billed = (fast, slow)
    print(report(steady, verify, [int(r) for r in args.retry.split(",")], billed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
