"""One moto world per fuzz module: tables, bucket, alice and the app are built once, not per example."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import TEST_ENV, _forbid_scans, _reset_caches, _serialise_moto_writes

# `make fuzz` raises this; the short default keeps `make test` quick.
EXAMPLES = int(os.environ.get("MAILX_FUZZ_EXAMPLES", "60"))


@dataclass
class World:
    """The app, alice's account and her Inbox, plus every serverFail the API logged."""

    client: Any
    account_id: str
    inbox_id: str
    server_fails: list[str] = field(default_factory=list)

    def take_server_fails(self) -> list[str]:
        found, self.server_fails[:] = list(self.server_fails), []
        return found


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
        _reset_caches()
        _serialise_moto_writes(monkeypatch)
        with mock_aws():
            _reset_caches()
            from jmap_api.app import create_app
            from mailx.admin.accounts import create_account
            from mailx.server import api
            from mailx.store import blobs, emails, tables

            tables.create_all()
            blobs.ensure_bucket()
            _forbid_scans(tables.connection().client)
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
        _reset_caches()
