"""Config/get and Config/set: the effective configuration and its run-time overrides.

Reserved keys (TOKEN_SECRET, MANAGEMENT_KEY, PUBLIC_BASE_URL) come only from the deployment; secret
values are shown redacted.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mailx.config import (
    MUTABLE_KEYS,
    RESERVED_KEYS,
    ConfigError,
    Settings,
    get_settings,
    redact,
    validate_value,
)
from mailx.store import config_store
from mailx.store.config_store import effective_settings

__all__ = ["ReservedKey", "effective_settings", "get_config", "set_config"]


class ReservedKey(ValueError):
    """An attempt to set a key that only the deployment may set."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        import json

        return json.dumps(list(value))
    return str(value)


def get_config() -> dict[str, dict[str, str]]:
    """Every key with its effective value (secrets redacted) and where it came from."""
    base = get_settings()
    stored = config_store.overrides()
    effective = base.with_overrides(stored)
    result: dict[str, dict[str, str]] = {}
    for field in dataclasses.fields(Settings):
        key = field.name.upper()
        if field.name == "mutable_keys":
            continue
        value = _text(getattr(effective, field.name))
        source = "stored" if key in stored and key not in RESERVED_KEYS else "deployment"
        result[key] = {
            "value": redact(key, value),
            "source": source,
            "mutable": "false" if key not in MUTABLE_KEYS else "true",
        }
    return result


def set_config(changes: dict[str, str | None]) -> dict[str, dict[str, str]]:
    """Store overrides (None removes one). Every key is checked before anything is written."""
    for key, value in changes.items():
        if key in RESERVED_KEYS:
            raise ReservedKey(f"{key} is reserved deployment configuration and cannot be set at run time")
        if key not in MUTABLE_KEYS:
            raise ConfigError(f"unknown or read-only configuration key {key}")
        if value is not None:
            validate_value(key, value)
    for key, value in changes.items():
        if value is None:
            config_store.delete_override(key)
        else:
            config_store.set_override(key, value)
    return get_config()
