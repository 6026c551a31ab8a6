"""Settings: required keys, parsing, and which keys a stored run-time override may change."""

from __future__ import annotations

import pytest

from mailx.config import ConfigError, load_settings

BASE = {"TOKEN_SECRET": "s" * 32, "MANAGEMENT_KEY": "m", "PUBLIC_BASE_URL": "https://mail.example.com/"}


@pytest.mark.parametrize("missing", sorted(BASE))
def test_missing_required_key_is_named(missing: str) -> None:
    env = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        load_settings(env)


def test_domain_json_array_and_types() -> None:
    settings = load_settings({**BASE, "DOMAIN": '["Example.com", "b.example"]', "TOKEN_TTL_SECONDS": "60",
                              "PUBLIC_SESSION_DISCOVERY": "yes"})  # fmt: skip
    assert settings.domain == ("example.com", "b.example")
    assert settings.token_ttl_seconds == 60 and settings.public_session_discovery is True
    assert settings.base_url == "https://mail.example.com"
    for bad in ({"DOMAIN": "[1]"}, {"TOKEN_TTL_SECONDS": "-1"}, {"PUBLIC_SESSION_DISCOVERY": "maybe"}):
        with pytest.raises(ConfigError):
            load_settings({**BASE, **bad})


def test_stored_overrides_only_change_mutable_keys() -> None:
    settings = load_settings(BASE)
    stored = {
        "TOKEN_TTL_SECONDS": "5",
        "TOKEN_SECRET": "stolen",
        "PUBLIC_BASE_URL": "https://evil.example",
        "RESEND_API_URL": "https://evil.example",
        "BUCKET_NAME": "elsewhere",
        "NOT_A_KEY": "x",
    }
    effective = settings.with_overrides(stored)
    assert effective.token_ttl_seconds == 5
    assert effective.token_secret == settings.token_secret
    assert effective.public_base_url == settings.public_base_url
    assert effective.resend_api_url == settings.resend_api_url
    assert effective.bucket_name == settings.bucket_name
