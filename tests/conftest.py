"""Shared fixtures: a moto-backed AWS per test, the settings it needs, and the FastAPI test client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.environment import TEST_ENV, forbid_scans, reset_caches, serialise_moto_writes


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The test environment variables, applied for one test."""
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    reset_caches()
    return dict(TEST_ENV)


@pytest.fixture
def aws(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto for DynamoDB/S3/SQS, with every table and the bucket created."""
    from moto import mock_aws

    serialise_moto_writes(monkeypatch)
    with mock_aws():
        reset_caches()
        from mailx.store import blobs, tables

        tables.create_all()
        blobs.ensure_bucket()
        forbid_scans(tables.connection().client)
        yield
    reset_caches()


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
