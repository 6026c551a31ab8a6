"""Capability objects for the Session (RFC 8620 §2, RFC 8621 §1.3, RFC 9404 §3.1).

Only capabilities with registered methods are advertised, so a client never sees a promise we cannot keep.
"""

from __future__ import annotations

from typing import Any

from mailx import limits
from mailx.config import get_settings
from mailx.protocol.capabilities import (
    BLOB,
    CORE,
    MAIL,
    MAILX_LIMITS,
    SUBMISSION,
    VACATION_RESPONSE,
    WEBPUSH_VAPID,
    WEBSOCKET,
)
from mailx.push import vapid
from mailx.server.method_table import registry

__all__ = ["BLOB", "account_capabilities", "server_capabilities", "supported"]

# Sort properties Email/query accepts (RFC 8621 §4.4.2: every one it names).
EMAIL_QUERY_SORT_OPTIONS: list[str] = [
    "receivedAt", "sentAt", "size", "from", "to", "subject", "hasKeyword", "allInThreadHaveKeyword",
    "someInThreadHaveKeyword",
]  # fmt: skip


def _account_capability(urn: str) -> dict[str, Any]:
    if urn == MAIL:
        return {
            "maxMailboxesPerEmail": limits.MAX_MAILBOXES_PER_EMAIL,
            "maxMailboxDepth": limits.MAX_MAILBOX_DEPTH,
            "maxSizeMailboxName": limits.MAX_SIZE_MAILBOX_NAME,
            "maxSizeAttachmentsPerEmail": limits.MAX_SIZE_ATTACHMENTS_PER_EMAIL,
            "emailQuerySortOptions": list(EMAIL_QUERY_SORT_OPTIONS),
            "mayCreateTopLevelMailbox": True,
        }
    if urn == BLOB:
        return {
            "maxSizeBlobSet": limits.MAX_SIZE_BLOB_SET,
            "maxDataSources": limits.MAX_DATA_SOURCES,
            "supportedTypeNames": ["Mailbox", "Thread", "Email"],  # what Blob/lookup answers for
            "supportedDigestAlgorithms": ["sha", "sha-256"],
        }
    if urn == SUBMISSION:
        from mailx.methods.email_submission._rules import account_capability

        return account_capability()
    if urn == VACATION_RESPONSE:
        return {}  # RFC 8621 §1.3.3: the account capability has no properties
    return {}


def supported() -> set[str]:
    """URNs a client may name in `using`: core plus every capability with methods."""
    return {CORE, MAILX_LIMITS, WEBPUSH_VAPID, *registry().capabilities()}


def server_capabilities(websocket_token: str | None = None) -> dict[str, dict[str, Any]]:
    """Session-level capability objects except core (which carries the RFC's limits); mailx's own
    limits (docs/security.md, "Resource bounds") under MAILX_LIMITS; the WebSocket URL carrying
    WEBSOCKET_TOKEN when given."""
    found: dict[str, dict[str, Any]] = {
        urn: {} for urn in sorted(supported()) if urn not in (CORE, MAILX_LIMITS, WEBPUSH_VAPID)
    }
    # RFC 9749 §3: the VAPID public key push services will see on our requests (computed once).
    webpush = {"applicationServerKey": vapid.application_server_key()}
    websocket = _websocket_capability(websocket_token)
    return {
        **found,
        MAILX_LIMITS: limits.advertised(),
        WEBPUSH_VAPID: webpush,
        **({WEBSOCKET: websocket} if websocket else {}),
    }


def _websocket_capability(access_token: str | None) -> dict[str, Any] | None:
    """RFC 8887 §3's capability when this deployment has a WebSocket URL; the URL carries ACCESS_TOKEN
    (a `websocket` URL token) so a browser's WebSocket, which cannot set headers, can authenticate."""
    url = get_settings().websocket_url.strip()
    if not url:
        return None
    if access_token:
        url += ("&" if "?" in url else "?") + f"access_token={access_token}"
    return {"url": url, "supportsPush": True}


def account_capabilities() -> dict[str, dict[str, Any]]:
    """Per-account capability objects for a personal, writable account."""
    no_account = (CORE, MAILX_LIMITS, WEBPUSH_VAPID)
    return {urn: _account_capability(urn) for urn in sorted(supported()) if urn not in no_account}
