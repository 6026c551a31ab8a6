"""POST /jmap/api: the JMAP API endpoint (RFC 8620 §3). Request-level errors are problem JSON."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jmap_api.deps import require_principal
from jmap_api.offload import offload
from jmap_api.problems import PROBLEM_JSON
from mailx.limits import LIMITS
from mailx.protocol.errors import RequestError
from mailx.protocol.request import check_content_type
from mailx.server import api

router = APIRouter()


def _limit_problem(detail: str) -> JSONResponse:
    error = RequestError.limit_exceeded("maxSizeRequest", detail)
    return JSONResponse(error.to_problem(), status_code=error.status, media_type=PROBLEM_JSON)


@router.post("/jmap/api", summary="JMAP API request")
async def jmap_api(request: Request) -> JSONResponse:
    principal = await offload(require_principal, request)
    try:
        check_content_type(request.headers.get("content-type"))
    except RequestError as error:
        return JSONResponse(error.to_problem(), status_code=error.status, media_type=PROBLEM_JSON)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > LIMITS.max_size_request:
        return _limit_problem(
            f"The request is {declared} octets; at most {LIMITS.max_size_request} are accepted."
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > LIMITS.max_size_request:
            return _limit_problem(f"The request exceeds {LIMITS.max_size_request} octets.")
    try:
        response = await offload(api.handle, principal, body)
    except RequestError as error:
        return JSONResponse(error.to_problem(), status_code=error.status, media_type=PROBLEM_JSON)
    return JSONResponse(response)
