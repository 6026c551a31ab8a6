"""HTTP error bodies: RFC 7807 problem JSON for every non-JMAP-method failure."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"
AUTH_CHALLENGE = 'Basic realm="mailx", charset="UTF-8", Bearer realm="mailx"'


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": type_, "status": status, "title": title, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class HttpProblem(Exception):
    """Raised by dependencies and routes; the app turns it into problem JSON."""

    def __init__(
        self, status: int, title: str, detail: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return problem(self.status, self.title, self.detail, headers=self.headers)


def unauthorized(detail: str) -> HttpProblem:
    return HttpProblem(401, "Unauthorized", detail, headers={"WWW-Authenticate": AUTH_CHALLENGE})


def too_many(retry_after: int) -> HttpProblem:
    return HttpProblem(
        429,
        "Too Many Requests",
        "too many failed sign-ins; try again later",
        headers={"Retry-After": str(max(1, retry_after))},
    )
