"""`python -m bench.cost`: the monthly AWS bill of docs/cost.md, from counted calls and on-demand prices.

It runs the per-method cases (bench/calls.py) and the 10,000-message text searches (bench/scaling.py),
then multiplies what each request was counted to cost (DynamoDB request units from item sizes, S3 and
SQS calls, log bytes) by a month of use. The request mix, Lambda durations and cold starts are stated
assumptions (MIX, DURATION_MS, COLD); prices are us-east-1 on-demand (PRICES, dated). See docs/cost.md.
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass, field

from bench import fulltext_cost, harness
from bench.report import Row, table

PRICED = "2026-11 (us-east-1, on-demand; check aws.amazon.com/pricing before relying on them)"
PRICES = {
    "lambda_request": 0.20 / 1e6,  # arm64 and x86 alike
    "lambda_gb_s": 0.0000133334,  # arm64
    "apigw_http": 1.00 / 1e6,  # HTTP API, first 300 M, per 512 KB of request
    "ddb_rru": 0.125 / 1e6,  # on-demand read request unit (strongly consistent read of 4 KB)
    "ddb_wru": 0.625 / 1e6,  # on-demand write request unit (1 KB; transactions use 2)
    "ddb_gb": 0.25,  # storage, GB-month (Standard table class)
    "ddb_pitr_gb": 0.20,  # point-in-time recovery, GB-month
    "s3_gb": 0.023,  # Standard storage, GB-month
    "s3_put": 0.005 / 1000,  # PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,  # GET, HEAD
    "ses_mail": 0.10 / 1000,  # inbound mail received
    "ses_chunk": 0.09 / 1000,  # inbound 256 KB chunk
    "sqs": 0.40 / 1e6,  # standard queue request (64 KB)
    "secret": 0.40,  # Secrets Manager secret-month (resolved at deploy time: no API calls)
    "logs_gb": 0.50,  # CloudWatch Logs ingestion (storage, $0.03/GB-month, is negligible here)
}
ALWAYS_FREE = {"lambda_request": 1e6, "lambda_gb_s": 400_000, "ddb_gb": 25, "sqs": 1e6, "logs_gb": 5}
MEMORY_GB = {"jmap": 1.0, "ses_inbound": 1.0, "outbound": 1.0}  # template.yaml MemorySize / 1024
PLATFORM_LOG_BYTES = 400  # Lambda's START, END and REPORT lines per invocation
# Cold starts per account and month, and their billed init time (ms).
COLD = {"jmap": (600, 1500), "ses_inbound": (1000, 1500), "outbound": (300, 1500)}
SQS_IDLE_POLLS = 648_000  # the event source mapping's long polls of an idle queue (estimate, per stack)
# One connected event-source client (docs/push.md "Cost", `python -m bench.eventsource`): a buffered
# response answers at once and the client reconnects after the 60 s `retry:`; 2 RRU a response, 4.5
# when the password is checked again (1 in 5), billed 50 ms (150 ms with the check): averages below.
PUSH_POLL = (43_150, 2.5, 70)  # invocations/month, RRU each, billed ms each

# The 100,000 JMAP requests of one account's month, by the bench row (or search) that stands for each.
MIX = {
    "sync, nothing new (Mailbox/ + Email/ + Thread/changes)": 45_000,
    "Email/changes (after the two sets)": 5_000,
    "open inbox (Mailbox/get + Email/query 50 + Email/get #ids)": 15_000,
    "Email/get 1 with fetchTextBodyValues (read a message)": 15_000,
    "GET /jmap/download of one message (inline)": 5_000,
    "Email/set move 1 message (mailboxIds patch)": 8_000,
    "Email/set flag 50 messages": 100,
    "GET /jmap/session": 2_000,
    "Identity/get (ids null)": 4_000,
    "search: rare word (full-text index)": 150,
    "search: frequent word (full-text index)": 150,
}
PER_SENT = ("Email/set create 1 draft (MIME built, S3 put, ingest)",
            "EmailSubmission/set (send a draft, onSuccessUpdateEmail)")  # fmt: skip
OUTBOUND = "outbound Lambda: send 1 submission (relay stubbed; SQS delete is the runtime's)"
INBOUND = "SES inbound Lambda: 1 message, 1 account (handler)"
# The full-text index's compactions (bench/fulltext_cost.py): one per COMPACT_AT (32) new messages, and a
# merge per COMPACT_AT * FANOUT (256) at each of the three tiers (the row of the smallest merge stands for
# each, its compaction included).
COMPACTION = fulltext_cost.COMPACTION
MERGE = fulltext_cost.MERGE
DURATION_MS = {"jmap": 60.0, "ses_inbound": 300.0, "outbound": 250.0}  # warm, at 1 GB (see docs/cost.md)


@dataclass(frozen=True)
class Profile:
    """One deployment's month."""

    name: str
    accounts: int
    received: int = 3_000  # per account
    sent: int = 300
    requests: int = 100_000
    stored: int = 10_000
    size_kb: int = 60
    # The deploy secret (TOKEN_SECRET, MANAGEMENT_KEY) and the template's VapidKeySecret (Web Push's key seed)
    secrets: int = 2
    connected: int = 1  # always-connected event-source clients per account


