"""A Web Push receiver for tests: a real HTTP server on a free loopback port that records every POST,
plus what a user agent and a push service do with one — decrypt it (RFC 8291, with `http_ece`) and
check its VAPID token (RFC 8292) against the server's advertised key.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.helpers.http_servers import QuietHandler, serving


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.perf_counter() when it was read


@dataclass
class Receiver:
    """The running receiver: its URL, what it got, and the statuses it will answer with next."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # consumed in order; then 201
    extra_headers: dict[str, str] = field(default_factory=dict)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until COUNT requests have arrived (AssertionError after TIMEOUT seconds)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} pushes arrived")
            return list(self.received[:count])


@contextmanager
def push_receiver() -> Iterator[Receiver]:
    """Serve on 127.0.0.1 (a free port) until the block ends."""
    import time

    receiver = Receiver(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.arrived:
                status = receiver.statuses.pop(0) if receiver.statuses else 201
                receiver.received.append(Received(self.path, headers, body, time.perf_counter()))
                receiver.arrived.notify_all()
            self.send_response(status)
            for name, value in receiver.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving(Handler) as port:
        receiver.url = f"http://127.0.0.1:{port}/push/device-1"
        yield receiver


@dataclass(frozen=True)
class UserAgentKeys:
    """A subscribing browser's key pair and auth secret (RFC 8291 §3.1), and `keys` as JMAP sends them."""

    private: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def generate(cls) -> UserAgentKeys:
        import os

        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    def jmap_keys(self) -> dict[str, str]:
        public = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}

    def decrypt(self, body: bytes) -> Any:
        """The JSON a push carried, decrypted as a user agent would (http_ece, aes128gcm)."""
        plain = http_ece.decrypt(body, private_key=self.private, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


def verify_vapid(authorization: str, application_server_key: str) -> dict[str, Any]:
    """Check a `vapid t=..., k=...` header as a push service would; returns the JWT claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid", authorization
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    assert values["k"] == application_server_key
    header, claims, signature = values["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(application_server_key))
    public.verify(der, f"{header}.{claims}".encode("ascii"), ec.ECDSA(hashes.SHA256()))  # raises if forged
    result: dict[str, Any] = json.loads(unb64url(claims))
    return result
