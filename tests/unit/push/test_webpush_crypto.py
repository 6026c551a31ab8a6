"""Web Push cryptography: RFC 8291 messages a user agent decrypts (`http_ece`), the plain-Python P-256
public key against `cryptography`'s, and VAPID tokens (RFC 8292) a push service would accept."""

from __future__ import annotations

import json
import secrets
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mailx.config import load_settings
from mailx.push import ece, p256, vapid
from tests.helpers.environment import TEST_ENV
from tests.helpers.push_receiver import UserAgentKeys, b64url, verify_vapid


def test_an_encrypted_message_decrypts_with_the_user_agents_keys() -> None:
    agent = UserAgentKeys.generate()
    keys = agent.jmap_keys()
    message = {"@type": "StateChange", "changed": {"A1": {"Email": "7"}}}
    body = ece.encrypt(json.dumps(message).encode(), keys["p256dh"], keys["auth"])
    assert agent.decrypt(body) == message
    # aes128gcm header: 16-byte salt, record size 4096, a 65-byte key id (the ephemeral public key)
    assert int.from_bytes(body[16:20], "big") == 4096
    assert body[20] == 65 and body[21] == 4
    # A fresh salt and ephemeral key each time
    first, second = (ece.encrypt(b"{}", keys["p256dh"], keys["auth"]) for _ in range(2))
    assert first[:16] != second[:16] and first[21:86] != second[21:86]


def test_another_user_agent_cannot_decrypt() -> None:
    agent, other = UserAgentKeys.generate(), UserAgentKeys.generate()
    keys = agent.jmap_keys()
    body = ece.encrypt(b'{"x":1}', keys["p256dh"], keys["auth"])
    with pytest.raises(Exception):  # noqa: B017 - http_ece raises cryptography's InvalidTag
        UserAgentKeys(other.private, agent.auth).decrypt(body)


@pytest.mark.parametrize(
    ("p256dh", "auth", "why"),
    [
        ("not base64!", b64url(b"a" * 16), "p256dh is not URL-safe"),
        (b64url(b"\x04" + b"\x01" * 64), b64url(b"a" * 16), "P-256"),  # not on the curve
        (b64url(b"\x02" + b"\x01" * 32), b64url(b"a" * 16), "P-256"),  # compressed
        (None, b64url(b"a" * 15), "16 bytes"),
        (None, "a+b/", "auth is not URL-safe"),
    ],
)
def test_bad_keys_are_refused(p256dh: str | None, auth: str, why: str) -> None:
    good = UserAgentKeys.generate().jmap_keys()["p256dh"]
    with pytest.raises(ece.BadKeys, match=why):
        ece.parse_keys(p256dh or good, auth)


def test_plain_python_public_key_matches_cryptography() -> None:
    for scalar in (1, 2, p256.N - 1, *(secrets.randbelow(p256.N - 1) + 1 for _ in range(5))):
        expected = (
            ec.derive_private_key(scalar, ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )
        assert p256.public_key(scalar) == expected
        assert p256.on_curve(expected)
    with pytest.raises(ValueError):
        p256.public_key(p256.N)
    assert not p256.on_curve(b"\x04" + b"\x00" * 64)


def test_hkdf_and_the_vapid_scalar_match_cryptographys_hkdf() -> None:
    # A different derivation would silently rotate every deployment's key (clients re-subscribe).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    for salt, ikm, info, length in (
        (b"s", b"ikm", b"info", 16),
        (b"", b"k" * 65, b"x\x00", 48),
        (b"a", b"b", b"", 80),
    ):
        expected = HKDF(hashes.SHA256(), length, salt, info).derive(ikm)
        assert vapid.hkdf(salt, ikm, info, length) == expected
    seed = "s" * 64
    okm = HKDF(hashes.SHA256(), 48, b"mailx webpush vapid", b"P-256 private key").derive(seed.encode())
    assert vapid.private_scalar(seed) == int.from_bytes(okm, "big") % (p256.N - 1) + 1


def test_the_vapid_key_is_derived_from_the_seed_and_else_from_the_token_secret() -> None:
    base = load_settings(TEST_ENV)
    seeded = load_settings({**TEST_ENV, "WEBPUSH_VAPID_SEED": "s" * 64})
    reseeded = load_settings({**TEST_ENV, "WEBPUSH_VAPID_SEED": "t" * 64})
    other_token = load_settings({**TEST_ENV, "TOKEN_SECRET": "another-token-secret-0123456789"})
    keys = [vapid.application_server_key(s) for s in (base, seeded, reseeded, other_token)]
    assert len(set(keys)) == 4
    assert (
        vapid.application_server_key(load_settings({**TEST_ENV, "WEBPUSH_VAPID_SEED": "s" * 64})) == keys[1]
    )
    assert all(p256.on_curve(vapid.b64url_decode(k)) for k in keys)


def test_a_vapid_token_verifies_with_the_advertised_key() -> None:
    settings = load_settings({**TEST_ENV, "WEBPUSH_VAPID_SEED": "seed" * 16})
    header = vapid.authorization("https://push.example.net:8443/wpush/v2/abc?x=1", settings)
    claims = verify_vapid(header, vapid.application_server_key(settings))
    assert claims["aud"] == "https://push.example.net:8443"
    assert time.time() + 11 * 3600 < claims["exp"] <= time.time() + 12 * 3600 + 1
    assert claims["sub"] == "mailto:postmaster@example.com"
    # The same token presented with another server's key does not verify
    from cryptography.exceptions import InvalidSignature

    own, other = vapid.application_server_key(settings), vapid.application_server_key(load_settings(TEST_ENV))
    with pytest.raises(InvalidSignature):
        verify_vapid(header.replace(own, other), other)
