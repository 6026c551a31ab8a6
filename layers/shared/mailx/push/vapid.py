"""VAPID (RFC 8292): the server's P-256 key pair and the signed token on every push request.

The key pair is never stored: its private scalar is derived (HKDF-SHA-256, RFC 5869) from a secret the
deployment holds — WEBPUSH_VAPID_SEED, a Secrets Manager secret generated on the first deploy, or,
without one, TOKEN_SECRET under a label of its own — so every function derives the same key, and
changing the seed rotates it (clients see a new `applicationServerKey` and subscribe again).
The public key is computed without `cryptography` (mailx.push.p256) and cached; signing imports it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from functools import lru_cache
from urllib.parse import urlsplit

from mailx.config import Settings, get_settings
from mailx.push import p256

_SALT = b"mailx webpush vapid"
_INFO = b"P-256 private key"
TOKEN_LIFETIME_SECONDS = 12 * 3600  # RFC 8292 §2: `exp` no more than 24 hours ahead


def b64url(data: bytes) -> str:
    """URL-safe base64 without padding (RFC 4648 §5), as Web Push and JWT use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode URL-safe base64 with or without padding; ValueError on anything else."""
    if not isinstance(text, str) or not text or any(c not in _B64URL for c in text.rstrip("=")):
        raise ValueError("not URL-safe base64")
    stripped = text.rstrip("=")
    if len(stripped) % 4 == 1:
        raise ValueError("not URL-safe base64")
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869): extract, then expand to LENGTH bytes. The VAPID key and RFC 8291's
    keys both use it; plain hashlib, so deriving the key at cold start imports nothing."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def private_scalar(seed: str) -> int:
    """The private key for SEED: 48 bytes of HKDF output reduced into [1, N-1] (FIPS 186-4 B.4.1)."""
    return int.from_bytes(hkdf(_SALT, seed.encode("utf-8"), _INFO, 48), "big") % (p256.N - 1) + 1


def _seed(settings: Settings) -> str:
    return settings.webpush_vapid_seed or "token-secret:" + settings.token_secret


@lru_cache(maxsize=4)
def _public_key_for(seed: str) -> str:
    return b64url(p256.public_key(private_scalar(seed)))


def application_server_key(settings: Settings | None = None) -> str:
    """The public key, base64url of the 65-byte uncompressed point (RFC 9749 `applicationServerKey`)."""
    return _public_key_for(_seed(settings or get_settings()))


def subject(settings: Settings) -> str:
    """The `sub` claim: a contact for the push service's operator (RFC 8292 §2.1)."""
    if settings.webpush_vapid_subject:
        return settings.webpush_vapid_subject
    if settings.domain:
        return f"mailto:postmaster@{settings.domain[0]}"
    return settings.base_url


def authorization(url: str, settings: Settings | None = None, *, now: float | None = None) -> str:
    """The `Authorization: vapid t=..., k=...` header value for a push to URL (RFC 8292 §3)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    settings = settings or get_settings()
    parts = urlsplit(url)
    audience = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    issued = int(time.time() if now is None else now)
    header = b64url(json.dumps({"typ": "JWT", "alg": "ES256"}, separators=(",", ":")).encode())
    claims = {"aud": audience, "exp": issued + TOKEN_LIFETIME_SECONDS, "sub": subject(settings)}
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode("ascii")
    key = ec.derive_private_key(private_scalar(_seed(settings)), ec.SECP256R1())
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    signature = b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))  # JWS ES256: R || S (RFC 7518)
    return f"vapid t={header}.{body}.{signature}, k={application_server_key(settings)}"
