"""Dependencies shared by the routes, as Annotated aliases (tests swap them via dependency_overrides)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from jmap_api.problems import HttpProblem, too_many, unauthorized
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
