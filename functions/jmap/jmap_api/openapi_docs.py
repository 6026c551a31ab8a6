"""What the /v0 routes answer, as OpenAPI: bodies, problem statuses, headers and credentials.

Plain JSON-schema dicts, not pydantic response models: they cost nothing at import (cold start) and the
routes keep returning plain dicts. tests/fuzz/test_v0_schemathesis.py holds the app to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jmap_api.problems import PROBLEM_JSON

JsonSchema = dict[str, Any]

PROBLEM: JsonSchema = {
    "type": "object",
    "description": "RFC 7807 problem details",
    "required": ["type", "status", "title", "detail"],
    "properties": {
        "type": {"type": "string"},
        "status": {"type": "integer"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "limit": {"type": "string", "description": "the JMAP limit exceeded (RFC 8620 §3.6.1)"},
    },
}

_WHY = {
    400: "The body, a parameter or the credential scheme is not acceptable (`detail` says why)",
    401: "Missing or wrong credentials",
    403: "A reserved configuration key",
    404: "No such object",
    409: "The name or address is already in use",
    413: "The message is larger than the limit",
    429: "Too many failed sign-ins from this account or address",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    429: {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}, "required": True}},
}


def obj(properties: dict[str, JsonSchema], *, closed: bool = True) -> JsonSchema:
    """An object with every listed property present; CLOSED refuses others so drift shows up."""
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": not closed,
    }


STR: JsonSchema = {"type": "string"}
NULLABLE_STR: JsonSchema = {"anyOf": [{"type": "string"}, {"type": "null"}]}
STRINGS: JsonSchema = {"type": "array", "items": STR}
STR_MAP: JsonSchema = {"type": "object", "additionalProperties": STR}

ACCOUNT = obj(
    {
        "accountId": STR,
        "username": STR,
        "name": STR,
        "disabled": {"type": "boolean"},
        "addresses": STRINGS,
        "createdAt": {"type": "integer"},
    }
)
DOMAIN = obj(
    {
        "domain": STR,
        "source": {"enum": ["deployment", "stored"]},
        "postmasterAccountId": NULLABLE_STR,
        "catchAllAccountId": NULLABLE_STR,
    }
)
CONFIG = obj(
    {
        "config": {
            "type": "object",
            "additionalProperties": obj(
                {
                    "value": STR,
                    "source": {"enum": ["deployment", "stored"]},
                    "mutable": {"enum": ["true", "false"]},
                }
            ),
        }
    }
)


def responses(ok: int, body: JsonSchema | None, *problems: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: its success body (None: no content) and the problem statuses it can give."""
    documented: dict[int | str, dict[str, Any]] = {}
    if body is not None:
        documented[ok] = {"content": {"application/json": {"schema": body}}}
    for status in problems:
        documented[status] = {
            "description": _WHY[status],
            "content": {PROBLEM_JSON: {"schema": PROBLEM}},
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
    return documented


# Security requirements, per route (`openapi_extra=`); the schemes are declared once by `truthful`.
MANAGEMENT_KEY: dict[str, Any] = {"security": [{"managementKey": []}]}
ACCOUNT_CREDENTIALS: dict[str, Any] = {"security": [{"basicAuth": []}, {"bearerToken": []}]}
SECURITY_SCHEMES = {
    "managementKey": {"type": "http", "scheme": "bearer", "description": "the deployment's MANAGEMENT_KEY"},
    "basicAuth": {"type": "http", "scheme": "basic", "description": "username or address, and password"},
    "bearerToken": {"type": "http", "scheme": "bearer", "description": "an `mx1.` token from /v0/auth/login"},
}


def truthful(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's generator: drop the 422 it documents (the app answers 400 problem JSON instead,
    see app._validation) and declare the credential schemes the routes name."""

    def openapi() -> dict[str, Any]:
        schema = build()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                answers = operation.setdefault("responses", {})
                if answers.pop("422", None) is not None and "400" not in answers:
                    answers["400"] = responses(400, None, 400)[400]
        components = schema.setdefault("components", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.get("schemas", {}).pop(name, None)
        components["securitySchemes"] = SECURITY_SCHEMES
        return schema

    return openapi
