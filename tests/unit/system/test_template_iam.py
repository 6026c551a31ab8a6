"""template.yaml IAM: each function may reach only the tables, actions, S3 prefixes and queues it uses.

The expected grants below are what each function's code paths need (observed by recording every AWS call
its handlers make in the integration suite, then checked against the code); tests/integration/system/
test_iam_coverage.py replays real handler paths and checks every call is allowed by these grants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.helpers.iam_grants import as_list, grants_of
from tests.helpers.sam_template import FUNCTIONS, function_setting, tables_by_base_name

READ = frozenset(
    {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"}
)
WRITE = frozenset(
    {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
)
MAIL = {
    "accounts",
    "changes",
    "emails",
    "threads",
    "threadrefs",
    "memberships",
    "emailindex",
    "mailboxes",
    "kv",
}
ALL_TABLES = set(tables_by_base_name())
SEND = {"ses:SendEmail", "ses:SendRawEmail"}


@dataclass(frozen=True)
class Expected:
    read: set[str]
    write: set[str]
    s3: dict[str, set[str]] = field(default_factory=dict)  # prefix -> object actions
    queues: set[str] = field(default_factory=set)  # logical ids it may SendMessage to
    ses_send: bool = False


EXPECTED = {
    "JmapFunction": Expected(
        read=ALL_TABLES - {"relayrefs"},
        # Deleting an account removes its delivery events, uploads and outbound copies too.
        write=ALL_TABLES - {"relayrefs"},
        s3={
            "emails/": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
            "uploads/": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
            "outbound/": {"s3:PutObject", "s3:DeleteObject"},  # EmailSubmission/set copies the draft
        },
        queues={"OutboundQueue"},
    ),
    "SesInboundFunction": Expected(
        read=MAIL - {"changes"} | {"logins", "identities", "config", "vacation"},
        write=MAIL,
        s3={
            "inbound/": {"s3:GetObject"},
            "emails/": {"s3:GetObject", "s3:PutObject"},  # GET: summaries too large for their item
            "oversized/": {"s3:PutObject"},
        },
        queues={"InboundDeadLetterQueue"},
        ses_send=True,  # vacation replies through the SES relay
    ),
    "OutboundFunction": Expected(
        read={"accounts", "config", "kv", "submissions"},
        write={"accounts", "changes", "kv", "submissions", "relayrefs"},
        s3={"outbound/": {"s3:GetObject", "s3:DeleteObject"}},
        queues={"OutboundQueue"},
        ses_send=True,
    ),
    # The JMAP API over WebSocket: JmapFunction's grants but for /v0 management.
    "WebSocketFunction": Expected(
        read=ALL_TABLES - {"relayrefs"},
        write=ALL_TABLES - {"relayrefs", "logins", "deliveryevents"},
        s3={
            "emails/": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
            "uploads/": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
            "outbound/": {"s3:PutObject", "s3:DeleteObject"},
        },
        queues={"OutboundQueue"},
    ),
    # The change feed's fan-out: the listening connections, nothing else (ManageConnections aside).
    "PushFunction": Expected(read={"connections"}, write={"connections"}),
    "WebhookFunction": Expected(
        read={"accounts", "config", "relayrefs", "submissions", "deliveryevents"},
        write={"accounts", "changes", "submissions", "deliveryevents"},
    ),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_reaches_exactly_its_tables(name: str) -> None:
    # Given what the function's code needs, when its policy is read, then it grants exactly that
    grants, expected = grants_of(name), EXPECTED[name]
    readable = {t for t, actions in grants.tables.items() if actions == READ or actions == READ | WRITE}
    writable = {t for t, actions in grants.tables.items() if actions & WRITE}
    assert readable == expected.read, name
    assert writable == expected.write, name
    for table, actions in grants.tables.items():
        assert actions in (READ, WRITE, READ | WRITE), (name, table, actions)
    assert grants.indexes == {"accounts"} & expected.read  # the only GSI (accounts by kind)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_reaches_exactly_its_s3_prefixes_and_queues(name: str) -> None:
    grants, expected = grants_of(name), EXPECTED[name]
    assert dict(grants.objects) == expected.s3, name
    assert grants.list_bucket == bool(expected.s3), name
    assert grants.queues == expected.queues, name
    assert grants.other == (SEND if expected.ses_send else set()), name
    assert grants.templates == set(), f"{name}: SAM policy templates grant more than we list"


def test_nothing_is_granted_by_wildcard_or_scan() -> None:
    for name in FUNCTIONS:
        for policy in function_setting(name, "Policies") or []:
            for statement in policy.get("Statement", []):
                actions = set(as_list(statement["Action"]))
                assert not any("*" in a for a in actions), (name, actions)
                assert "dynamodb:Scan" not in actions, name
                if statement["Resource"] == "*":
                    assert actions <= SEND, (name, actions)  # SES identities are not known to the stack


def test_the_webhook_cannot_touch_mail() -> None:
    # Given the function that faces Resend's webhook sender on the internet
    grants = grants_of("WebhookFunction")
    # Then it can neither read nor write messages, mailboxes or threads, nor reach S3 or send mail
    for table in ("emails", "mailboxes", "threads", "memberships", "emailindex", "identities", "logins"):
        assert table not in grants.tables, table
    assert not grants.objects and not grants.list_bucket and not grants.other


def test_only_the_jmap_function_manages_accounts_and_only_ingest_writes_mail() -> None:
    writers = {name: {t for t, a in grants_of(name).tables.items() if a & WRITE} for name in FUNCTIONS}
    assert {n for n, w in writers.items() if "logins" in w} == {"JmapFunction"}
    jmap_api = {"JmapFunction", "WebSocketFunction"}  # the JMAP API over HTTP and over WebSocket
    assert {n for n, w in writers.items() if "identities" in w} == jmap_api
    assert {n for n, w in writers.items() if "emails" in w} == jmap_api | {"SesInboundFunction"}
    s3_writers = {n for n in FUNCTIONS if "s3:PutObject" in grants_of(n).objects.get("emails/", set())}
    assert s3_writers == jmap_api | {"SesInboundFunction"}


def test_only_the_push_function_posts_to_websocket_connections_and_only_of_this_api() -> None:
    # Given every function's grants on API Gateway's execute-api
    reached = {name: dict(grants_of(name).execute_api) for name in FUNCTIONS}
    # Then only the push function may manage connections, of this stack's WebSocket API, stage and POST only
    assert {n for n, grants in reached.items() if grants} == {"PushFunction"}
    api = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}"
    arn = api + "/jmap/POST/@connections/*"
    assert reached["PushFunction"] == {arn: {"execute-api:ManageConnections"}}


def test_every_table_is_reached_by_some_function() -> None:
    reached = set().union(*(grants_of(name).tables for name in FUNCTIONS))
    assert reached == ALL_TABLES
