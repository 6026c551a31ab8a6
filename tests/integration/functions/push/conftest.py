"""A fake API Gateway Management API for the push function, and the accounts table's stream in moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.websocket_events import FakeManagementApi, StreamReader, fake_management_api


@pytest.fixture
def management(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeManagementApi]:
    """WEBSOCKET_MANAGEMENT_URL pointed at a FakeManagementApi."""
    from mailx import config

    with fake_management_api() as api:
        monkeypatch.setenv("WEBSOCKET_MANAGEMENT_URL", api.url)
        config.reset_settings()
        yield api


@pytest.fixture
def stream(aws: None) -> StreamReader:
    """The accounts table's stream, read from its start."""
    return StreamReader()