@dataclass
class Usage:
    """A month's usage, by price key."""

    units: dict[str, float] = field(default_factory=dict)

    def add(self, key: str, amount: float) -> None:
        self.units[key] = self.units.get(key, 0.0) + amount


def _s3(row: Row) -> tuple[int, int]:
    """(PUT-class, GET-class) S3 requests of a row; DELETE is free."""
    ops = row.meter.s3
    return (ops["PutObject"] + ops["CopyObject"] + ops["ListObjectsV2"], ops["GetObject"] + ops["HeadObject"])


def _merge_tiers() -> int:
    """The merges a message goes through: segments of COMPACT_AT * FANOUT**k up to MAX_SEGMENT_DOCS (3)."""
    from mailx.store import fulltext

    tiers, size = 0, fulltext.COMPACT_AT
    while size * fulltext.FANOUT <= fulltext.MAX_SEGMENT_DOCS:
        size *= fulltext.FANOUT
        tiers += 1
    return tiers


def _request(usage: Usage, row: Row, count: float) -> None:
    puts, gets = _s3(row)
    usage.add("ddb_rru", row.meter.rcu * count)
    usage.add("ddb_wru", row.meter.wcu * count)
    usage.add("s3_put", puts * count)
    usage.add("s3_get", gets * count)
    usage.add("sqs", sum(row.meter.other.values()) * count)


def _lambda(usage: Usage, function: str, invocations: float, warm_ms: float, accounts: int) -> None:
    starts, init_ms = COLD[function]
    usage.add("lambda_request", invocations)
    seconds = invocations * warm_ms / 1000 + starts * accounts * init_ms / 1000
    usage.add("lambda_gb_s", seconds * MEMORY_GB[function])
    usage.add("logs_gb", invocations * PLATFORM_LOG_BYTES / 1e9)


def month(profile: Profile, rows: dict[str, Row]) -> Usage:
    """Usage of PROFILE's month from the counted rows."""
    usage, n = Usage(), profile.accounts
    for name, count in MIX.items():
        _request(usage, rows[name], count * profile.requests / 100_000 * n)
    usage.add("apigw_http", profile.requests * n)
    _lambda(usage, "jmap", profile.requests * n, DURATION_MS["jmap"], n)
    inbound = rows[INBOUND]
    _request(usage, inbound, profile.received * n)
    usage.add("s3_put", profile.received * n)  # SES's own PutObject into inbound/ is billed to the bucket
    _lambda(usage, "ses_inbound", profile.received * n, DURATION_MS["ses_inbound"], n)
    usage.add("logs_gb", profile.received * n * (inbound.log_bytes or 0) / 1e9)
    usage.add("ses_mail", profile.received * n)
    usage.add("ses_chunk", profile.received * n * math.ceil(profile.size_kb / 256))
    for name in (*PER_SENT, OUTBOUND):
        _request(usage, rows[name], profile.sent * n)
    usage.add("apigw_http", 2 * profile.sent * n)
    usage.add("sqs", 2 * profile.sent * n + SQS_IDLE_POLLS)  # the mapping's receive and delete, idle polls
    _lambda(usage, "outbound", profile.sent * n, DURATION_MS["outbound"], n)
    from mailx.store import fulltext

    new = (profile.received + profile.sent) * n
    _request(usage, rows[COMPACTION], new / fulltext.COMPACT_AT)
    _request(usage, rows[MERGE], new * _merge_tiers() / (fulltext.COMPACT_AT * fulltext.FANOUT))
    _storage(usage, profile, rows)
    usage.add("secret", profile.secrets)
    return usage


def _storage(usage: Usage, profile: Profile, rows: dict[str, Row]) -> None:
    n, inbound = profile.accounts, rows[INBOUND]
    per_message = inbound.meter.bytes_put + 100 * inbound.meter.written  # DynamoDB adds 100 B per item
    ddb_gb = profile.stored * n * per_message / 1e9
    usage.add("ddb_gb", ddb_gb)
    usage.add("ddb_pitr_gb", ddb_gb)
    transient = profile.received * 7 / 30  # inbound/ objects live 7 days
    usage.add("s3_gb", (profile.stored + transient) * n * profile.size_kb * 1000 / 1e9)


