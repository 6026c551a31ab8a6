"""Shared fakes for the protocol tests: a tiny registry of fake methods over RFC 8620 §3.7 data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mailx.methods.core import echo
from mailx.protocol.capabilities import CORE, MAIL
from mailx.protocol.context import AccountAccess, CallContext, RequestContext
from mailx.protocol.dispatcher import dispatch
from mailx.protocol.errors import MethodError
from mailx.protocol.limits import CoreLimits
from mailx.protocol.registry import Registry
from mailx.protocol.request import parse_request

SESSION_STATE = "s1"
SUPPORTED = frozenset({CORE, MAIL})

# The mailbox of the RFC 8620 §3.7 example: two threads, five emails.
EMAILS: dict[str, dict[str, Any]] = {
    "msg1020": {"id": "msg1020", "threadId": "trd194", "subject": "a"},
    "msg1021": {"id": "msg1021", "threadId": "trd194", "subject": "b"},
    "msg1023": {"id": "msg1023", "threadId": "trd194", "subject": "c"},
    "msg201": {"id": "msg201", "threadId": "trd114", "subject": "d"},
    "msg223": {"id": "msg223", "threadId": "trd114", "subject": "e"},
}
THREADS: dict[str, list[str]] = {
    "trd194": ["msg1020", "msg1021", "msg1023"],
    "trd114": ["msg201", "msg223"],
}

Run = Callable[..., dict[str, Any]]


def _get(objects: dict[str, dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    ids = args["ids"]
    properties = args.get("properties")
    found = [obj for key in ids if (obj := objects.get(key)) is not None]
    if properties is not None:
        found = [{k: v for k, v in obj.items() if k == "id" or k in properties} for obj in found]
    return {
        "accountId": args["accountId"],
        "state": "123456",
        "list": found,
        "notFound": [key for key in ids if key not in objects],
    }


def build_registry() -> Registry:
    """Fake Email/Thread methods plus a few that fail in each way the dispatcher must handle."""
    registry = Registry()
    echo.register(registry)

    @registry.method("Email/query", MAIL)
    def email_query(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
        return {"accountId": args["accountId"], "queryState": "q1", "ids": ["msg1023", "msg223"]}

    @registry.method("Email/get", MAIL)
    def email_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
        return _get(EMAILS, args)

    @registry.method("Thread/get", MAIL)
    def thread_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
        threads = {key: {"id": key, "emailIds": ids} for key, ids in THREADS.items()}
        return _get(threads, args)

    @registry.method("Mailbox/set", MAIL, writes=True)
    def mailbox_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
        # Reports its creations and leaves recording them to the dispatcher.
        created = {cid: {"id": f"MB{i}"} for i, cid in enumerate(args.get("create") or {})}
        return {"accountId": args["accountId"], "created": created or None}

    @registry.method("Email/set", MAIL, writes=True)
    def email_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
        created = {}
        for index, creation_id in enumerate(args.get("create") or {}):
            server_id = f"M{index + 100}"
            call.add_created_id(creation_id, server_id)
            created[creation_id] = {"id": server_id}
        if args.get("fail"):
            raise MethodError("stateMismatch")
        return {"accountId": args["accountId"], "created": created}

    @registry.method("Email/copy", MAIL, writes=True)
    def email_copy(call: CallContext, args: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [("Email/copy", {"accountId": args["accountId"]}), ("Email/set", {"destroyed": ["m1"]})]

    @registry.method("Test/explode", CORE, needs_account=False)
    def explode(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("database password is hunter2")

    @registry.method("Test/badOutput", CORE, needs_account=False)
    def bad_output(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
        return "not a dict"  # type: ignore[return-value]

    return registry


def default_accounts() -> dict[str, AccountAccess]:
    """A1 is a normal mail account, RO is read-only, NOMAIL has no mail capability."""
    return {
        "A1": AccountAccess(frozenset({MAIL})),
        "RO": AccountAccess(frozenset({MAIL}), read_only=True),
        "NOMAIL": AccountAccess(frozenset()),
    }


@pytest.fixture
def registry() -> Registry:
    return build_registry()


@pytest.fixture
def server_failures() -> list[tuple[str, str, BaseException]]:
    return []


@pytest.fixture
def run(registry: Registry, server_failures: list[tuple[str, str, BaseException]]) -> Run:
    """Send literal Request JSON through parse_request and dispatch; return the Response JSON."""

    def _run(request_json: Any, *, limits: CoreLimits | None = None) -> dict[str, Any]:
        body = request_json if isinstance(request_json, bytes) else json.dumps(request_json).encode()
        request = parse_request(body, SUPPORTED)
        ctx = RequestContext.for_request(request.using, default_accounts())
        response = dispatch(
            request,
            registry,
            ctx,
            limits or CoreLimits(),
            session_state=SESSION_STATE,
            on_server_fail=lambda method, call_id, exc: server_failures.append((method, call_id, exc)),
        )
        # What the client sees is JSON: make sure the response is serialisable and round-trip it.
        result: dict[str, Any] = json.loads(json.dumps(response))
        return result

    return _run


@pytest.fixture
def call() -> CallContext:
    """A mail-capability call in a request that already created `#k1` → M1."""
    request = RequestContext(
        using=frozenset({CORE, MAIL}), accounts=default_accounts(), created_ids={"k1": "M1"}
    )
    return CallContext(request=request, call_id="c1", method_name="Foo/get", capability=MAIL)
