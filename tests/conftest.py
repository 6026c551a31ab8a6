"""Shared fixtures: a moto-backed AWS per test, the settings it needs, and the FastAPI test client."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

TEST_ENV = {
    "TOKEN_SECRET": "test-token-secret-0123456789abcdef",
    "MANAGEMENT_KEY": "test-management-key",
    "PUBLIC_BASE_URL": "https://mail.example.test",
    "DOMAIN": '["example.com"]',
    "TABLE_PREFIX": "test-",
    "BUCKET_NAME": "mailx-test",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_ENDPOINT_URL": "",
}


def _reset_caches() -> None:
    from mailx import aws, config
    from mailx.auth import authenticate
    from mailx.store import config_store

    config.reset_settings()
    aws.reset()
    authenticate.forget_cache()
    config_store.forget_cache()


@pytest.fixture(autouse=True)
def _library_loggers_propagate() -> Iterator[None]:
    """Importing a Lambda handler routes mailx.* loggers to its Powertools handler, as in Lambda; each
    test starts with them propagating to the root again, so caplog sees them whatever ran before."""
    from mailx.observe.lambda_log import LIBRARY_LOGGERS

    def reset() -> None:
        for name in LIBRARY_LOGGERS:
            library = logging.getLogger(name)
            library.handlers = []
            library.propagate = True
            library.setLevel(logging.NOTSET)

    reset()
    yield
    reset()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The test environment variables, applied for one test."""
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    _reset_caches()
    return dict(TEST_ENV)


def _serialise_moto_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto's writes atomic across threads, and its reads item-atomic, as DynamoDB's are.

    moto checks a condition and applies the write in separate steps without a lock, so two threads can
    both pass the same condition; it applies a transaction's items one by one (and undoes a cancelled
    one by restoring copies of the tables); and it updates a stored item attribute by attribute in
    place, so a read in another thread could see writes that never commit or half an update (a new
    version number beside old keywords). Real DynamoDB allows none of that, so writes and the whole of
    each read (including turning items into the response) share one lock. Concurrency tests exercise
    our code, not those moto gaps (the concurrency soak and test_email_set tripped over them).
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    from mailx.local.moto_memory import stop_tracking_dynamodb_models

    stop_tracking_dynamodb_models()  # moto keeps every item and table copy otherwise
    lock = threading.RLock()

    def serialise(owner: Any, name: str) -> None:
        original = getattr(owner, name)

        def locked(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, locked)

    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        serialise(DynamoDBBackend, name)
    for name in ("get_item", "query", "scan", "batch_get_item", "transact_get_items"):
        serialise(DynamoHandler, name)


@pytest.fixture
def aws(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto for DynamoDB/S3/SQS, with every table and the bucket created."""
    from moto import mock_aws

    _serialise_moto_writes(monkeypatch)
    with mock_aws():
        _reset_caches()
        from mailx.store import blobs, tables

        tables.create_all()
        blobs.ensure_bucket()
        _forbid_scans(tables.connection().client)
        yield
    _reset_caches()


def _forbid_scans(client: Any) -> None:
    """No request path may Scan a table (DESIGN.md): any Scan through the shared client fails the test."""

    def refuse(**kwargs: Any) -> None:
        raise AssertionError(f"a DynamoDB Scan was issued: {kwargs.get('params', {}).get('TableName')}")

    client.meta.events.register("before-call.dynamodb.Scan", refuse)


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    """The real FastAPI app through Starlette's test client."""
    from fastapi.testclient import TestClient

    from jmap_api.app import create_app

    with TestClient(create_app(), base_url="https://mail.example.test") as test_client:
        yield test_client


@pytest.fixture
def management_headers(env: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {env['MANAGEMENT_KEY']}"}


@pytest.fixture
def alice(aws: None) -> Any:
    """An account alice (password 'correct horse battery') with address alice@example.com."""
    from mailx.admin.accounts import create_account

    return create_account("alice", "correct horse battery", name="Alice", addresses=["alice@example.com"])


@pytest.fixture
def bob(aws: None) -> Any:
    from mailx.admin.accounts import create_account

    return create_account("bob", "bob's long password", name="Bob", addresses=["bob@example.com"])


def is_ci() -> bool:
    return os.environ.get("CI") == "true"
