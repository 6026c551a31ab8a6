"""What one HTTP request did, gathered while it runs and logged once at its end (mailx.request).

The ASGI middleware opens a record per request; code deeper down (authentication, the JMAP dispatcher)
adds what only it knows — the account, the method names and each call's outcome — through a context
variable, which Starlette copies into the worker threads that run blocking work. Only identifiers and
outcomes go in: never a credential, an argument value or message text.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_current: ContextVar[dict[str, Any] | None] = ContextVar("mailx_request_facts", default=None)


def begin() -> dict[str, Any]:
    """Start collecting for this request; the dict the middleware logs at the end."""
    facts: dict[str, Any] = {}
    _current.set(facts)
    return facts


def note(**facts: Any) -> None:
    """Record facts about the current request (ignored outside one, e.g. in a queue consumer)."""
    current = _current.get()
    if current is not None:
        current.update(facts)


def call_outcomes(method_calls: list[Any], responses: list[Any]) -> list[dict[str, str]]:
    """Per method call of a JMAP request: its name and "ok" or the method-level error type."""
    by_call: dict[str, str] = {}
    for response in responses:
        if isinstance(response, list) and len(response) == 3:
            name, args, call_id = response
            if name == "error" and isinstance(args, dict):
                by_call.setdefault(str(call_id), str(args.get("type", "error")))
            else:
                by_call.setdefault(str(call_id), "ok")
    return [{"method": c.name, "outcome": by_call.get(c.call_id, "skipped")} for c in method_calls]
