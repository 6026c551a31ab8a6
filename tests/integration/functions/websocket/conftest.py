"""The deployment's WebSocket URL, as the template sets it, so the session advertises RFC 8887."""

from __future__ import annotations

import pytest

from tests.helpers.websocket_events import DOMAIN, STAGE


@pytest.fixture(autouse=True)
def websocket_url(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    from mailx import config

    url = f"wss://{DOMAIN}/{STAGE}"
    monkeypatch.setenv("WEBSOCKET_URL", url)
    config.reset_settings()
    return url
