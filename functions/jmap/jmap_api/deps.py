"""Dependencies shared by the routes, as Annotated aliases (tests swap them via dependency_overrides)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from jmap_api.problems import HttpProblem, too_many, unauthorized
from mailx.auth import url_tokens
from mailx.auth.authenticate import AuthFailed, AuthThrottled, Principal, authenticate
from mailx.config import get_settings


def client_address(request: Request) -> str | None:
    """The caller's address: API Gateway's sourceIp under Mangum, the socket peer under uvicorn."""
    return request.client.host if request.client else None


def require_principal(request: Request) -> Principal:
    """The authenticated account; 401 (with a challenge) or 429 otherwise."""
    try:
        return authenticate(request.headers.get("authorization"), client_address(request))
    except AuthThrottled as exc:
        raise too_many(exc.retry_after) from None
    except AuthFailed as exc:
        raise unauthorized(str(exc)) from None


def principal_for_get(request: Request, purpose: url_tokens.Purpose) -> Principal:
    """For the two browser GETs: the Authorization header if there is one, else the URL's access token.

    Only the download and event-source routes call this; every other route ignores `access_token`.
    """
    if request.headers.get("authorization"):
        return require_principal(request)
    token = request.query_params.get(url_tokens.QUERY_NAME)
    if not token:
        raise unauthorized("credentials are required")
    try:
        access = url_tokens.verify(token, purpose)
    except url_tokens.UrlTokenRefused as exc:
        raise unauthorized(str(exc)) from None
    return Principal(access.account, "url")


def optional_principal(request: Request) -> Principal | None:
    """Like require_principal, but no Authorization header at all gives None."""
    if not request.headers.get("authorization"):
        return None
    return require_principal(request)


def require_management(request: Request) -> None:
    """Management calls carry `Authorization: Bearer <MANAGEMENT_KEY>`, compared in constant time."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    expected = get_settings().management_key.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(key.strip().encode(), expected):
        raise HttpProblem(
            401,
            "Unauthorized",
            "a valid management key is required",
            headers={"WWW-Authenticate": 'Bearer realm="mailx-management"'},
        )


PrincipalDep = Annotated[Principal, Depends(require_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
ManagementDep = Annotated[None, Depends(require_management)]
