"""Run-time configuration overrides and mail domains, stored in the config table.

Each scope is one partition (a Query lists it). Reads are cached in the process for a few seconds:
every request needs the effective settings and they change rarely.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from mailx.config import Settings, get_settings
from mailx.store import tables
from mailx.store.models import ConfigEntry

CACHE_SECONDS = 10.0
_cache: dict[str, tuple[float, dict[str, str]]] = {}
_lock = threading.Lock()


def _scope(scope: str) -> dict[str, str]:
    now = time.monotonic()
    hit = _cache.get(scope)
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    tables.bind()
    values = {e.name: e.value for e in ConfigEntry.query(scope, consistent_read=True)}
    with _lock:
        _cache[scope] = (now, values)
    return values


def forget_cache() -> None:
    """Drop cached reads (after a write here, and between tests)."""
    with _lock:
        _cache.clear()


def overrides() -> dict[str, str]:
    """Every stored configuration override."""
    return dict(_scope("config"))


def effective_settings() -> Settings:
    """Deployment settings with the stored run-time overrides applied (reserved keys never overridden)."""
    return get_settings().with_overrides(_scope("config"))


def set_override(key: str, value: str) -> None:
    tables.bind()
    ConfigEntry(scope="config", name=key, value=value, updated_at=int(time.time())).save()
    forget_cache()


def delete_override(key: str) -> None:
    tables.bind()
    ConfigEntry(scope="config", name=key).delete()
    forget_cache()


@dataclass(frozen=True)
class DomainRecord:
    """A stored domain and where its postmaster@ and unknown local parts go (None: nowhere)."""

    domain: str
    postmaster_account_id: str | None
    catch_all_account_id: str | None


def _domain(name: str, raw: str) -> DomainRecord:
    data: dict[str, Any] = json.loads(raw)
    return DomainRecord(name, data.get("postmasterAccountId"), data.get("catchAllAccountId"))


def stored_domains() -> list[DomainRecord]:
    """Stored domains, by name."""
    return [_domain(name, raw) for name, raw in sorted(_scope("domain").items())]


def get_domain(domain: str) -> DomainRecord | None:
    if not tables.key_can_exist(domain):
        return None
    tables.bind()
    try:
        entry = ConfigEntry.get("domain", domain.lower(), consistent_read=True)
    except DoesNotExist:
        return None
    return _domain(entry.name, entry.value)


def put_domain(record: DomainRecord) -> None:
    tables.bind()
    value = json.dumps(
        {
            "postmasterAccountId": record.postmaster_account_id,
            "catchAllAccountId": record.catch_all_account_id,
        }
    )
    ConfigEntry(scope="domain", name=record.domain.lower(), value=value, updated_at=int(time.time())).save()
    forget_cache()


def delete_domain(domain: str) -> None:
    tables.bind()
    ConfigEntry(scope="domain", name=domain.lower()).delete()
    forget_cache()
