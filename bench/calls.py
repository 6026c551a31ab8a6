"""Calls and capacity per JMAP method, through the real app against moto (warm: sign-in cached)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import fulltext_cost, lambdas, loader
from bench.api import AUTH, CORE, MAIL, SUBMISSION, Api, account, app_client, mailbox
from bench.harness import Meter, metering, moto
from bench.report import Row

MESSAGES = 60  # ingested for real (S3 object + transaction each), so bodies can be fetched
SUBMISSIONS = 5


def _message(n: int) -> bytes:
    return loader.TEMPLATE.replace(b"template@", f"c{n}@".encode()).replace(
        b"Subject: Weekly figures", f"Subject: Figures {n}".encode()
    )


@contextmanager
def _measured(rows: list[Row], name: str, target: str = "-",
              check: Callable[[Meter], bool] | None = None) -> Iterator[Meter]:  # fmt: skip
    began = time.perf_counter()
    with metering() as meter:
        yield meter
    ms = (time.perf_counter() - began) * 1000
    rows.append(Row(name, meter, ms, target, None if check is None else check(meter)))


def _fill(account_id: str, inbox: str) -> list[str]:
    from mailx.mail.ingest import ingest

    start = datetime(2024, 1, 1, tzinfo=UTC)
    made = []
    for n in range(MESSAGES):
        when = start + timedelta(minutes=n)
        made.append(ingest(account_id, _message(n), mailbox_ids=[inbox], keywords=loader.keywords(n),
                           received_at=when).email_id)  # fmt: skip
    return made


def _ingest_cases(rows: list[Row], account_id: str, inbox: str) -> None:
    from mailx.mail.ingest import ingest

    def one_write(m: Meter) -> bool:
        writes = m.s3["PutObject"] + m.s3["CopyObject"]
        return writes == 1 and m.dynamodb["TransactWriteItems"] == 1 and m.s3["GetObject"] <= 1

    target = "S3 1 write, 1 transaction"
    with _measured(rows, "ingest one message (new thread)", target, one_write):
        ingest(account_id, _message(1000), mailbox_ids=[inbox])
    with _measured(rows, "ingest one message (idempotency key)", target, one_write):
        ingest(account_id, _message(1001), mailbox_ids=[inbox], idempotency_key="bench-1001")
    raw = _message(1002).replace(b"\r\nSubject:", b"\r\nIn-Reply-To: <c1001@bench.example.net>\r\nSubject:")
    raw = raw.replace(b"Subject: Figures 1002", b"Subject: Re: Figures 1001")
    with _measured(rows, "ingest a reply (joins a thread)", target, one_write):
        ingest(account_id, raw, mailbox_ids=[inbox])
    from mailx.store import blobs

    blobs.put("inbound/bench-ses-1", _message(1003), "message/rfc822")
    with _measured(rows, "ingest from inbound/ (SES drop: GET + COPY)", target, one_write):
        ingest(account_id, "inbound/bench-ses-1", mailbox_ids=[inbox])
    rows.append(lambdas.ses_inbound(_message(1004)))


def _submission(rows: list[Row], api: Api) -> None:
    from mailx.mail import outbound

    outbound.ensure_queues()
    drafts, sent = mailbox(api.account_id, "drafts"), mailbox(api.account_id, "sent")
    using = (CORE, MAIL, SUBMISSION)
    with _measured(rows, "Identity/get (ids null)"):
        identity = api.call("Identity/get", using=using, ids=None)["list"][0]["id"]
    email = {"mailboxIds": {drafts: True}, "keywords": {"$draft": True},
             "from": [{"name": "Alice", "email": "alice@example.com"}], "to": [{"email": "bob@example.net"}],
             "subject": "Lunch", "bodyValues": {"1": {"value": "Noon?"}},
             "textBody": [{"partId": "1", "type": "text/plain"}]}  # fmt: skip
    with _measured(rows, "Email/set create 1 draft (MIME built, S3 put, ingest)"):
        email_id = api.call("Email/set", create={"d": email})["created"]["d"]["id"]
    move = {"#s": {f"mailboxIds/{drafts}": None, f"mailboxIds/{sent}": True, "keywords/$draft": None}}
    with _measured(rows, "EmailSubmission/set (send a draft, onSuccessUpdateEmail)"):
        create = {"s": {"identityId": identity, "emailId": email_id}}
        made = api.call("EmailSubmission/set", using=using, create=create, onSuccessUpdateEmail=move)
    rows.append(lambdas.outbound())
    for n in range(SUBMISSIONS - 1):  # more history: /get by id must not read it
        other = api.call("Email/set", create={"d": {**email, "subject": f"Lunch {n}"}})["created"]["d"]["id"]
        api.call("EmailSubmission/set", using=using, create={"s": {"identityId": identity, "emailId": other}})
    with _measured(rows, f"EmailSubmission/get 1 id (of {SUBMISSIONS} sent)", "1 submission read, no Query",
                   lambda m: m.read["BatchGetItem"] == 1 and m.dynamodb["Query"] == 0):  # fmt: skip
        api.call("EmailSubmission/get", using=using, ids=[made["created"]["s"]["id"]])


def _reading(rows: list[Row], api: Api, client: Any, ids: list[str]) -> None:
    """What a client does to show mail: the session, a mailbox, message bodies, a download."""
    body: dict[str, Any] = {"properties": ["bodyValues", "textBody"], "fetchTextBodyValues": True}
    inbox = mailbox(api.account_id, "inbox")
    with _measured(rows, "GET /jmap/session"):
        response = client.get("/jmap/session", headers=AUTH)
        assert response.status_code == 200, response.text
    with _measured(rows, "open inbox (Mailbox/get + Email/query 50 + Email/get #ids)",
                   "≤ 4 DynamoDB, 0 S3", lambda m: m.ddb_calls <= 4 and m.s3_calls == 0):  # fmt: skip
        api.open_view({"inMailbox": inbox})
    with _measured(rows, "Email/get 10 with fetchTextBodyValues", "≤ 1 S3 GET per message (10)",
                   lambda m: m.s3["GetObject"] <= 10):  # fmt: skip
        api.call("Email/get", ids=ids[:10], **body)
    with _measured(rows, "Email/get 1 with fetchTextBodyValues (read a message)"):
        api.call("Email/get", ids=ids[10:11], **body)
    with _measured(rows, "GET /jmap/download of one message (inline)", "1 S3 GET",
                   lambda m: m.s3["GetObject"] == 1):  # fmt: skip
        got = client.get(f"/jmap/download/{api.account_id}/{ids[11]}/m.eml", headers=AUTH)
        assert got.status_code == 200, got.text


def run() -> list[Row]:
    """Every per-method case on a fresh moto with MESSAGES real ingests in the inbox."""
    # Keep compactions out of the rows whose commit happens to move the Email state to a multiple of
    # COMPACT_EVERY: fulltext_cost measures them on their own rows.
    with fulltext_cost.compaction_off():
        return _run()


def _run() -> list[Row]:
    rows: list[Row] = []
    with moto(), app_client() as client:
        account_id = account()
        api = Api(client, account_id)
        inbox, archive = mailbox(account_id, "inbox"), mailbox(account_id, "archive")
        ids = _fill(account_id, inbox)
        api.open_view({"inMailbox": inbox})  # warm: sign-in (password hash) and config caches
        _reading(rows, api, client, ids)
        states = {name: api.call(f"{name}/get", ids=[])["state"] for name in ("Email", "Mailbox", "Thread")}
        sync = [[f"{n}/changes", {"accountId": account_id, "sinceState": s}, n] for n, s in states.items()]
        with _measured(rows, "sync, nothing new (Mailbox/ + Email/ + Thread/changes)"):
            api.post(*sync)
        with _measured(rows, "Email/set flag 50 messages"):
            api.call("Email/set", update={e: {"keywords/$flagged": True} for e in ids[:50]})
        with _measured(rows, "Email/set move 1 message (mailboxIds patch)"):
            api.call(
                "Email/set", update={ids[-1]: {f"mailboxIds/{inbox}": None, f"mailboxIds/{archive}": True}}
            )
        with _measured(rows, "Email/changes (after the two sets)"):
            api.call("Email/changes", sinceState=states["Email"])
        with _measured(rows, "Mailbox/changes (after the two sets)"):
            api.call("Mailbox/changes", sinceState=states["Mailbox"])
        _ingest_cases(rows, account_id, inbox)
        fulltext_cost.run(rows)
        _submission(rows, api)
    return rows
