"""Choosing the relay by configuration (docs/relays.md), and the settings it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailx.config import MUTABLE_KEYS, ConfigError, Settings, load_settings, validate_value
from mailx.mail.relay.local import LocalRelay
from mailx.mail.relay.resend import DEFAULT_API_URL, ResendRelay
from mailx.mail.relay.select import get_relay, local_outbox, relay_name

BASE = {"TOKEN_SECRET": "t", "MANAGEMENT_KEY": "m", "PUBLIC_BASE_URL": "https://x.test"}


def settings(**values: str) -> Settings:
    return load_settings({**BASE, **values})


def test_auto_prefers_resend_then_local_for_an_endpoint_override_then_ses() -> None:
    assert settings().relay == "auto"
    assert relay_name(settings()) == "ses"
    assert relay_name(settings(AWS_ENDPOINT_URL="http://127.0.0.1:5000")) == "local"
    assert relay_name(settings(RESEND_API_KEY="re_x", AWS_ENDPOINT_URL="http://127.0.0.1:5000")) == "resend"


def test_an_explicit_relay_wins() -> None:
    assert relay_name(settings(RESEND_API_KEY="re_x", RELAY=" SES ")) == "ses"
    assert relay_name(settings(RELAY="local")) == "local"
    assert get_relay(settings(RELAY="ses")).name == "ses"


def test_resend_is_built_from_its_settings() -> None:
    chosen = get_relay(settings(RESEND_API_KEY="re_x", RESEND_FROM_DOMAIN="send.example.com"))
    assert isinstance(chosen, ResendRelay)
    assert (chosen.api_key, chosen.from_domain) == ("re_x", "send.example.com")
    assert chosen.endpoint == DEFAULT_API_URL + "/emails"
    with pytest.raises(ConfigError, match="RESEND_API_KEY"):
        get_relay(settings(RELAY="resend"))


def test_local_writes_to_the_configured_folder_or_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = get_relay(settings(RELAY="local", LOCAL_RELAY_DIR=str(tmp_path)))
    assert isinstance(chosen, LocalRelay) and chosen.outbox == tmp_path
    monkeypatch.setenv("MAILX_DATA_DIR", str(tmp_path / "data"))
    assert local_outbox(settings()) == (tmp_path / "data" / "outbox").resolve()


def test_relay_values_are_checked_and_the_api_url_is_deployment_only() -> None:
    with pytest.raises(ConfigError, match="RELAY must be one of"):
        settings(RELAY="smtp")
    with pytest.raises(ConfigError, match="RELAY"):
        validate_value("RELAY", "sendgrid")
    assert validate_value("RELAY", "Resend") == "resend"
    assert "RELAY" in MUTABLE_KEYS
    # The API key is sent to RESEND_API_URL: a run-time override must not be able to redirect it.
    assert "RESEND_API_URL" not in MUTABLE_KEYS and "LOCAL_RELAY_DIR" not in MUTABLE_KEYS
