"""RFC 8620 §2: the Session resource, built from plain data so it tests without storage or HTTP."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailx.protocol.capabilities import CORE
from mailx.protocol.limits import CoreLimits


@dataclass(frozen=True)
class SessionAccount:
    """One account the user can access, with the per-account capability objects."""

    account_id: str
    name: str
    capabilities: Mapping[str, Mapping[str, Any]]
    is_personal: bool = True
    is_read_only: bool = False


def _template_urls(base_url: str, url_tokens: Mapping[str, str]) -> dict[str, str]:
    """The four URLs; the two GET templates carry their access token when one is given."""

    def token(purpose: str) -> str:
        value = url_tokens.get(purpose)
        return f"&access_token={value}" if value else ""

    return {
        "apiUrl": f"{base_url}/jmap/api",
        "downloadUrl": (
            f"{base_url}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?type={{type}}{token('download')}"
        ),
        "uploadUrl": f"{base_url}/jmap/upload/{{accountId}}/",
        "eventSourceUrl": (
            f"{base_url}/jmap/eventsource?types={{types}}&closeafter={{closeafter}}&ping={{ping}}"
            f"{token('eventsource')}"
        ),
    }


def build_session(
    *,
    base_url: str,
    username: str,
    limits: CoreLimits,
    server_capabilities: Mapping[str, Mapping[str, Any]],
    accounts: Sequence[SessionAccount],
    url_tokens: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Session object. URLs are absolute (clients break on relative ones); every field is present.

    URL_TOKENS maps `download` and `eventsource` to the access token their template carries, for
    browsers that cannot send an Authorization header on those GETs (mailx.auth.url_tokens).

    `state` is a digest of everything else, so it changes exactly when the session changes.
    """
    capabilities: dict[str, Any] = {CORE: limits.to_capability()}
    for urn in sorted(server_capabilities):
        if urn != CORE:
            capabilities[urn] = dict(server_capabilities[urn])
    account_objects = {
        a.account_id: {
            "name": a.name,
            "isPersonal": a.is_personal,
            "isReadOnly": a.is_read_only,
            "accountCapabilities": {urn: dict(value) for urn, value in sorted(a.capabilities.items())},
        }
        for a in accounts
    }
    # Core has no account capability, but some clients look up primaryAccounts[core] to find "the"
    # account (docs/architecture.md, "Compatibility rules"); naming the first account there is harmless.
    # The same holds for a server capability without account data (mailx's limits).
    primary: dict[str, str] = {urn: accounts[0].account_id for urn in capabilities} if accounts else {}
    for a in accounts:
        for urn in a.capabilities:
            primary.setdefault(urn, a.account_id)
    session: dict[str, Any] = {
        "capabilities": capabilities,
        "accounts": account_objects,
        "primaryAccounts": primary,
        "username": username,
        **_template_urls(base_url.rstrip("/"), url_tokens or {}),
    }
    digest = hashlib.sha256(json.dumps(session, sort_keys=True).encode()).hexdigest()
    session["state"] = digest[:16]
    return session
