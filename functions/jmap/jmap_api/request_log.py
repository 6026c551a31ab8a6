"""ASGI middleware: one `request` log line and the request/error counts for every HTTP request.

The line carries the API Gateway request id (the correlation id), the HTTP method, the route family
(never the query string, which may hold a download's name or a token), status, duration, and what the
request's code noted (mailx.observe.request_log): the account and each JMAP call with its outcome.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailx.observe import metrics, request_log

logger = logging.getLogger("mailx.request")


def route_family(path: str) -> str:
    """The first two path segments (`/jmap/download`), enough to tell endpoints apart without ids."""
    return "/".join(path.split("/")[:3]) or "/"


def _request_id(scope: Scope) -> str | None:
    event = scope.get("aws.event")
    if isinstance(event, dict):
        context = event.get("requestContext") or {}
        return str(context.get("requestId") or "") or None
    return None


def _count(facts: dict[str, Any], family: str, status: int) -> None:
    calls: list[dict[str, str]] = facts.get("calls") or []
    for call in calls:
        metrics.count("Requests", method=call["method"])
        if call["outcome"] != "ok":
            metrics.count("Errors", method=call["method"])
    if not calls:
        metrics.count("Requests", method=family)
    if status >= 500 or (not calls and status >= 400):
        metrics.count("Errors", method=family)


class RequestLog:
    """Wraps the app; logs after the response (or the failure) of every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        facts = request_log.begin()
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            family = route_family(str(scope.get("path", "")))
            line: dict[str, Any] = {
                "requestId": _request_id(scope),
                "httpMethod": scope.get("method"),
                "route": family,
                "status": status,
                "durationMs": round((time.perf_counter() - started) * 1000, 1),
                **facts,
            }
            logger.info("request %s %s %d", scope.get("method"), family, status, extra=line)
            _count(facts, family, status)
