"""URL tokens: what lets a browser GET `eventSourceUrl` and `downloadUrl`, and open the WebSocket, without
an Authorization header.

A browser's `EventSource`, an `<img src>` and a link opened in a new tab cannot add a header, so the
session hands out its two GET templates with `access_token=` already in them
(`mxu1.{accountId}.{purpose}.{expires}.{tokenId}.{mac}`). A token is:

- **purpose-scoped**: `download`, `eventsource` or `websocket`, each accepted only by that one GET
  route (`websocket`: the RFC 8887 upgrade, whose browser API cannot set headers either); no
  route that changes anything, nor `/jmap/api`, `/jmap/session`, upload or `/v0`, reads it;
- **principal-scoped**: it names the account, and `tokenId` is the Bearer token it was issued under
  (`-` for Basic auth): logging that Bearer token out revokes it at once;
- **bound to the password**: its MAC covers a digest of the password hash, so a password change
  revokes every URL token (the same rule as Bearer tokens); a disabled account's tokens fail too;
- **short-lived and stable**: time is cut into windows of WINDOW_SECONDS, and a token issued in a
  window expires at the end of the next one (30 to 60 minutes). Within a window the session, and so
  its `state`, does not change; when the window rolls the `sessionState` of every API response
  changes, which tells clients to fetch the session again and so get fresh templates.

Tokens are never stored and never logged (`redact` is applied to the access log), and every response
that can carry one in its URL is sent with `Referrer-Policy: no-referrer` (docs/security.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass
from typing import Literal

from mailx.auth import tokens
from mailx.config import get_settings
from mailx.store import accounts
from mailx.store.accounts import AccountRecord
from mailx.store.errors import NotFound

PREFIX = "mxu1"
QUERY_NAME = "access_token"
WINDOW_SECONDS = 1800
Purpose = Literal["download", "eventsource", "websocket"]
PURPOSES: tuple[Purpose, ...] = ("download", "eventsource", "websocket")
_NO_BEARER = "-"
_IN_URL = re.compile(rf"({QUERY_NAME}=)[^&\s\"']+")


class UrlTokenRefused(Exception):
    """A URL token that is malformed, for another purpose, expired or revoked (HTTP 401)."""


@dataclass(frozen=True)
class UrlAccess:
    """Who a valid URL token speaks for, and which Bearer token (if any) it was issued under."""

    account: AccountRecord
    token_id: str | None


def expiry(now: float, window: int = WINDOW_SECONDS) -> int:
    """When a token issued at NOW expires: the end of the window after NOW's."""
    return (int(now) // window + 2) * window


def _mac(account_id: str, purpose: str, expires: int, token_id: str, password_hash: str) -> str:
    tag = tokens.credential_tag(account_id, password_hash)
    message = f"{PREFIX}.{account_id}.{purpose}.{expires}.{token_id}|{tag}"
    digest = hmac.new(get_settings().token_secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(account: AccountRecord, purpose: Purpose, token_id: str | None, now: float | None = None) -> str:
    """A token for ACCOUNT's PURPOSE GETs; TOKEN_ID is the Bearer token signed in with, None for Basic."""
    expires = expiry(time.time() if now is None else now)
    bearer = token_id or _NO_BEARER
    mac = _mac(account.account_id, purpose, expires, bearer, account.password_hash)
    return f"{PREFIX}.{account.account_id}.{purpose}.{expires}.{bearer}.{mac}"


def verify(token: str, purpose: Purpose, now: float | None = None) -> UrlAccess:
    """The account a token grants PURPOSE on; UrlTokenRefused otherwise (one account read, one KV read)."""
    parts = token.split(".")
    if len(parts) != 6 or parts[0] != PREFIX or not all(parts) or not parts[3].isdigit():
        raise UrlTokenRefused("malformed access token")
    _, account_id, given_purpose, expires_text, bearer, mac = parts
    if given_purpose != purpose:
        raise UrlTokenRefused("the access token is not for this resource")
    if int(expires_text) <= (time.time() if now is None else now):
        raise UrlTokenRefused("the access token has expired; fetch the session again")
    try:
        account = accounts.get(account_id)
    except NotFound:
        raise UrlTokenRefused("account gone") from None
    expected = _mac(account_id, purpose, int(expires_text), bearer, account.password_hash)
    if not hmac.compare_digest(mac, expected):
        raise UrlTokenRefused("invalid access token")  # forged, or issued before a password change
    if account.disabled:
        raise UrlTokenRefused("account disabled")
    token_id = None if bearer == _NO_BEARER else bearer
    if token_id is not None and not tokens.still_live(
        account_id, token_id, tokens.credential_tag(account_id, account.password_hash)
    ):
        raise UrlTokenRefused("the sign-in this access token came from has ended")
    return UrlAccess(account, token_id)


def redact(text: str) -> str:
    """TEXT with the value of every `access_token=` blanked, for anything that logs a URL."""
    return _IN_URL.sub(r"\1[redacted]", text)


class RedactFilter(logging.Filter):
    """A logging filter that blanks URL tokens in a record's message and arguments (the access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True
