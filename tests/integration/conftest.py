"""Fixtures the integration tests share: Email/set in the registry, the outbound queues, a sent submission,
fault injection below our code, the app served by uvicorn for the `mailx` command, and a full-text index
that compacts and merges after every few messages."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailx.limits import LIMITS
from mailx.local.outbound_worker import poll_once
from mailx.methods.email._set_create import create_emails
from mailx.protocol.capabilities import MAIL
from mailx.protocol.context import CallContext
from mailx.protocol.registry import MethodSpec, Registry
from mailx.protocol.standard_set import SetResult, parse_set
from mailx.search import codec
from mailx.store import fulltext
from tests.helpers.faults import MARK, Faults
from tests.helpers.ports import free_port
from tests.helpers.submission import FakeRelay, draft, identity_of, submit
from tests.helpers.webhooks import SECRET, Sent, configure


def _create_only_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """A create-only Email/set, for a registry that has none."""
    parsed = parse_set(args, call, LIMITS.max_objects_in_set)
    result = SetResult(parsed.account_id, call.services.state(parsed.account_id, "Email"))
    create_emails(call, parsed.account_id, parsed.create, result)
    result.new_state = call.services.state(parsed.account_id, "Email")
    return result.to_response()


@pytest.fixture
def email_set(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The test client, with Email/set in the registry (the real one if it exists)."""
    from mailx.server import api
    from mailx.server.method_table import registry

    real = registry()
    if "Email/set" not in real:
        local = Registry()
        for spec in real:
            local.register(spec)
        local.register(MethodSpec("Email/set", MAIL, _create_only_set, writes=True))
        monkeypatch.setattr(api, "registry", lambda: local)
    yield client


@pytest.fixture
def sending(email_set: Any, alice: Any, bob: Any) -> Iterator[Any]:
    """The test client with the outbound queue and its DLQ created in moto."""
    from mailx.mail import outbound

    outbound.ensure_queues()
    yield email_set


@pytest.fixture
def sent(sending: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> Sent:
    """A submission alice sent to bob (Bcc carol) through a fake relay, with the webhook secret configured."""
    configure(monkeypatch, SECRET)
    account = alice.account_id
    create = {"identityId": identity_of(sending, account), "emailId": draft(sending, account)}
    [[_, made, _]] = submit(sending, account, create)
    assert poll_once(FakeRelay()) == 1
    return Sent(sending, account, made["created"]["s"]["id"], "fake-1")


@pytest.fixture
def faults(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    """Lets tests fail AWS calls; botocore's backoff delays are recorded instead of slept."""
    from botocore.retries.standard import ExponentialBackoff
    from moto.core.models import botocore_stubber

    seen = Faults()
    moto_process = botocore_stubber.process_request

    def process(request: Any) -> Any:
        marked = getattr(request, MARK, None)
        return marked if marked is not None else moto_process(request)

    real_delay = ExponentialBackoff.delay_amount

    def delay(self: ExponentialBackoff, context: Any) -> float:
        seen.backoffs.append(real_delay(self, context))
        return 0.0

    monkeypatch.setattr(botocore_stubber, "process_request", process)
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", delay)
    yield seen


@pytest.fixture
def url(aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """The FastAPI app under uvicorn in a thread, on a free loopback port; no key in the environment."""
    import uvicorn

    from jmap_api.app import create_app

    monkeypatch.delenv("MAILX_MANAGEMENT_KEY", raising=False)
    monkeypatch.delenv("MAILX_URL", raising=False)
    monkeypatch.setenv("MAILX_DATA_DIR", str(tmp_path / "no-data"))  # the developer's .dev-data stays out
    port = free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def local_push(client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The test client with the local runtime's push setting: subscriptions may reach loopback over http."""
    from tests.helpers.environment import reset_caches

    monkeypatch.setenv("PUSH_ALLOW_LOOPBACK", "true")
    reset_caches()
    return client


@pytest.fixture
def receiver() -> Iterator[Any]:
    """A real HTTP push receiver on a free loopback port (tests/helpers/push_receiver.py)."""
    from tests.helpers.push_receiver import push_receiver

    with push_receiver() as running:
        yield running


@pytest.fixture
def tiny_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full-text index that compacts after every commit once 3 items wait, merges pairs of segments,
    and cuts buckets and doc chunks small: a few messages exercise what thousands would."""
    monkeypatch.setattr(fulltext, "COMPACT_AT", 3)
    monkeypatch.setattr(fulltext, "COMPACT_EVERY", 1)
    monkeypatch.setattr(fulltext, "FANOUT", 2)
    monkeypatch.setattr(fulltext, "MAX_SEGMENT_DOCS", 64)
    monkeypatch.setattr(fulltext, "DOCS_PER_CHUNK", 2)
    monkeypatch.setattr(codec, "BUCKET_BYTES", 64)
