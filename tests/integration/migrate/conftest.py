"""The import/export tests' server: the shared uvicorn app, its session URLs pointing at its own port."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def url(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The integration suite's `url`, with PUBLIC_BASE_URL set to it (the importer follows the session's
    URLs, as real clients do) and the importer's default state folder inside tmp_path."""
    from mailx import config

    monkeypatch.setenv("PUBLIC_BASE_URL", url)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state-home"))
    config.reset_settings()
    return url
