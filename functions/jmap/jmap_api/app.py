"""The FastAPI application: routers, CORS and the one place that maps exceptions to responses.

The `/v0` login and management routers (and the OpenAPI document that describes them) are included
on the first request that needs them: their pydantic models cost ~35 ms to import and build, which a
cold Lambda answering a JMAP client should not pay.
"""

from __future__ import annotations

import logging
import threading
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jmap_api.openapi_docs import truthful
from jmap_api.problems import HttpProblem, problem
from jmap_api.request_log import RequestLog
from jmap_api.routes import api, blobs, eventsource, session, webhooks
from mailx.config import get_settings

logger = logging.getLogger("mailx.http")


class LazyCors:
    """CORS whose allowed origins come from Settings on the first request, not at import."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inner: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.inner is None:
            self.inner = CORSMiddleware(
                self.app,
                allow_origins=list(get_settings().cors_allow_origins),
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type", "Accept", "Last-Event-ID", "Cache-Control"],
                expose_headers=["Content-Disposition", "Content-Length", "Retry-After", "WWW-Authenticate"],
                max_age=3600,
            )
        await self.inner(scope, receive, send)


class NoReferrer:
    """`Referrer-Policy: no-referrer` on every response: download and event-source URLs carry access
    tokens (mailx.auth.url_tokens), and a page or document reached from one must not pass it on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"referrer-policy", b"no-referrer")]
            await send(message)

        await self.app(scope, receive, send_with_policy)


async def _http_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HttpProblem)
    return exc.response()


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
    return problem(400, "Bad Request", details or "invalid request body")


async def _starlette_http(_: Request, exc: Exception) -> JSONResponse:
    """Framework-raised HTTP errors (unparseable body, unknown route, wrong method) as problem JSON too."""
    assert isinstance(exc, HTTPException)
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    return problem(exc.status_code, title, str(exc.detail), headers=dict(exc.headers or {}))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    from mailx.store.errors import is_unavailable

    if is_unavailable(exc):  # DynamoDB throttled through every retry, e.g. while signing in
        logger.warning("store unavailable: %s", type(exc).__name__)
        return problem(
            503, "Service Unavailable", "the store is busy; try again shortly", headers={"Retry-After": "1"}
        )
    logger.exception("unhandled error", exc_info=exc)
    return problem(500, "Internal Server Error", "an unexpected error occurred; it has been logged")


# Paths that need the /v0 routers: the routes themselves and FastAPI's documentation pages.
_V0_PATHS = ("/v0/", "/openapi.json", "/docs", "/redoc")


class MailxApp(FastAPI):
    """FastAPI with the /v0 routers included on first use (a request under /v0, or openapi())."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._v0_lock = threading.Lock()
        self._v0_included = False

    def include_v0(self) -> None:
        """Add the login, management and submission-events routers (once, thread-safe)."""
        if self._v0_included:
            return
        with self._v0_lock:
            if self._v0_included:
                return
            from jmap_api.routes import v0_account_token, v0_auth, v0_management, v0_submissions

            for module in (v0_auth, v0_management, v0_submissions, v0_account_token):
                self.include_router(module.router)
            self.openapi_schema = None
            self._v0_included = True

    def openapi(self) -> dict[str, Any]:
        """FastAPI's document with the /v0 routes, made truthful (openapi_docs.truthful)."""
        self.include_v0()
        return truthful(super().openapi)()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._v0_included and str(scope.get("path", "")).startswith(_V0_PATHS):
            self.include_v0()
        await super().__call__(scope, receive, send)


def create_app() -> MailxApp:
    """A new application instance (cheap: no AWS clients, no settings read, no /v0 models yet)."""
    app = MailxApp(
        title="mailx", version="0.1.0", description="JMAP mail server: session, API, blobs, /v0 admin"
    )
    app.add_exception_handler(HttpProblem, _http_problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _starlette_http)
    app.add_exception_handler(Exception, _unexpected)
    for module in (session, api, blobs, eventsource, webhooks):
        app.include_router(module.router)
    app.add_middleware(NoReferrer)
    app.add_middleware(LazyCors)
    app.add_middleware(RequestLog)  # outermost: sees every status, CORS preflights included
    return app


app = create_app()
