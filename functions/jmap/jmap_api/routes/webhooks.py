"""POST /webhooks/resend for the local runtime: in a deployment the HTTP API routes it to the webhook
function instead; both run mailx.mail.webhook_http.receive_resend."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jmap_api.offload import offload

router = APIRouter()


@router.post("/webhooks/resend", summary="Resend delivery webhook (svix-signed)", include_in_schema=False)
async def resend_webhook(request: Request) -> JSONResponse:
    from mailx.mail.webhook_http import receive_resend  # not at cold start: only webhooks need it

    body = await request.body()
    reply = await offload(receive_resend, body, dict(request.headers))
    return JSONResponse({"outcome": reply.outcome}, status_code=reply.status)
