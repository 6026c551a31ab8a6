"""The FastAPI application: routers, CORS and the one place that maps exceptions to responses."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from jmap_api.openapi_docs import truthful
from jmap_api.problems import HttpProblem, problem
from jmap_api.routes import api, blobs, eventsource, session, v0_auth, v0_management, v0_submissions
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
    logger.exception("unhandled error", exc_info=exc)
    return problem(500, "Internal Server Error", "an unexpected error occurred; it has been logged")


def create_app() -> FastAPI:
    """A new application instance (cheap: no AWS clients, no settings read)."""
    app = FastAPI(
        title="mailx", version="0.1.0", description="JMAP mail server: session, API, blobs, /v0 admin"
    )
    app.add_exception_handler(HttpProblem, _http_problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _starlette_http)
    app.add_exception_handler(Exception, _unexpected)
    for module in (session, api, blobs, eventsource, v0_auth, v0_management, v0_submissions):
        app.include_router(module.router)
    app.add_middleware(LazyCors)
    app.openapi = truthful(app.openapi)  # type: ignore[method-assign]
    return app


app = create_app()
