"""Who is calling: Basic credentials (username or assigned address) or a Bearer token.

Basic auth arrives on every JMAP request, and Argon2 costs ~20 ms, so a verified credential is
remembered in the process for a few minutes (keyed by an HMAC of it, never the password itself) while
the account's session version is unchanged: it moves with every password, status or address change.
Unknown credentials pay the full price and count towards throttling.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass

from mailx.auth import passwords, throttle, tokens
from mailx.config import get_settings
from mailx.store import accounts, kv
from mailx.store.accounts import AccountRecord
from mailx.store.errors import NotFound

CACHE_SECONDS = 300.0
CACHE_MAX = 1024


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the account, and how it proved itself."""

    account: AccountRecord
    method: str  # "basic", "bearer" or "password"
    token: tokens.TokenClaims | None = None


class AuthFailed(Exception):
    """Missing, malformed or wrong credentials (HTTP 401)."""


class AuthThrottled(Exception):
    """Too many failures recently (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


_verified: dict[str, tuple[float, str, int]] = {}  # credential mac -> (expiry, account id, session version)
_lock = threading.Lock()


def _credential_mac(name: str, password: str) -> str:
    key = get_settings().token_secret.encode()
    return hmac.new(key, f"{name}\0{password}".encode(errors="surrogatepass"), hashlib.sha256).hexdigest()


def forget_cache() -> None:
    with _lock:
        _verified.clear()


def _remember(mac: str, account: AccountRecord) -> None:
    with _lock:
        if len(_verified) >= CACHE_MAX:
            _verified.clear()
        _verified[mac] = (time.monotonic() + CACHE_SECONDS, account.account_id, account.session_version)


def _from_cache(mac: str) -> AccountRecord | None:
    hit = _verified.get(mac)
    if not hit or hit[0] < time.monotonic():
        return None
    try:
        account = accounts.get(hit[1])
    except NotFound:
        return None
    if account.session_version != hit[2] or account.disabled:
        return None
    return account


def verify_password_login(name: str, password: str, source: str | None) -> Principal:
    """Check a username-or-address and password, with throttling; used by Basic auth and /v0/auth/login."""
    name = name.strip()
    if not name or not password:
        raise AuthFailed("empty credentials")
    mac = _credential_mac(accounts.normalise_login(name), password)
    cached = _from_cache(mac)
    if cached is not None:
        return Principal(cached, "password")
    account_id = accounts.find_by_login(name)
    try:
        throttle.check(account_id, name, source)
    except throttle.Throttled as exc:
        from mailx.observe import metrics

        metrics.count("ThrottledSignIns")
        raise AuthThrottled(exc.retry_after) from None
    account: AccountRecord | None = None
    if account_id is not None:
        try:
            account = accounts.get(account_id)
        except NotFound:
            account = None
    if account is None:
        passwords.verify_password(_dummy_hash(), password)  # same cost whether or not the name exists
    if account is None or not passwords.verify_password(account.password_hash, password):
        throttle.record_failure(account_id, name, source)
        raise AuthFailed("wrong credentials")
    if account.disabled:
        raise AuthFailed("account disabled")
    _remember(mac, account)
    return Principal(account, "password")


_dummy: list[str] = []


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(passwords.hash_password("not a real password, only for equal timing"))
    return _dummy[0]


def _decode_basic(encoded: str) -> tuple[str, str]:
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuthFailed("malformed Basic credentials") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # RFC 7617 leaves the charset open; old clients send Latin-1
    user, sep, password = text.partition(":")
    if not sep:
        raise AuthFailed("malformed Basic credentials")
    return user, password


def _bearer(token: str) -> Principal:
    claims = tokens.parse(token.strip())
    if claims is None:
        raise AuthFailed("invalid token")
    stored = kv.get(claims.kv_key)
    if stored is None:
        raise AuthFailed("token expired or revoked")
    try:
        account = accounts.get(claims.account_id)
    except NotFound:
        raise AuthFailed("account gone") from None
    if not hmac.compare_digest(stored, tokens.credential_tag(account.account_id, account.password_hash)):
        raise AuthFailed("token issued before a password change")
    if account.disabled:
        raise AuthFailed("account disabled")
    return Principal(account, "bearer", claims)


def authenticate(authorization: str | None, source: str | None) -> Principal:
    """The principal behind an Authorization header; AuthFailed or AuthThrottled otherwise."""
    if not authorization:
        raise AuthFailed("no credentials")
    scheme, _, value = authorization.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer" and value.strip():
        return _bearer(value)
    if scheme == "basic" and value.strip():
        user, password = _decode_basic(value)
        principal = verify_password_login(user, password, source)
        return Principal(principal.account, "basic")
    raise AuthFailed("unsupported authorization scheme")
