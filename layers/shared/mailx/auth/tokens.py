"""Bearer tokens: `mx1.{accountId}.{tokenId}.{mac}`, signed with TOKEN_SECRET and recorded in KV.

The MAC lets a forged token be refused without a database read; the KV item (keyed by the account id)
carries the expiry and is deleted on logout, which revokes the token everywhere at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from mailx.config import get_settings
from mailx.store import kv
from mailx.store.config_store import effective_settings

PREFIX = "mx1"


@dataclass(frozen=True)
class TokenClaims:
    """What a well-signed token names; whether it is still live is the KV item's business."""

    account_id: str
    token_id: str

    @property
    def kv_key(self) -> str:
        return token_kv_key(self.account_id, self.token_id)


def token_kv_key(account_id: str, token_id: str) -> str:
    return f"{account_id}#token#{token_id}"


def _mac(account_id: str, token_id: str) -> str:
    key = get_settings().token_secret.encode()
    digest = hmac.new(key, f"{PREFIX}.{account_id}.{token_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def credential_tag(account_id: str, password_hash: str) -> str:
    """What a token's record holds: the account and a digest of the password hash it was issued under.

    A password reset changes the hash, so every token issued before it stops matching at once.
    """
    return f"{account_id}:{hashlib.sha256(password_hash.encode()).hexdigest()[:20]}"


def issue(account_id: str, password_hash: str) -> tuple[str, int]:
    """A new token for ACCOUNT_ID (valid while its password stays the same) and its lifetime in seconds."""
    ttl = effective_settings().token_ttl_seconds
    token_id = secrets.token_urlsafe(18)
    kv.put(token_kv_key(account_id, token_id), credential_tag(account_id, password_hash), ttl)
    return f"{PREFIX}.{account_id}.{token_id}.{_mac(account_id, token_id)}", ttl


def parse(token: str) -> TokenClaims | None:
    """The claims of a token with a valid signature, else None (no database read)."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not all(parts):
        return None
    _, account_id, token_id, mac = parts
    if not hmac.compare_digest(mac, _mac(account_id, token_id)):
        return None
    return TokenClaims(account_id, token_id)


def still_live(account_id: str, token_id: str, tag: str) -> bool:
    """Whether the Bearer token TOKEN_ID is still recorded, issued under the credentials TAG names
    (not logged out, not expired, no password change since): one KV read."""
    stored = kv.get(token_kv_key(account_id, token_id))
    return stored is not None and hmac.compare_digest(stored, tag)


def revoke(claims: TokenClaims) -> None:
    """Delete the token's record; it stops working on the next request."""
    kv.delete(claims.kv_key)
