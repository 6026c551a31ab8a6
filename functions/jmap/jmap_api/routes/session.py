"""GET /.well-known/jmap and /jmap/session: the Session resource (RFC 8620 §2)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jmap_api.deps import optional_principal
from jmap_api.offload import offload
from jmap_api.problems import unauthorized
from mailx.admin.settings import effective_settings
from mailx.server.principal_session import session_for

router = APIRouter()
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate"}


def _session(request: Request) -> JSONResponse:
    principal = optional_principal(request)
    if principal is None and not effective_settings().public_session_discovery:
        raise unauthorized("credentials are required")
    return JSONResponse(session_for(principal), headers=NO_CACHE)


@router.get("/.well-known/jmap", summary="JMAP Session (well-known discovery URL)")
async def well_known(request: Request) -> JSONResponse:
    return await offload(_session, request)


@router.get("/jmap/session", summary="JMAP Session")
async def session(request: Request) -> JSONResponse:
    return await offload(_session, request)
