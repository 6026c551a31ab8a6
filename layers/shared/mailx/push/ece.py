"""Message encryption for Web Push (RFC 8291) in the `aes128gcm` content coding (RFC 8188).

Each message gets a fresh ephemeral ECDH key pair and a random salt; the body is one record:
salt (16) || record size (4) || key id length (1) || the ephemeral public key (65) || ciphertext.
`cryptography` is imported on first use, so a function that never pushes never pays for it.
"""

from __future__ import annotations

import os

from mailx.push import p256
from mailx.push.vapid import b64url_decode, hkdf

RECORD_SIZE = 4096
AUTH_SECRET_BYTES = 16
_TAG_BYTES = 16


class BadKeys(ValueError):
    """`keys` cannot be used for RFC 8291 encryption; the message says which part."""


def parse_keys(p256dh: str, auth: str) -> tuple[bytes, bytes]:
    """The user agent's public key (65 bytes, on the curve) and auth secret (16 bytes), or BadKeys."""
    try:
        public = b64url_decode(p256dh)
    except ValueError:
        raise BadKeys("keys.p256dh is not URL-safe base64") from None
    if not p256.on_curve(public):
        raise BadKeys("keys.p256dh is not an uncompressed P-256 public key (65 bytes)")
    try:
        secret = b64url_decode(auth)
    except ValueError:
        raise BadKeys("keys.auth is not URL-safe base64") from None
    if len(secret) != AUTH_SECRET_BYTES:
        raise BadKeys(f"keys.auth must decode to {AUTH_SECRET_BYTES} bytes")
    return public, secret


def encrypt(plaintext: bytes, p256dh: str, auth: str, *, salt: bytes | None = None) -> bytes:
    """The `aes128gcm` body carrying PLAINTEXT for the subscription's keys (RFC 8291 §3.4)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ua_public, auth_secret = parse_keys(p256dh, auth)
    if len(plaintext) + 1 + _TAG_BYTES > RECORD_SIZE:
        raise ValueError("the message does not fit one record")
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    as_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    shared = ephemeral.exchange(ec.ECDH(), peer)
    # RFC 8291 §3.3: the input keying material binds both public keys and the auth secret.
    ikm = hkdf(auth_secret, shared, b"WebPush: info\x00" + ua_public + as_public, 32)
    salt = os.urandom(16) if salt is None else salt
    cek = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)  # RFC 8188 §2.2
    nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)  # RFC 8188 §2.3
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)  # 0x02: the last record
    header = salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(as_public)]) + as_public
    return header + ciphertext
