"""A real browser (Debian's headless Chromium via selenium) uses mailx from another origin.

`tests/e2e/browser/` is a static page of ours served on its own port: it signs in with Basic auth
through `fetch`, opens the session's `eventSourceUrl` with the native `EventSource` and, when a `state`
event announces new mail, shows the message's inline image through `<img src=downloadUrl>`. Neither
GET can carry an Authorization header: the access tokens in the session's templates are what lets
them through (mailx.auth.url_tokens). `make test` installs Chromium (`make browser`); where it cannot
be installed the test skips and says so.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.helpers.e2e import DOMAIN, Account, Runtime, create_account, deliver, message

pytestmark = pytest.mark.e2e

PAGE_DIR = Path(__file__).parent / "browser"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WAIT = 30.0


def png(width: int, height: int) -> bytes:
    """A valid RGB PNG of the given size, so the browser's decoded naturalWidth proves the bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x40\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def with_inline_image(to: str, image: bytes) -> EmailMessage:
    """An HTML message whose multipart/related part shows a PNG by `cid:`."""
    mail = message(to, "Picture inside", "See the picture.\n", sender=f"Pat <pat@{DOMAIN}>")
    mail.add_alternative('<p>See <img src="cid:dot@mailx.test"></p>', subtype="html")
    html = next(part for part in mail.iter_parts() if part.get_content_type() == "text/html")
    assert isinstance(html, EmailMessage)
    html.add_related(image, maintype="image", subtype="png", cid="<dot@mailx.test>", filename="dot.png")
    return mail


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def page_origin() -> Iterator[str]:
    """The static page on its own loopback port: another origin than the runtime's."""
    handler = functools.partial(_Quiet, directory=str(PAGE_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-static-page", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium through chromedriver; skipped (saying why) where either is missing."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (make install)")
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip(
            "Debian's chromium and chromium-driver are missing, and `make browser` could not install them"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=driver_path)
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def _text(driver: Any, element_id: str) -> str:
    value: str = driver.execute_script(f"return document.getElementById('{element_id}').textContent")
    return value


def _wait(driver: Any, what: str, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    page = {i: _text(driver, i) for i in ("session", "eventsource", "events", "changed", "image", "errors")}
    pytest.fail(f"timed out waiting for {what}; the page shows {page}; console: {driver.get_log('browser')}")


def test_browser_on_another_origin_gets_push_and_inline_images(
    runtime: Runtime, page_origin: str, browser: Any, tmp_path: Path
) -> None:
    account: Account = create_account(runtime, "browser")
    assert page_origin.rsplit(":", 1)[1] != str(runtime.port)  # really another origin
    query = urlencode({"session": runtime.session_url, "user": account.username, "pass": account.password})
    browser.get(f"{page_origin}/index.html?{query}")

    _wait(browser, "the sign-in", lambda: _text(browser, "session").startswith("signed in"))
    _wait(browser, "the event source to open", lambda: _text(browser, "eventsource") == "open")
    before = int(_text(browser, "events"))
    image = png(7, 3)
    deliver(runtime, account.address, with_inline_image(account.address, image), tmp=tmp_path)

    _wait(browser, "a state event after the delivery", lambda: int(_text(browser, "events")) > before)
    assert '"@type":"StateChange"' in _text(browser, "changed").replace(" ", "")
    assert '"Email"' in _text(browser, "changed")
    _wait(browser, "the inline image", lambda: _text(browser, "image") != "none")
    assert _text(browser, "image") == "loaded 7x3"
    assert _text(browser, "errors") == ""
    src: str = browser.execute_script("return document.getElementById('inline').src")
    assert src.startswith(runtime.base + "/jmap/download/") and "access_token=mxu1." in src
    # The GETs had no Authorization header and no cookie: the same URL works from a plain client.
    import httpx

    fetched = httpx.get(src)
    assert fetched.status_code == 200 and fetched.content == image
    assert fetched.headers["referrer-policy"] == "no-referrer"
    # The token opens only that GET: the API with it as a Bearer credential is refused.
    token = src.split("access_token=", 1)[1].split("&", 1)[0]
    api = httpx.post(
        f"{runtime.base}/jmap/api",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        content=b'{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{},"0"]]}',
    )
    assert api.status_code == 401
    # The runtime's access log saw both GETs, never their tokens.
    log = "".join(runtime.log)
    assert "/jmap/eventsource?" in log and "access_token=[redacted]" in log
    assert token not in log and "access_token=mxu1" not in log
