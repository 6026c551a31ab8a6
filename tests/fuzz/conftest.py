"""One moto world per fuzz module: tables, bucket, alice and the app are built once, not per example."""

from __future__ import annotations

import traceback
from collections.abc import Iterator

import pytest

from tests.helpers.environment import TEST_ENV, forbid_scans, reset_caches, serialise_moto_writes
from tests.helpers.fuzz import World


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """Mirror of tests/conftest.py's `aws` + `client` + `alice`, module-scoped."""
    from fastapi.testclient import TestClient
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as monkeypatch:
        for key, value in TEST_ENV.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        reset_caches()
        serialise_moto_writes(monkeypatch)
        with mock_aws():
            reset_caches()
            from jmap_api.app import create_app
            from mailx.admin.accounts import create_account
            from mailx.server import api
            from mailx.store import blobs, emails, tables

            tables.create_all()
            blobs.ensure_bucket()
            forbid_scans(tables.connection().client)
            alice = create_account(
                "alice", "correct horse battery", name="Alice", addresses=["alice@example.com"]
            )
            inbox = next(m for m, role in emails.mailbox_roles(alice.account_id).items() if role == "inbox")
            fails: list[str] = []

            def record(method: str, call_id: str, exc: BaseException) -> None:
                fails.append(f"{method} ({call_id}): " + "".join(traceback.format_exception(exc)))

            monkeypatch.setattr(api, "_log_server_fail", record)
            with TestClient(create_app(), base_url="https://mail.example.test") as client:
                yield World(client, alice.account_id, inbox, fails)
        reset_caches()
