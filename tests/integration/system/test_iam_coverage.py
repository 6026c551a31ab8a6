"""The per-function grants in template.yaml are enough: every AWS call a real handler path makes is allowed.

Each function's entry (the FastAPI app, inbound.deliver_received, outbound_send.handle,
status_webhook.receive) is labelled while it runs; every botocore call made under a label is turned into
the IAM actions and resources it needs and checked against that function's policy as
tests/unit/system/test_template_iam.py reads it.
A grant removed from the template (or a new call the code starts making) fails here, not in production.
"""

from __future__ import annotations

import contextvars
import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.auth import ALICE
from tests.helpers.iam_grants import Grants, grants_of
from tests.helpers.jmap_calls import upload
from tests.helpers.mailboxes import box
from tests.helpers.paths import TESTS
from tests.helpers.sam_template import FUNCTIONS
from tests.helpers.submission import FULL, call, draft, identity_of, submit
from tests.helpers.webhooks import Sent, payload, post

_FUNCTION: contextvars.ContextVar[str | None] = contextvars.ContextVar("iam_function", default=None)
Call = tuple[str, str, str, dict[str, Any]]  # function, service, operation, params
ROOT = TESTS
PREFIX = "test-"  # TABLE_PREFIX in tests/conftest.py
QUEUES = {"outbound": "OutboundQueue", "outbound-dlq": "OutboundDeadLetterQueue"}
TXN_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _labelled(function: str, target: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        token = _FUNCTION.set(function)
        try:
            return target(*args, **kwargs)
        finally:
            _FUNCTION.reset(token)

    return run


@pytest.fixture(autouse=True)
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    """Every AWS call made while a function's entry point runs, with that function's logical id."""
    import ses_inbound_handler
    import starlette.routing
    from botocore.client import BaseClient

    from mailx.mail import inbound, outbound_send, status_webhook

    seen: list[Call] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def record(self: Any, operation: str, params: dict[str, Any]) -> Any:
        function = _FUNCTION.get()
        if function is not None:
            seen.append((function, self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    monkeypatch.setattr(
        inbound, "deliver_received", _labelled("SesInboundFunction", inbound.deliver_received)
    )
    monkeypatch.setattr(
        ses_inbound_handler, "deliver_received", _labelled("SesInboundFunction", inbound.deliver_received)
    )
    monkeypatch.setattr(outbound_send, "handle", _labelled("OutboundFunction", outbound_send.handle))
    monkeypatch.setattr(status_webhook, "receive", _labelled("WebhookFunction", status_webhook.receive))
    router_call = starlette.routing.Router.__call__

    async def app(self: Any, scope: Any, receive: Any, send: Any) -> None:
        token = _FUNCTION.set("JmapFunction") if scope.get("type") == "http" else None
        try:
            await router_call(self, scope, receive, send)
        finally:
            if token is not None:
                _FUNCTION.reset(token)

    monkeypatch.setattr(starlette.routing.Router, "__call__", app)
    yield seen


@pytest.fixture
def queue_url_set(sending: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """OUTBOUND_QUEUE_URL as the template sets it, so no function looks the queue up by name."""
    from mailx import config
    from mailx.mail import outbound

    monkeypatch.setenv("OUTBOUND_QUEUE_URL", outbound.queue_url())
    config.reset_settings()


def _table(name: str) -> str:
    assert name.startswith(PREFIX), name
    return name.removeprefix(PREFIX)


def _dynamodb(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, table or table/index) pairs one DynamoDB call needs."""
    if operation == "TransactWriteItems":
        return [
            (TXN_ACTIONS[kind], _table(body["TableName"]))
            for item in params["TransactItems"]
            for kind, body in item.items()
        ]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", _table(t)) for t in params["RequestItems"]]
    table = _table(params["TableName"])
    return [(f"dynamodb:{operation}", table + ("/index" if params.get("IndexName") else ""))]


def _s3(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    action = {"HeadObject": "s3:GetObject"}.get(operation, f"s3:{operation}")
    if operation == "CopyObject":
        source = params["CopySource"]  # "bucket/key" by the time botocore makes the call, or a dict
        source_key = source["Key"] if isinstance(source, dict) else str(source).split("/", 1)[1]
        return [("s3:GetObject", source_key), ("s3:PutObject", params["Key"])]
    if operation == "ListObjectsV2":
        return [("s3:ListBucket", "")]
    if operation == "DeleteObjects":  # IAM has no action of its own: s3:DeleteObject on every key
        return [("s3:DeleteObject", o["Key"]) for o in params["Delete"]["Objects"]]
    return [(action, params["Key"])]


def _allowed(
    grants: Grants, has_queue_event: bool, service: str, operation: str, params: dict[str, Any]
) -> list[str]:
    """What of this call the grants do not allow (empty: all of it is allowed)."""
    missing: list[str] = []
    if service == "dynamodb":
        for action, table in _dynamodb(operation, params):
            base, _, index = table.partition("/")
            if action not in grants.tables.get(base, set()) or (index and base not in grants.indexes):
                missing.append(f"{action} on {table}")
    elif service == "s3":
        for action, key in _s3(operation, params):
            prefix = key.split("/", 1)[0] + "/"
            ok = (
                grants.list_bucket
                if action == "s3:ListBucket"
                else action in grants.objects.get(prefix, set())
            )
            if not ok:
                missing.append(f"{action} on {key}")
    elif service == "sqs":
        queue = QUEUES.get(str(params.get("QueueUrl", "")).rsplit("/", 1)[-1].removeprefix(PREFIX), "?")
        # ChangeMessageVisibility and friends come with the SQS event source (SAM's SQSPollerPolicy)
        ok = queue in grants.queues if operation == "SendMessage" else has_queue_event
        if not ok:
            missing.append(f"sqs:{operation} on {queue}")
    elif service == "sesv2" and operation == "SendEmail":
        if "ses:SendEmail" not in grants.other:
            missing.append("ses:SendEmail")
    else:
        missing.append(f"{service}:{operation} (not expected from a function)")
    return missing


def assert_granted(seen: list[Call], functions: set[str]) -> None:
    """Every recorded call is allowed; and each of FUNCTIONS made some (so the labels worked)."""
    assert {f for f, *_ in seen} >= functions, {f for f, *_ in seen}
    problems: set[str] = set()
    for function, service, operation, params in seen:
        events = FUNCTIONS[function]["Properties"].get("Events", {})
        queue_event = any(e.get("Type") == "SQS" for e in events.values())
        for miss in _allowed(grants_of(function), queue_event, service, operation, params):
            problems.add(f"{function}: {miss}")
    assert not problems, sorted(problems)


def test_outbound_and_webhook_paths_are_granted(queue_url_set: None, sent: Sent, calls: list[Call]) -> None:
    # Given a submission the outbound consumer sent (the `sent` fixture ran its real path)
    # When Resend reports it delivered, and the user reads its events over /v0
    assert post(payload("email.delivered", sent.relay_id), "msg_iam_1")[0] == 200
    assert sent.client.get(f"/v0/submissions/{sent.submission_id}/events", headers=ALICE).status_code == 200
    # Then every call each function made is within its grants
    assert_granted(calls, {"OutboundFunction", "WebhookFunction", "JmapFunction"})


def test_ses_inbound_path_is_granted(
    alice: Any, bob: Any, calls: list[Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ses_inbound_handler import handler

    from mailx.mail import ingest as ingest_module
    from mailx.store import blobs
    from tests.helpers.ses_events import OversizedContext, sized_message

    event: dict[str, Any] = json.loads((ROOT / "events" / "ses_lambda_event.json").read_text())
    first = (
        b"From: a@sender.example\r\nTo: alice@example.com\r\nMessage-ID: <one@x>\r\nSubject: hi\r\n\r\n"
        b"first\r\n"
    )
    reply = (
        b"From: a@sender.example\r\nTo: alice@example.com\r\nMessage-ID: <two@x>\r\nIn-Reply-To: <one@x>\r\n"
        b"References: <one@x>\r\nSubject: Re: hi\r\n\r\nsecond\r\n"
    )
    # Given a message, its reply (threading), the same delivery again, and one over the size limit
    monkeypatch.setattr(ingest_module, "MAX_MESSAGE_SIZE", 10_000)
    for message_id, raw in (
        ("iam-1", first),
        ("iam-2", reply),
        ("iam-2", reply),
        ("iam-big", sized_message(20_000)),
    ):
        blobs.put(f"inbound/{message_id}", raw, "message/rfc822")
        one = copy.deepcopy(event)
        one["Records"][0]["ses"]["mail"]["messageId"] = message_id
        one["Records"][0]["ses"]["receipt"]["recipients"] = [
            "alice@example.com",
            "bob@example.com",
            "postmaster@example.com",
        ]
        # When SES invokes the function
        handler(one, OversizedContext())
    # Then every call it made is within its grants
    assert_granted(calls, {"SesInboundFunction"})


def test_jmap_workflow_is_granted(
    queue_url_set: None, sending: Any, alice: Any, calls: list[Call], management_headers: Any
) -> None:
    client, account = sending, alice.account_id
    # Given a user who signs in, uploads, drafts with an attachment, reads, downloads and sends
    token = client.post(
        "/v0/auth/login", json={"username": "alice", "password": "correct horse battery"}
    ).json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    blob = upload(client, account, b"attachment octets", "application/octet-stream")
    email_id = draft(client, account)
    made = call(
        client,
        FULL,
        [
            "Email/set",
            {
                "accountId": account,
                "create": {
                    "d": {
                        "mailboxIds": {box(account, "drafts"): True},
                        "subject": "with file",
                        "attachments": [
                            {"blobId": blob, "type": "application/octet-stream", "name": "f.bin"}
                        ],
                    }
                },
            },
            "0",
        ],
    )
    created = made[0][1]["created"]["d"]
    call(
        client,
        FULL,
        ["Email/get", {"accountId": account, "ids": [created["id"]], "fetchAllBodyValues": True}, "g"],
    )
    assert client.get(
        f"/jmap/download/{account}/{created['blobId']}/m.eml?accept=message/rfc822", headers=ALICE
    )
    submit(
        client,
        account,
        {"identityId": identity_of(client, account), "emailId": email_id},
        onSuccessUpdateEmail={"#s": {"keywords/$draft": None}},
    )
    call(
        client,
        FULL,
        ["Email/set", {"accountId": account, "destroy": [created["id"]]}, "x"],
        ["Mailbox/set", {"accountId": account, "create": {"m": {"name": "Projects"}}}, "m"],
    )
    # ... and an administrator who creates and deletes an account, and the user signs out
    new = client.post(
        "/v0/management/accounts",
        headers=management_headers,
        json={"username": "dora", "password": "dora's long password"},
    ).json()
    assert (
        client.delete(f"/v0/management/accounts/{new['accountId']}", headers=management_headers).status_code
        == 204
    )
    assert client.post("/v0/auth/logout", headers=bearer).status_code == 200
    # Then every call the JMAP function made is within its grants
    assert_granted(calls, {"JmapFunction"})
