"""One Settings object for every function: read from the environment lazily, validated once.

The three reserved keys (TOKEN_SECRET, MANAGEMENT_KEY, PUBLIC_BASE_URL) come only from the deployment;
the rest may be overridden at run time through the management API (stored in DynamoDB).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

RESERVED_KEYS = frozenset({"TOKEN_SECRET", "MANAGEMENT_KEY", "PUBLIC_BASE_URL"})
SECRET_KEYS = frozenset(
    {"TOKEN_SECRET", "MANAGEMENT_KEY", "RESEND_API_KEY", "RESEND_WEBHOOK_SECRET", "WEBPUSH_VAPID_SEED"}
)


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the key."""


@dataclass(frozen=True)
class Settings:
    """Every knob the service reads. Field names map to upper-case environment variables."""

    token_secret: str
    management_key: str
    public_base_url: str
    domain: tuple[str, ...] = ()
    resend_api_key: str = ""
    resend_webhook_secret: str = ""
    resend_from_domain: str = ""
    resend_api_url: str = "https://api.resend.com"  # deployment-only: the API key travels to this host
    relay: str = "auto"  # auto, resend, ses or local (docs/relays.md)
    local_relay_dir: str = ""  # deployment-only; empty: the local runtime's data folder + /outbox
    token_ttl_seconds: int = 7 * 24 * 3600
    upload_ttl_seconds: int = 24 * 3600
    send_rate_limit: int = 100
    send_rate_window_seconds: int = 3600
    # RFC 9425 quotas: the hard limits of an account without its own (mailx.store.quota).
    quota_octets_default: int = 10 * 1024**3
    quota_count_default: int = 1_000_000
    # Deployment-only: the SQS queue EmailSubmission/set writes to; empty means the queue named
    # {TABLE_PREFIX}outbound at the configured endpoint (the local runtime and tests create it).
    outbound_queue_url: str = ""
    public_session_discovery: bool = False
    cors_allow_origins: tuple[str, ...] = ("*",)
    login_max_failures_per_address: int = 20
    login_max_failures_per_account: int = 10
    login_failure_window_seconds: int = 900
    change_log_retention_days: int = 30  # deployment-only: the log TTL is written with each change
    eventsource_mode: str = "auto"  # auto (buffered under Lambda, streaming elsewhere), streaming, buffered
    # Buffered mode (Lambda): how long a response may wait for a change (0: answer at once; at most 25 s,
    # under the function's 29 s timeout), and the reconnect interval suggested to the client.
    # Lambda bills waiting time, so the defaults answer at once (docs/push.md "Cost").
    eventsource_max_wait_seconds: int = 0
    eventsource_retry_seconds: int = 60
    eventsource_poll_ms: int = 1000  # one GetItem of the account item per poll
    eventsource_min_ping_seconds: int = 5  # smaller pings are raised to this (capped at 30, RFC 8620 §7.3)
    # Deployment-only: the RFC 8887 WebSocket URL the session advertises (wss://... on AWS, ws://... in the
    # local runtime; empty: not advertised), and the API Gateway Management API endpoint the push
    # function posts StateChange messages to (https://{api}.execute-api.{region}.amazonaws.com/{stage}).
    websocket_url: str = ""
    websocket_management_url: str = ""
    # PushSubscription (RFC 8620 §7.2, docs/push-subscriptions.md): how many an account may hold, how
    # many it may create per hour, and the longest lifetime granted (at least 48 hours, §7.2).
    push_subscriptions_max: int = 20
    push_subscription_creates_per_hour: int = 20
    push_subscription_max_expires_seconds: int = 7 * 24 * 3600
    # Deployment-only: the secret the VAPID key pair (RFC 8292) is derived from; empty derives it from
    # TOKEN_SECRET. The local runtime sets PUSH_ALLOW_LOOPBACK so pushes may reach loopback over http.
    webpush_vapid_seed: str = ""
    webpush_vapid_subject: str = ""  # the VAPID `sub` contact; empty: mailto:postmaster@{first DOMAIN}
    push_allow_loopback: bool = False
    table_prefix: str = "mailx-"
    bucket_name: str = "mailx-local"
    aws_region: str = "us-east-1"
    aws_endpoint_url: str = ""
    mutable_keys: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def base_url(self) -> str:
        """PUBLIC_BASE_URL without a trailing slash, for building absolute URLs."""
        return self.public_base_url.rstrip("/")

    def with_overrides(self, stored: Mapping[str, str]) -> Settings:
        """Apply run-time overrides from the config table; only mutable keys are ever taken from there.

        Config/set refuses the others, but a value written to the table by other means must not be
        able to redirect secrets (RESEND_API_URL) or storage either.
        """
        changes: dict[str, Any] = {}
        for key, raw in stored.items():
            if key not in MUTABLE_KEYS:
                continue
            changes[_FIELD_BY_ENV[key]] = _coerce(key, raw)
        return replace(self, **changes) if changes else self


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}
_INTERNAL = {"mutable_keys"}
_FIELD_BY_ENV = {f.name.upper(): f.name for f in fields(Settings) if f.name not in _INTERNAL}
_TYPES = {f.name: f.type for f in fields(Settings)}
# Read once at start-up or baked into infrastructure (the HTTP API's CORS, the change-log TTL), so a
# run-time override would silently do nothing: only a deployment may change them.
DEPLOYMENT_ONLY_KEYS = frozenset(
    {
        "TABLE_PREFIX",
        "BUCKET_NAME",
        "OUTBOUND_QUEUE_URL",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "CHANGE_LOG_RETENTION_DAYS",
        "CORS_ALLOW_ORIGINS",
        "RESEND_API_URL",
        "LOCAL_RELAY_DIR",
        "WEBSOCKET_URL",
        "WEBSOCKET_MANAGEMENT_URL",
        "WEBPUSH_VAPID_SEED",
        "PUSH_ALLOW_LOOPBACK",
    }
)
_CHOICES = {"RELAY": ("auto", "resend", "ses", "local")}
MUTABLE_KEYS = frozenset(k for k in _FIELD_BY_ENV if k not in RESERVED_KEYS and k not in DEPLOYMENT_ONLY_KEYS)


