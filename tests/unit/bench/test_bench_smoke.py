"""The benchmark modules import, and bench's loader writes what ingest writes (as the app sees it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

COUNT = 30


def _open_inbox(fill: Any) -> Any:
    """Fill a fresh account's inbox with FILL(account, inbox), then Mailbox/get + Email/query + Email/get."""
    from bench import harness
    from bench.api import Api, account, app_client, mailbox

    with harness.moto(), app_client() as client:
        account_id = account()
        inbox = mailbox(account_id, "inbox")
        fill(account_id, inbox)
        responses = [r[1] for r in Api(client, account_id).open_view({"inMailbox": inbox}, collapse=False)]
    boxes = sorted((b["role"] or "", b["totalEmails"], b["unreadEmails"]) for b in responses[0]["list"])
    listed = [
        {
            **{k: v for k, v in e.items() if k not in ("id", "threadId")},
            "mailboxIds": list(e["mailboxIds"]) == [inbox],
        }
        for e in responses[2]["list"]
    ]
    return boxes, responses[1]["ids"] and len(responses[1]["ids"]), listed


def _ingest(account_id: str, inbox: str) -> None:
    from bench import loader
    from mailx.mail.ingest import ingest

    for n in range(COUNT):
        raw = loader.TEMPLATE.replace(b"template@", f"m{n}@".encode())
        raw = raw.replace(b"Subject: Weekly figures", f"Subject: {loader.subject(n)}".encode())
        moment = datetime.strptime(loader.received_at(n), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        ingest(account_id, raw, mailbox_ids=[inbox], keywords=loader.keywords(n), received_at=moment)


def test_loader_items_look_like_ingested_ones() -> None:
    # Given the bench modules, importable without AWS
    from bench import harness

    harness.add_paths()
    from bench import __main__, calls, coldstart, cost, lambdas, loader, loopback, report, scaling, throughput  # noqa: F401  # noqa: F401

    # When one account is filled by the loader and another by ingest with the same messages
    loaded = _open_inbox(lambda account_id, inbox: loader.load(account_id, inbox, COUNT))
    ingested = _open_inbox(_ingest)
    # Then the app answers the same (ids aside): counters, the query, and every listed property
    assert loaded == ingested
    assert loaded[1] == COUNT and len(loaded[2]) == COUNT
    assert ("inbox", COUNT, COUNT // 10) in loaded[0]


def test_cost_model_multiplies_counted_rows_by_the_month() -> None:
    # Given every bench row the model uses counted at 1 RRU, 2 WRU and one S3 GET
    from bench import cost
    from bench.harness import Meter
    from bench.report import Row

    def row(name: str) -> Row:
        meter = Meter(rcu=1.0, wcu=2.0, written=1, bytes_put=900)
        meter.s3["GetObject"] = 1
        return Row(name, meter, 1.0, log_bytes=0)

    names = [*cost.MIX, *cost.PER_SENT, cost.OUTBOUND, cost.INBOUND, cost.COMPACTION, cost.MERGE]
    rows = {name: row(name) for name in names}
    # When a month of two accounts is computed
    profile = cost.Profile("two", 2, received=10, sent=5, requests=1000, stored=100, size_kb=300)
    usage = cost.month(profile, rows).units
    # Then each request, message and send counts once per account, each new message carries 1/32 of a
    # full-text compaction and 3/256 of a merge, and a 300 KB message is 2 chunks
    mixed = sum(cost.MIX.values()) * 1000 / 100_000
    index = 15 / 32 + 15 * 3 / 256
    assert usage["ddb_rru"] == pytest.approx(2 * (mixed + 10 + 3 * 5 + index))
    assert usage["ddb_wru"] == pytest.approx(2 * 2 * (mixed + 10 + 3 * 5 + index))
    assert usage["apigw_http"] == 2 * (1000 + 2 * 5)
    assert usage["ses_mail"] == 20 and usage["ses_chunk"] == 40
    assert usage["ddb_gb"] == 2 * 100 * 1000 / 1e9
    # And the always-free allowance is taken off only where one exists
    assert cost.bill(cost.Usage({"ddb_gb": 30.0, "apigw_http": 1e6}), True) == {
        "ddb_gb": 5 * cost.PRICES["ddb_gb"],
        "apigw_http": 1e6 * cost.PRICES["apigw_http"],
    }
