"""/v0/auth: password sign-in for Bearer tokens, sign-out (revocation), and who-am-I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from jmap_api.deps import PrincipalDep, client_address
from jmap_api.openapi_docs import ACCOUNT_CREDENTIALS, STR, STRINGS, obj, responses
from jmap_api.problems import HttpProblem, too_many, unauthorized
from mailx.admin.accounts import view
from mailx.auth import tokens
from mailx.auth.authenticate import AuthFailed, AuthThrottled, verify_password_login

router = APIRouter(prefix="/v0/auth", tags=["auth"])

LOGIN = obj(
    {
        "token": STR,
        "tokenType": {"const": "Bearer"},
        "expiresIn": {"type": "integer"},
        "accountId": STR,
        "username": STR,
    }
)
ME = obj(
    {
        "accountId": STR,
        "username": STR,
        "name": STR,
        "addresses": STRINGS,
        "authMethod": {"enum": ["basic", "bearer"]},
    }
)


class LoginRequest(BaseModel):
    """Username or an assigned address, and the password."""

    username: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


@router.post(
    "/login",
    summary="Sign in with a password and get a Bearer token",
    response_model=None,
    responses=responses(200, LOGIN, 400, 401, 429),
)
def login(body: LoginRequest, request: Request) -> dict[str, Any]:
    try:
        principal = verify_password_login(body.username, body.password, client_address(request))
    except AuthThrottled as exc:
        raise too_many(exc.retry_after) from None
    except AuthFailed:
        raise unauthorized("wrong username or password") from None
    token, ttl = tokens.issue(principal.account.account_id, principal.account.password_hash)
    return {
        "token": token,
        "tokenType": "Bearer",
        "expiresIn": ttl,
        "accountId": principal.account.account_id,
        "username": principal.account.username,
    }


@router.post(
    "/logout",
    summary="Revoke the Bearer token used for this call",
    response_model=None,
    responses=responses(200, obj({"revoked": {"const": True}}), 400, 401, 429),
    openapi_extra=ACCOUNT_CREDENTIALS,
)
def logout(principal: PrincipalDep) -> dict[str, Any]:
    if principal.token is None:
        raise HttpProblem(400, "Bad Request", "logout revokes a Bearer token; this call used another scheme")
    tokens.revoke(principal.token)
    return {"revoked": True}


@router.get(
    "/me",
    summary="Describe the authenticated account",
    response_model=None,
    responses=responses(200, ME, 401, 429),
    openapi_extra=ACCOUNT_CREDENTIALS,
)
def me(principal: PrincipalDep) -> dict[str, Any]:
    account = view(principal.account)
    return {
        "accountId": account.account_id,
        "username": account.username,
        "name": account.name,
        "addresses": account.addresses,
        "authMethod": principal.method,
    }
