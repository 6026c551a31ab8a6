"""Ingests per second and open-inbox requests per second, in-process against moto, one thread."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench import loader
from bench.api import Api, account, app_client, mailbox
from bench.harness import moto
from bench.report import table


def run(ingests: int = 200, opens: int = 100) -> dict[str, float]:
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
    return {"ingest (parse + S3 put + transaction)": ingest_rate, "open inbox request": open_rate}


def throughput_table(rates: dict[str, float]) -> str:
    return table(["Operation", "per second"], [[name, f"{rate:.0f}"] for name, rate in rates.items()])
