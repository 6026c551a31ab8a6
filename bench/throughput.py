"""Throughput: in-process against moto (one thread), then over loopback HTTP (bench/loopback.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench import loader, loopback
from bench.api import Api, account, app_client, mailbox
from bench.harness import moto
from bench.report import table


def in_process(ingests: int = 200, opens: int = 100) -> dict[str, float]:
    """Per second: INGESTS real ingests (S3 + transaction), then OPENS open-inbox requests on them."""
    from mailx.mail.ingest import ingest

    with moto(), app_client() as client:
        account_id = account()
        inbox = mailbox(account_id, "inbox")
        start = datetime(2024, 1, 1, tzinfo=UTC)
        began = time.perf_counter()
        for n in range(ingests):
            raw = loader.TEMPLATE.replace(b"template@", f"t{n}@".encode())
            ingest(account_id, raw, mailbox_ids=[inbox], received_at=start + timedelta(minutes=n))
        ingest_rate = ingests / (time.perf_counter() - began)
        api = Api(client, account_id)
        api.open_view({"inMailbox": inbox})  # warm the sign-in cache
        began = time.perf_counter()
        for _ in range(opens):
            api.open_view({"inMailbox": inbox})
        open_rate = opens / (time.perf_counter() - began)
    return {"ingest (parse + S3 put + transaction), mailx.mail.ingest": ingest_rate,
            "open inbox request, Starlette test client": open_rate}  # fmt: skip


def in_process_table(rates: dict[str, float]) -> str:
    return table(["In-process, moto mock, one thread", "per second"],
                 [[name, f"{rate:.0f}"] for name, rate in rates.items()])  # fmt: skip


def http_table(loads: list[loopback.Load]) -> str:
    """Requests (or messages) per second and latency percentiles per workload and concurrency."""
    headers = ["Over loopback HTTP (uvicorn + moto server)", "threads", "done", "per second", "p50 ms",
               "p90 ms", "p99 ms", "errors"]  # fmt: skip
    body = [[load.name, str(load.threads), str(len(load.latencies)), f"{load.rate:.1f}",
             *(f"{load.percentile(p):.0f}" for p in (50, 90, 99)), str(load.errors)]
            for load in loads]  # fmt: skip
    return table(headers, body)


def run(seconds: float = 10.0) -> str:
    """Both parts, as printed tables."""
    rates = in_process()
    loads = loopback.run(seconds)
    return in_process_table(rates) + "\n\n" + http_table(loads)