def push(profile: Profile) -> Usage:
    """The always-connected event-source clients: one short invocation a minute each (PUSH_POLL)."""
    invocations, reads, ms = PUSH_POLL
    usage, clients = Usage(), profile.accounts * profile.connected
    usage.add("apigw_http", invocations * clients)
    usage.add("lambda_request", invocations * clients)
    usage.add("lambda_gb_s", invocations * clients * ms / 1000 * MEMORY_GB["jmap"])
    usage.add("ddb_rru", invocations * clients * reads)
    usage.add("logs_gb", invocations * clients * PLATFORM_LOG_BYTES / 1e9)
    return usage


def bill(usage: Usage, free: bool) -> dict[str, float]:
    """Dollars by price key, with or without the always-free allowances taken off."""
    out = {}
    for key, amount in usage.units.items():
        paid = max(0.0, amount - ALWAYS_FREE.get(key, 0.0)) if free else amount
        out[key] = paid * PRICES[key]
    return out


def searches(sizes: int = 10_000) -> dict[str, Row]:
    """The rare and frequent text searches (no total) on a mailbox of SIZES messages."""
    from bench import scaling

    result = scaling.run((sizes,), log=lambda _text: None)
    return {"search: rare word (full-text index)": result.rows[(scaling.RARE, sizes)],
            "search: frequent word (full-text index)": result.rows[(scaling.FREQUENT, sizes)]}  # fmt: skip


def _fmt(amount: float) -> str:
    return f"{amount:,.0f}" if amount >= 100 else f"{amount:,.3g}"


def tables(rows: dict[str, Row], profiles: list[Profile]) -> str:
    """Usage and dollars per service for each profile, beside the always-free allowance."""
    out = []
    for profile in profiles:
        usage, polls = month(profile, rows), push(profile)
        combined = Usage(dict(usage.units))
        for key, amount in polls.units.items():
            combined.add(key, amount)
        body = []
        for key in PRICES:
            if key not in combined.units:
                continue
            body.append([key, _fmt(usage.units.get(key, 0)), _fmt(polls.units.get(key, 0)),
                         f"{ALWAYS_FREE.get(key, 0):,.0f}", f"{bill(usage, False).get(key, 0):.3f}",
                         f"{bill(combined, True).get(key, 0) - bill(usage, True).get(key, 0):.3f}",
                         f"{bill(combined, True).get(key, 0):.3f}"])  # fmt: skip
        totals = [sum(bill(u, f).values()) for u, f in ((usage, False), (usage, True), (combined, True))]
        body.append(["**total**", "", "", "", f"**{totals[0]:.2f}**",
                     f"**{totals[2] - totals[1]:.2f}**", f"**{totals[2]:.2f}**"])  # fmt: skip
        headers = ["Price key", "usage (month)", "push usage", "always free",
                   "US$ before free tier (no push)", "US$ push (beyond free)",
                   "US$ beyond free tier, all"]  # fmt: skip
        out.append(f"### {profile.name}\n\n" + table(headers, body) +
                   f"\n\nWithout push: US$ {totals[1]:.2f} beyond the free tier.")  # fmt: skip
    return "\n\n".join(out)


def mix_table(rows: dict[str, Row]) -> str:
    """What each kind of request was counted to cost, and how many a month."""
    body = [[name, f"{count:,}", str(rows[name].meter.ddb_calls), f"{rows[name].meter.rcu:g}",
             f"{rows[name].meter.wcu:g}", "{} / {}".format(*_s3(rows[name]))]
            for name, count in MIX.items()]  # fmt: skip
    for name, count in ((INBOUND, "received"), *((n, "sent") for n in (*PER_SENT, OUTBOUND))):
        row = rows[name]
        body.append([name, f"1 per {count}", str(row.meter.ddb_calls), f"{row.meter.rcu:g}",
                     f"{row.meter.wcu:g}", "{} / {}".format(*_s3(row))])  # fmt: skip
    headers = ["Request (bench row)", "per month, per account", "DynamoDB calls", "RRU", "WRU",
               "S3 PUT / GET"]  # fmt: skip
    return table(headers, body)


def main() -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    harness.add_paths()
    from bench import calls

    rows = {row.name: row for row in calls.run()}
    rows.update(searches())
    inbound = rows[INBOUND]
    print(f"Prices: {PRICED}.\n\n## Counted cost of each request\n\n{mix_table(rows)}\n")
    print(f"DynamoDB bytes stored per message (items ingest puts, +100 B each): "
          f"{inbound.meter.bytes_put + 100 * inbound.meter.written:,}\n")  # fmt: skip
    profiles = [Profile("Personal mailbox (1 account)", 1), Profile("Team of 20 accounts", 20)]
    print("## Monthly bill\n\n" + tables(rows, profiles))
    return 0


if __name__ == "__main__":
    sys.exit(main())
