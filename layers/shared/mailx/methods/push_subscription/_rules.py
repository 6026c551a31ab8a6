"""RFC 8620 §7.2: the PushSubscription object, its wire form and the value rules for /set.

Decisions (the RFC leaves them to the server):
- Subscriptions belong to the account of the credentials (a mailx login is one account); every read
  and write is keyed by it, so no call can see or touch another account's subscriptions. One made
  with a Bearer token also ends with that token (revoked or expired): the sink then removes it.
- `expires` is capped at PUSH_SUBSCRIPTION_MAX_EXPIRES_SECONDS ahead (never below the 48 hours §7.2
  requires) and set to that cap when the client gives none; the response reports the value set.
- The verification code is 128 random bits (§8.6: enough entropy against guessing), compared in
  constant time. Setting `verificationCode` to null makes the subscription unverified again.
- `types` names are not checked against the types this server has: a name it never changes is
  simply never pushed (as with the event source).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

from mailx.config import Settings
from mailx.protocol.errors import SetError
from mailx.protocol.validate import format_utc_date, parse_utc_date
from mailx.push import ece, safe_http
from mailx.push.webpush import IO
from mailx.store.push_subscriptions import PushSubscriptionRecord

PROPERTIES = ("id", "deviceClientId", "url", "keys", "verificationCode", "expires", "types")
PRIVATE = frozenset({"url", "keys"})  # never returned (§7.2.1); asking for them is `forbidden`
DEFAULT_GET = tuple(p for p in PROPERTIES if p not in PRIVATE)
IMMUTABLE = ("id", "deviceClientId", "url", "keys")
MIN_EXPIRES_CAP_SECONDS = 48 * 3600
MAX_DEVICE_CLIENT_ID = 255
MAX_TYPES = 64
MAX_TYPE_NAME = 100


def to_json(record: PushSubscriptionRecord, *, private: bool = False) -> dict[str, Any]:
    """The object as /get returns it; with PRIVATE also `url` and `keys` (for checking a patch only)."""
    obj: dict[str, Any] = {
        "id": record.subscription_id,
        "deviceClientId": record.device_client_id,
        "verificationCode": record.code if record.verified else None,
        "expires": record.expires,
        "types": None if record.types is None else list(record.types),
    }
    if private:
        keys = None if record.p256dh is None else {"p256dh": record.p256dh, "auth": record.auth}
        obj.update(url=record.url, keys=keys)
    return obj


def expiry_cap(settings: Settings) -> int:
    """The longest lifetime granted, in seconds (at least the 48 hours RFC 8620 §7.2 requires)."""
    return max(settings.push_subscription_max_expires_seconds, MIN_EXPIRES_CAP_SECONDS)


def resolve_expires(value: Any, settings: Settings, now: float) -> tuple[str, int]:
    """The expiry actually set for a requested VALUE (null: the cap), as (UTCDate, epoch seconds)."""
    latest = int(now) + expiry_cap(settings)
    if value is None:
        moment = latest
    else:
        try:
            requested = parse_utc_date(value, "expires").timestamp()
        except Exception:
            raise SetError.invalid_properties(["expires"], "expires must be a UTCDate") from None
        if requested <= now:
            raise SetError.invalid_properties(["expires"], "expires must be in the future")
        moment = min(int(requested), latest)
    return format_utc_date(datetime.fromtimestamp(moment, UTC)), moment


def check_types(value: Any) -> tuple[str, ...] | None:
    """`types`: null (every type) or a list of type names."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) > MAX_TYPES
        or not all(isinstance(t, str) and 0 < len(t) <= MAX_TYPE_NAME for t in value)
    ):
        raise SetError.invalid_properties(["types"], f"types must be null or at most {MAX_TYPES} type names")
    return tuple(dict.fromkeys(value))


def _check_keys(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict) or set(value) != {"p256dh", "auth"}:
        raise SetError.invalid_properties(["keys"], "keys must be null or an object with p256dh and auth")
    p256dh, auth = value["p256dh"], value["auth"]
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        raise SetError.invalid_properties(["keys"], "keys.p256dh and keys.auth must be strings")
    try:
        ece.parse_keys(p256dh, auth)
    except ece.BadKeys as exc:
        raise SetError.invalid_properties(["keys"], str(exc)) from None
    return p256dh, auth


def check_url(value: Any, settings: Settings) -> str:
    """The URL when it may be pushed to (the SSRF rules of mailx.push.safe_http), else invalidProperties."""
    if not isinstance(value, str):
        raise SetError.invalid_properties(["url"], "url must be an https:// URL")
    try:
        safe_http.check_url(value, allow_loopback=settings.push_allow_loopback, resolve=IO.resolve)
    except safe_http.RefusedUrl as exc:
        raise SetError.invalid_properties(["url"], f"url refused: {exc}") from None
    return value


def check_create(
    obj: dict[str, Any],
    account_id: str,
    subscription_id: str,
    settings: Settings,
    now: float,
    credential_key: str | None = None,
) -> tuple[PushSubscriptionRecord, dict[str, Any]]:
    """The record to store for a create, and what `created` reports, or a SetError."""
    bad = sorted(name for name in obj if name not in PROPERTIES or name == "id")
    if obj.get("verificationCode") is not None:
        bad.append("verificationCode")
    if bad:
        raise SetError.invalid_properties(bad, "unknown, server-set or not-yet-settable properties")
    device = obj.get("deviceClientId")
    if not isinstance(device, str) or not 0 < len(device) <= MAX_DEVICE_CLIENT_ID:
        raise SetError.invalid_properties(
            ["deviceClientId"], f"deviceClientId must be a string of 1 to {MAX_DEVICE_CLIENT_ID} characters"
        )
    p256dh, auth = _check_keys(obj.get("keys"))
    types = check_types(obj.get("types"))
    expires, expires_at = resolve_expires(obj.get("expires"), settings, now)
    url = check_url(obj.get("url"), settings)  # last: it resolves DNS
    record = PushSubscriptionRecord(
        account_id=account_id,
        subscription_id=subscription_id,
        device_client_id=device,
        url=url,
        p256dh=p256dh,
        auth=auth,
        code=secrets.token_hex(16),
        verified=False,
        expires=expires,
        expires_at=expires_at,
        types=types,
        credential_key=credential_key,
    )
    reported: dict[str, Any] = {"id": subscription_id, "expires": expires}
    for name in ("keys", "types", "verificationCode"):
        if name not in obj:
            reported[name] = None
    return record, reported


def check_update(
    record: PushSubscriptionRecord, patched: dict[str, Any], settings: Settings, now: float
) -> tuple[bool, str, int, tuple[str, ...] | None]:
    """(verified, expires, expires_at, types) after PATCHED (the object after the patch), or a SetError."""
    before = to_json(record, private=True)
    bad = [name for name in patched if name not in PROPERTIES]
    bad += [name for name in IMMUTABLE if patched.get(name) != before[name]]
    if bad:
        raise SetError.invalid_properties(sorted(set(bad)), "unknown or immutable properties")
    code = patched.get("verificationCode")
    if code is None:
        verified = False
    elif isinstance(code, str) and hmac.compare_digest(code.encode(), record.code.encode()):
        verified = True
    else:
        raise SetError.invalid_properties(["verificationCode"], "the verification code is not the one sent")
    types = check_types(patched.get("types"))
    if patched.get("expires") == record.expires:
        expires, expires_at = record.expires, record.expires_at
    else:
        expires, expires_at = resolve_expires(patched.get("expires"), settings, now)
    return verified, expires, expires_at, types
