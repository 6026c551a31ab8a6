"""GET /jmap/eventsource: the push event source (RFC 8620 §7.3); the logic lives in mailx.push."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from jmap_api.deps import principal_for_get
from jmap_api.offload import offload
from jmap_api.problems import HttpProblem
from mailx.push import service
from mailx.push.eventsource import EventSourceParamError, parse_params
from mailx.push.stream import state_events

router = APIRouter()

EVENT_STREAM = "text/event-stream"
# no-cache per the SSE spec; X-Accel-Buffering stops nginx-style proxies holding frames back.
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.get("/jmap/eventsource", summary="JMAP push event source", response_model=None)
async def event_source(request: Request) -> Response:
    # Query values are read here, not as typed parameters: those make FastAPI import pydantic.v1 to
    # probe their types, ~17 ms of every cold start.
    query = request.query_params
    principal = await offload(principal_for_get, request, "eventsource")
    try:
        params = parse_params(query.get("types"), query.get("closeafter"), query.get("ping"))
    except EventSourceParamError as exc:
        raise HttpProblem(400, "Bad Request", str(exc)) from None
    policy = await offload(service.policy_for, params)
    events = state_events(
        principal.account.account_id,
        params,
        policy,
        service.reader(principal.account.account_id),
        initial=principal.account.states or None,  # sign-in just read them, strongly consistent
        last_event_id=request.headers.get("last-event-id"),
        is_disconnected=request.is_disconnected,
        sleep=service.sleeper(principal.account.account_id, policy),
    )
    if policy.buffered:
        body = "".join([chunk async for chunk in events])
        return Response(body, media_type=EVENT_STREAM, headers=HEADERS)
    return StreamingResponse(events, media_type=EVENT_STREAM, headers=HEADERS)
