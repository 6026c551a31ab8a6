"""Choosing the relay by configuration (docs/relays.md), and the settings it reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mailx import aws
from mailx.config import (
    MUTABLE_KEYS,
    ConfigError,
    Settings,
    get_settings,
    load_settings,
    reset_settings,
    validate_value,
)
from mailx.local.bootstrap import configure_environment
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


def test_local_writes_to_the_configured_folder_and_needs_one(tmp_path: Path) -> None:
    chosen = get_relay(settings(RELAY="local", LOCAL_RELAY_DIR=str(tmp_path)))
    assert isinstance(chosen, LocalRelay) and chosen.outbox == tmp_path
    with pytest.raises(ConfigError, match="LOCAL_RELAY_DIR"):
        local_outbox(settings())


def test_the_local_runtime_points_the_local_relay_at_its_data_folder(tmp_path: Path) -> None:
    saved = dict(os.environ)
    os.environ.pop("LOCAL_RELAY_DIR", None)
    try:
        configure_environment(tmp_path, "http://127.0.0.1:1", 8123)
        assert local_outbox(get_settings()) == tmp_path / "outbox"
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        aws.reset()


def test_relay_values_are_checked_and_the_api_url_is_deployment_only() -> None:
    with pytest.raises(ConfigError, match="RELAY must be one of"):
        settings(RELAY="smtp")
    with pytest.raises(ConfigError, match="RELAY"):
        validate_value("RELAY", "sendgrid")
    assert validate_value("RELAY", "Resend") == "resend"
    assert "RELAY" in MUTABLE_KEYS
    # The API key is sent to RESEND_API_URL: a run-time override must not be able to redirect it.
    assert "RESEND_API_URL" not in MUTABLE_KEYS and "LOCAL_RELAY_DIR" not in MUTABLE_KEYS
