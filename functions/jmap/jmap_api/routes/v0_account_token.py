"""/v0/management/accounts/{id}/token: a Bearer token for one account, issued with the management key.

The operator's tools (`mailx import`, `mailx export`) act on an account's mail through the JMAP API, as
that account's own client would, without knowing its password. The token is an ordinary one (same
lifetime, revocable with /v0/auth/logout, void after a password change), so nothing new is trusted.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from jmap_api.deps import ManagementDep
from jmap_api.openapi_docs import MANAGEMENT_KEY, responses
from jmap_api.problems import HttpProblem
from jmap_api.routes.v0_auth import LOGIN as TOKEN  # the same answer as a sign-in's
from mailx.admin import accounts as admin_accounts
from mailx.auth import tokens
from mailx.store.errors import NotFound

router = APIRouter(prefix="/v0/management", tags=["management"])


@router.post(
    "/accounts/{account_id}/token",
    status_code=201,
    response_model=None,
    responses=responses(201, TOKEN, 401, 404),
    openapi_extra=MANAGEMENT_KEY,
    summary="Issue a Bearer token for an account (tools acting for it, e.g. mailx import)",
)
def issue_account_token(account_id: str, _: ManagementDep) -> dict[str, Any]:
    try:
        account = admin_accounts.resolve_account(account_id)
    except NotFound:
        raise HttpProblem(404, "Not Found", "no such account") from None
    if account.disabled:
        raise HttpProblem(404, "Not Found", "no such account (it is disabled)")
    token, ttl = tokens.issue(account.account_id, account.password_hash)
    return {
        "token": token,
        "tokenType": "Bearer",
        "expiresIn": ttl,
        "accountId": account.account_id,
        "username": account.username,
    }
