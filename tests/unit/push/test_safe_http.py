"""The SSRF rules for push URLs (mailx.push.safe_http): what is refused after resolution, and how a
checked request behaves against a real loopback server (pinned address, no redirects, bounded reads)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mailx.push import safe_http
from mailx.push.safe_http import RefusedUrl, check_url


def resolver(*answers: str) -> safe_http.Resolver:
    return lambda host, port: list(answers)


PUBLIC = resolver("93.184.216.34")


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),  # unique local
        ("100.64.0.1", "CGNAT"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "reserved"),
        ("240.0.0.1", "reserved"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
        ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
    ],
)
def test_hostnames_resolving_to_non_public_addresses_are_refused(address: str, why: str) -> None:
    with pytest.raises(RefusedUrl, match=why):
        check_url("https://push.example.com/x", allow_loopback=False, resolve=resolver(address))


@pytest.mark.parametrize(
    "url", ["https://10.0.0.1/", "https://[::1]:8443/", "https://169.254.169.254/latest"]
)
def test_literal_addresses_are_checked_without_dns(url: str) -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError("a literal address needs no resolution")

    with pytest.raises(RefusedUrl):
        check_url(url, allow_loopback=False, resolve=no_dns)


def test_one_private_answer_among_public_ones_refuses_the_url() -> None:
    with pytest.raises(RefusedUrl, match="private"):
        check_url(
            "https://push.example.com/", allow_loopback=False, resolve=resolver("93.184.216.34", "10.1.1.1")
        )


def test_a_public_https_url_is_accepted_and_pinned_to_its_address() -> None:
    target = check_url("https://push.example.com:8443/a/b?c=d", allow_loopback=False, resolve=PUBLIC)
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "push.example.com",
        8443,
        "/a/b?c=d",
        "93.184.216.34",
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://push.example.com/", "https"),  # http to a public address: never
        ("ftp://push.example.com/", "https"),
        ("/relative", "https"),
        ("https://user:pw@push.example.com/", "credentials"),
        ("https://push.example.com/a b", "spaces"),
        ("https://push.example.com:99999/", "malformed"),
        ("https://" + "a" * 3000 + ".com/", "longer"),
    ],
)
def test_malformed_and_non_https_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(RefusedUrl, match=why):
        check_url(url, allow_loopback=True, resolve=PUBLIC)


def test_loopback_is_allowed_only_with_the_local_setting_and_then_over_http_too() -> None:
    with pytest.raises(RefusedUrl, match="loopback"):
        check_url("http://127.0.0.1:9/", allow_loopback=False)
    assert check_url("http://127.0.0.1:9/", allow_loopback=True).address == "127.0.0.1"
    assert (
        check_url("https://localhost.test/", allow_loopback=True, resolve=resolver("127.0.0.1")).port == 443
    )
    with pytest.raises(RefusedUrl, match="private"):  # the setting opens loopback, nothing else
        check_url("http://10.0.0.1/", allow_loopback=True)


def test_a_host_that_does_not_resolve_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def nxdomain(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nxdomain)
    with pytest.raises(RefusedUrl, match="does not resolve"):
        check_url("https://nowhere.example/", allow_loopback=False)
    with pytest.raises(RefusedUrl, match="does not resolve"):
        check_url("https://nowhere.example/", allow_loopback=False, resolve=resolver())


# A real server on loopback for what happens on the wire.


class _Handler(BaseHTTPRequestHandler):
    mode = "ok"
    seen: list[tuple[str, str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).seen.append((self.path, self.headers.get("Host", ""), body))
        if self.mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.mode == "huge":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"x" * (1 << 20))
        elif self.mode == "slow":
            time.sleep(2)
        elif self.mode == "drip":  # a header line every 0.1 s: no single read ever times out
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(30):
                time.sleep(0.1)
                try:
                    self.wfile.write(b"X-Drip: 1\r\n")
                    self.wfile.flush()
                except OSError:
                    return
        else:
            self.send_response(201)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"seen": [], "mode": "ok"})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], handler
    httpd.shutdown()
    httpd.server_close()


def test_the_connection_goes_to_the_checked_address_with_the_urls_host(
    server: tuple[int, type[_Handler]],
) -> None:
    port, handler = server
    # push.example.test resolves nowhere on this machine: the request reaches the server only because it
    # connects to the address that was checked, never resolving again (no DNS-rebinding window)
    target = check_url(
        f"http://push.example.test:{port}/p?q=1", allow_loopback=True, resolve=resolver("127.0.0.1")
    )
    response = safe_http.post(target, b'{"a":1}', {"Content-Type": "application/json"})
    assert (response.status, response.body) == (201, b"ok")
    assert handler.seen == [("/p?q=1", f"push.example.test:{port}", b'{"a":1}')]


def test_redirects_are_returned_not_followed(server: tuple[int, type[_Handler]]) -> None:
    port, handler = server
    handler.mode = "redirect"
    response = safe_http.post(check_url(f"http://127.0.0.1:{port}/", allow_loopback=True), b"{}", {})
    assert response.status == 302
    assert len(handler.seen) == 1


def test_at_most_a_few_kilobytes_of_the_answer_are_read(server: tuple[int, type[_Handler]]) -> None:
    port, handler = server
    handler.mode = "huge"
    response = safe_http.post(check_url(f"http://127.0.0.1:{port}/", allow_loopback=True), b"{}", {})
    assert response.status == 200
    assert len(response.body) == safe_http.MAX_RESPONSE_BYTES


def test_a_slow_server_times_out(server: tuple[int, type[_Handler]], monkeypatch: pytest.MonkeyPatch) -> None:
    port, handler = server
    handler.mode = "slow"
    monkeypatch.setattr(safe_http, "READ_TIMEOUT_SECONDS", 0.3)
    started = time.monotonic()
    with pytest.raises(safe_http.PushTransportError):
        safe_http.post(check_url(f"http://127.0.0.1:{port}/", allow_loopback=True), b"{}", {})
    assert time.monotonic() - started < 1.5


def test_a_server_dripping_its_answer_is_cut_off_at_the_total_time(
    server: tuple[int, type[_Handler]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, handler = server
    handler.mode = "drip"
    monkeypatch.setattr(safe_http, "TOTAL_TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(safe_http.PushTransportError):
        safe_http.post(check_url(f"http://127.0.0.1:{port}/", allow_loopback=True), b"{}", {})
    assert time.monotonic() - started < 1.5


def test_nothing_listening_is_a_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(safe_http.PushTransportError):
        safe_http.post(check_url(f"http://127.0.0.1:{port}/", allow_loopback=True), b"{}", {})