def _parse_list(key: str, raw: str) -> tuple[str, ...]:
    text = raw.strip()
    if not text:
        return ()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{key} must be a JSON array of strings: {exc.msg}") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be a JSON array of strings")
        items = value
    else:
        items = text.split(",")
    return tuple(i.strip() for i in items if i.strip())


def _coerce(key: str, raw: str) -> Any:
    kind = _TYPES[_FIELD_BY_ENV[key]]
    if kind == "int":
        try:
            number = int(raw)
        except ValueError:
            raise ConfigError(f"{key} must be an integer, got {raw!r}") from None
        if number < 0:
            raise ConfigError(f"{key} must not be negative")
        return number
    if kind == "bool":
        lowered = raw.strip().lower()
        if lowered in _BOOL_TRUE:
            return True
        if lowered in _BOOL_FALSE:
            return False
        raise ConfigError(f"{key} must be true or false, got {raw!r}")
    if kind == "tuple[str, ...]":
        values = _parse_list(key, raw)
        return tuple(v.lower() for v in values) if key == "DOMAIN" else values
    if key in _CHOICES and raw.strip().lower() not in _CHOICES[key]:
        raise ConfigError(f"{key} must be one of {', '.join(_CHOICES[key])}, got {raw!r}")
    return raw.strip().lower() if key in _CHOICES else raw


def validate_value(key: str, raw: str) -> Any:
    """Check a value for KEY the way start-up would, so Config/set rejects what would break later."""
    if key not in _FIELD_BY_ENV:
        raise ConfigError(f"unknown configuration key {key}")
    return _coerce(key, raw)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from an environment mapping; a missing required key is a clear error naming it."""
    source = os.environ if env is None else env
    missing = [k for k in sorted(RESERVED_KEYS) if not source.get(k, "").strip()]
    if missing:
        raise ConfigError(f"missing required configuration: {', '.join(missing)}")
    values: dict[str, Any] = {}
    for env_key, name in _FIELD_BY_ENV.items():
        if env_key in source:
            values[name] = _coerce(env_key, source[env_key])
    if "aws_region" not in values and source.get("AWS_DEFAULT_REGION"):
        values["aws_region"] = source["AWS_DEFAULT_REGION"]
    return Settings(**values, mutable_keys=MUTABLE_KEYS)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import)."""
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()


def redact(key: str, value: str) -> str:
    """Secrets are never echoed in full: keep a short hint so an operator can tell values apart."""
    if key not in SECRET_KEYS or not value:
        return value
    return f"{value[:3]}…({len(value)} chars)" if len(value) > 8 else "…"
