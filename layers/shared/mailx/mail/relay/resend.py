"""The Resend relay: our MIME converted to JSON and posted to `POST /emails` (Resend HTTP API).

Retries are safe because every request carries the submission id as its `Idempotency-Key`: Resend
answers a repeat within 24 hours with the first answer instead of sending again. Errors map to the
relay tiers: 429 (with its Retry-After), 5xx, 408, a concurrent idempotent request, timeouts and
connection failures are transient; any other 4xx (422 validation, 403 unverified domain, ...) is
permanent, and its message becomes the recipients' smtpReply.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from mailx.mail.relay.base import (
    OutboundMessage,
    PermanentRelayError,
    RelayError,
    RelayResult,
    TransientRelayError,
)
from mailx.mail.relay.resend_convert import to_resend

DEFAULT_API_URL = "https://api.resend.com"
DEFAULT_TIMEOUT = 10.0
MAX_IDEMPOTENCY_KEY = 256  # Resend's limit
_TRANSIENT_NAMES = frozenset({"concurrent_idempotent_requests"})


def idempotency_key(key: str) -> str:
    """The key as sent: ours when it fits Resend's 256 characters, else a stable digest of it."""
    if len(key) <= MAX_IDEMPOTENCY_KEY and key.isascii():
        return key
    return "sha256-" + hashlib.sha256(key.encode()).hexdigest()


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After value, delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _describe(body: bytes) -> tuple[str, str]:
    """(name, message) from Resend's error JSON `{statusCode, name, message}`, or the raw text."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return str(data.get("name") or "error"), str(data.get("message") or "")
    return "error", body.decode("utf-8", "replace")[:300]


def error_for(status: int, headers: Mapping[str, str], body: bytes) -> RelayError:
    """The relay error an unsuccessful answer means."""
    name, text = _describe(body)
    detail = " ".join(f"Resend answered {status} {name}: {text}".split())
    if status == 429:
        return TransientRelayError(detail, retry_after=retry_after(headers.get("retry-after")))
    if status >= 500 or status == 408 or name in _TRANSIENT_NAMES:
        return TransientRelayError(detail)
    return PermanentRelayError(detail, reply=f"554 5.0.0 {detail}"[:500])


class ResendRelay:
    """Sends through Resend's HTTP API with stdlib urllib (no SDK: nothing extra to import cold)."""

    name = "resend"

    def __init__(
        self,
        api_key: str,
        *,
        api_url: str = DEFAULT_API_URL,
        from_domain: str = "",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not api_url.startswith(("https://", "http://")):
            raise ValueError(f"RESEND_API_URL must be an http(s) URL, got {api_url!r}")
        self.api_key = api_key
        self.endpoint = api_url.rstrip("/") + "/emails"
        self.from_domain = from_domain
        self.timeout = timeout

    def send(self, message: OutboundMessage) -> RelayResult:
        """Convert, post once, and return Resend's id; raises Transient/PermanentRelayError."""
        payload = to_resend(message, from_domain=self.from_domain)
        status, headers, body = self._post(payload, idempotency_key(message.idempotency_key))
        if not 200 <= status < 300:
            raise error_for(status, headers, body)
        try:
            email_id = json.loads(body).get("id")
        except (ValueError, AttributeError):
            email_id = None
        if not isinstance(email_id, str) or not email_id:
            # A retry with the same Idempotency-Key returns the first answer, so asking again is safe.
            raise TransientRelayError(f"Resend answered {status} without an id")
        return RelayResult(email_id, tuple(message.rcpt_to))

    def _post(self, payload: dict[str, Any], key: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.endpoint,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": key,
                "User-Agent": "mailx",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, _lower(response.headers.items()), response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, _lower(exc.headers.items() if exc.headers else []), exc.read()
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            # Timeouts (TimeoutError is an OSError), refused connections, DNS, resets: all worth a retry.
            raise TransientRelayError(f"Resend unreachable: {exc}") from exc


def _lower(items: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}
