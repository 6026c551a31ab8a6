"""A small HTTP client for /v0 (stdlib urllib only, so the command needs nothing beyond the package)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from mailx.local import paths

DEFAULT_URL = f"http://{paths.LOCAL_HOST}:{paths.DEFAULT_PORT}"
URL_ENV = "MAILX_URL"
KEY_ENV = "MAILX_MANAGEMENT_KEY"
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class CliError(Exception):
    """A failure to report to the user; exit_code says what kind, data what to print with it (--json)."""

    exit_code = 1
    kind = "failed"
    data: Any = None

    def to_json(self) -> dict[str, Any]:
        """The error as `--json` prints it on stdout."""
        error: dict[str, Any] = {"type": self.kind, "message": str(self), "exitCode": self.exit_code}
        status = getattr(self, "status", None)
        if status is not None:
            error.update(status=status, detail=getattr(self, "detail", ""))
        answer: dict[str, Any] = {"error": error}
        if self.data is not None:
            answer["results"] = self.data
        return answer


class UsageError(CliError):
    """The command line or the environment is incomplete (nothing was sent)."""

    exit_code = 2
    kind = "usage"


class ApiError(CliError):
    """The server answered with an error status; detail is the problem JSON's `detail`."""

    kind = "refused"

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"HTTP {status} {title}: {detail}" if detail else f"HTTP {status} {title}")
        self.status = status
        self.detail = detail


class Unreachable(CliError):
    """No HTTP answer at all (nothing listening, DNS, TLS)."""

    exit_code = 3
    kind = "unreachable"


def check_url(url: str) -> str:
    """The base URL without a trailing slash; only http and https are accepted."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"--url must be an http:// or https:// URL, got {url!r}")
    return url.rstrip("/")


def is_local(url: str) -> bool:
    return (urllib.parse.urlsplit(url).hostname or "") in _LOCAL_HOSTS


def find_key(url: str, explicit: str | None) -> str | None:
    """--key, else MAILX_MANAGEMENT_KEY, else (for a loopback URL) the local runtime's key file."""
    if explicit:
        return explicit
    from_env = os.environ.get(KEY_ENV, "").strip()
    if from_env:
        return from_env
    if is_local(url):
        return paths.read_text(paths.data_dir(), paths.MANAGEMENT_KEY_FILE)
    return None


def segment(value: str) -> str:
    """One path segment, every reserved character escaped (addresses carry '@', '+', '/')."""
    return urllib.parse.quote(value, safe="")


def _problem(status: int, reason: str, raw: bytes) -> ApiError:
    try:
        body = json.loads(raw)
    except ValueError:
        return ApiError(status, reason, raw.decode("utf-8", "replace")[:200].strip())
    if isinstance(body, dict):
        return ApiError(status, str(body.get("title") or reason), str(body.get("detail") or ""))
    return ApiError(status, reason, "")


class Api:
    """Calls to one deployment; the management key is looked up only by calls that need it."""

    def __init__(self, url: str, key: Callable[[], str | None], timeout: float = 30.0) -> None:
        self.url = check_url(url)
        self._key = key
        self.timeout = timeout

    def _authorization(self) -> str:
        key = self._key()
        if not key:
            raise UsageError(
                f"no management key for {self.url}: pass --key or set {KEY_ENV}"
                + ("" if not is_local(self.url) else f" (none found in {paths.data_dir()})")
            )
        return f"Bearer {key}"

    def call(self, method: str, path: str, body: Any = None, *, management: bool = True) -> Any:
        """Send one request; the decoded JSON answer (None for 204), or ApiError / Unreachable."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if management:
            headers["Authorization"] = self._authorization()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            # The scheme was checked in check_url: only http(s) reaches urlopen.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise _problem(exc.code, str(exc.reason), exc.read()) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            hint = " (is `make dev` running?)" if is_local(self.url) else ""
            raise Unreachable(f"cannot reach {self.url}: {reason}{hint}") from None
        return json.loads(raw) if raw else None
