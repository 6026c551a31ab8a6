"""The test environment: settings, cache resets, and moto made to act as
DynamoDB does where our code relies on it.

The `env` and `aws` fixtures (tests/conftest.py) and the module-scoped worlds of other suites build on these.
"""

from __future__ import annotations

import os
import threading
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


def reset_caches() -> None:
    """Forget cached settings, clients, sessions and config, so the next use sees the current environment."""
    from mailx import aws, config
    from mailx.auth import authenticate
    from mailx.store import config_store

    config.reset_settings()
    aws.reset()
    authenticate.forget_cache()
    config_store.forget_cache()


def serialise_moto_writes(monkeypatch: pytest.MonkeyPatch) -> None:
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


def forbid_scans(client: Any) -> None:
    """No request path may Scan a table (docs/architecture.md): any Scan through the shared client fails."""

    def refuse(**kwargs: Any) -> None:
        raise AssertionError(f"a DynamoDB Scan was issued: {kwargs.get('params', {}).get('TableName')}")

    client.meta.events.register("before-call.dynamodb.Scan", refuse)


def is_ci() -> bool:
    """Running under CI (`CI=true`)."""
    return os.environ.get("CI") == "true"
