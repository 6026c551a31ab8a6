"""The Session resource for an authenticated principal (RFC 8620 §2)."""

from __future__ import annotations

from typing import Any

from mailx.admin.settings import effective_settings
from mailx.auth import url_tokens
from mailx.auth.authenticate import Principal
from mailx.limits import LIMITS
from mailx.protocol.session import SessionAccount, build_session
from mailx.server import capability_values


def session_for(principal: Principal | None) -> dict[str, Any]:
    """The Session object; None gives the public-discovery shape (no accounts, empty username)."""
    accounts = []
    username = ""
    grants: dict[str, str] = {}
    if principal is not None:
        account = principal.account
        username = account.username
        token_id = principal.token.token_id if principal.token is not None else None
        grants = {purpose: url_tokens.issue(account, purpose, token_id) for purpose in url_tokens.PURPOSES}
        accounts.append(
            SessionAccount(
                account.account_id, account.name or account.username, capability_values.account_capabilities()
            )
        )
    return build_session(
        base_url=effective_settings().base_url,
        username=username,
        limits=LIMITS,
        server_capabilities=capability_values.server_capabilities(grants.get("websocket")),
        accounts=accounts,
        url_tokens=grants,
    )
