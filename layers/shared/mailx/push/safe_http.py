"""Outbound push requests to client-given URLs, guarded against server-side request forgery.

A PushSubscription URL comes from a client, so every request to it (the verification and each
StateChange) goes through here: https only (http only to loopback, and loopback at all only when the
local runtime allows it), the host resolved once and every address checked (no private, loopback,
link-local, unique-local, multicast, shared-address (CGNAT), reserved or cloud-metadata address), the
connection made to the checked address itself (so a second, rebinding DNS answer is never used), no
redirect followed, short timeouts (each step and the whole request), and at most MAX_RESPONSE_BYTES
of the answer read.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 5.0  # per socket operation
TOTAL_TIMEOUT_SECONDS = 8.0  # the whole request: a server dripping bytes cannot hold us longer
MAX_RESPONSE_BYTES = 4096
MAX_URL_LENGTH = 2048

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses it resolves to; tests replace it to simulate DNS answers.
Resolver = Callable[[str, int], list[str]]

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT


class RefusedUrl(ValueError):
    """The URL may not be requested; the message says why (it is shown to the client)."""


class PushTransportError(Exception):
    """The request did not complete (connect, TLS, timeout): worth a retry."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the resolved, allowed address) and what to ask for."""

    scheme: str
    host: str  # as in the URL: the TLS server name and the Host header
    port: int
    path: str  # path and query
    address: str  # the checked IP address the connection goes to


@dataclass(frozen=True)
class PushResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes  # at most MAX_RESPONSE_BYTES


def system_resolver(host: str, port: int) -> list[str]:
    """Every address HOST resolves to (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedUrl(f"the host {host!r} does not resolve") from exc
    return [str(info[4][0]) for info in infos]


def refusal(address: IpAddress, *, allow_loopback: bool) -> str | None:
    """Why ADDRESS may not be contacted, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return refusal(mapped, allow_loopback=allow_loopback)
    if address in _METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address"
    if address in _SHARED:
        return "a shared (CGNAT) address"
    if address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a reserved address"
    return None


def check_url(url: str, *, allow_loopback: bool, resolve: Resolver = system_resolver) -> Target:
    """The Target for URL, or RefusedUrl saying why it may not be requested."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedUrl(f"the URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in ("https", "http") or not host:
        raise RefusedUrl("the URL must be an absolute https:// URL")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("the URL must not carry credentials")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise RefusedUrl("the URL must not contain spaces or control characters")
    port = port or (443 if scheme == "https" else 80)
    addresses = _addresses(host, port, resolve)
    for address in addresses:
        why = refusal(address, allow_loopback=allow_loopback)
        if why is not None:
            raise RefusedUrl(f"{host} resolves to {address}, {why}")
    if scheme == "http" and not all(a.is_loopback for a in addresses):
        raise RefusedUrl("the URL must begin with https:// (http is allowed only to loopback, locally)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


def _addresses(host: str, port: int, resolve: Resolver) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    found = []
    for text in resolve(host, port):
        try:
            found.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            raise RefusedUrl(f"{host} resolves to something that is not an address") from None
    if not found:
        raise RefusedUrl(f"the host {host!r} does not resolve")
    return found


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to a fixed address, verifying the certificate against the URL's host name."""

    def __init__(self, target: Target, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=READ_TIMEOUT_SECONDS, context=context)
        self._target = target
        self._context = context

    def connect(self) -> None:
        raw = socket.create_connection((self._target.address, self._target.port), CONNECT_TIMEOUT_SECONDS)
        raw.settimeout(READ_TIMEOUT_SECONDS)
        self.sock = self._context.wrap_socket(raw, server_hostname=self._target.host)


class _PinnedHttp(http.client.HTTPConnection):
    """Plain HTTP to a fixed (loopback) address."""

    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=READ_TIMEOUT_SECONDS)
        self._target = target

    def connect(self) -> None:
        self.sock = socket.create_connection(
            (self._target.address, self._target.port), CONNECT_TIMEOUT_SECONDS
        )
        self.sock.settimeout(READ_TIMEOUT_SECONDS)


def post(target: Target, body: bytes, headers: Mapping[str, str]) -> PushResponse:
    """POST BODY to a checked TARGET; a 3xx is returned as is (never followed).

    Raises PushTransportError when no answer came (refused, reset, TLS failure, timeout).
    """
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHttps(target, ssl.create_default_context())
    else:
        connection = _PinnedHttp(target)
    aborted = threading.Event()
    watchdog = threading.Timer(TOTAL_TIMEOUT_SECONDS, _abort, (connection, aborted))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers=dict(headers))
        response = connection.getresponse()
        data = response.read(MAX_RESPONSE_BYTES)
        status, answer_headers = response.status, {k.lower(): v for k, v in response.getheaders()}
    except (OSError, http.client.HTTPException) as exc:
        raise PushTransportError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        watchdog.cancel()
        connection.close()
    if aborted.is_set():  # what was read before the cut may look like a whole answer; it is not one
        raise PushTransportError(f"no complete answer within {TOTAL_TIMEOUT_SECONDS} s")
    return PushResponse(status=status, headers=answer_headers, body=data)


def _abort(connection: http.client.HTTPConnection, aborted: threading.Event) -> None:
    """End a request past its total time: shutting the socket down wakes the blocked read."""
    aborted.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
