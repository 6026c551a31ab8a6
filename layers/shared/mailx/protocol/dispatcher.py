"""RFC 8620 §3.3-3.7: run a Request's method calls in order and build the Response object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mailx.errors import Unavailable
from mailx.protocol.context import CallContext, RequestContext
from mailx.protocol.errors import (
    SERVER_FAIL,
    SERVER_UNAVAILABLE,
    UNKNOWN_METHOD,
    MethodError,
    RequestError,
)
from mailx.protocol.limits import CoreLimits
from mailx.protocol.references import resolve_references
from mailx.protocol.registry import MethodOutput, MethodSpec, Registry
from mailx.protocol.request import Invocation, Request

ServerFailHook = Callable[[str, str, BaseException], None]

# Sent instead of the exception: its text may hold internals (paths, keys, other users' data).
SERVER_FAIL_DESCRIPTION = "An unexpected error occurred while processing this call; it has been logged."
SERVER_UNAVAILABLE_DESCRIPTION = "The service is busy; nothing was changed. Try again after a short wait."


def check_size(body: bytes, limits: CoreLimits) -> None:
    """Reject a body over maxSizeRequest before parsing it (RFC 8620 §3.6.1 `limit`)."""
    if len(body) > limits.max_size_request:
        raise RequestError.limit_exceeded(
            "maxSizeRequest",
            f"The request is {len(body)} octets; this server accepts at most {limits.max_size_request}.",
        )


def check_calls(request: Request, limits: CoreLimits) -> None:
    """Reject a request with more method calls than maxCallsInRequest, before running any."""
    if len(request.method_calls) > limits.max_calls_in_request:
        raise RequestError.limit_exceeded(
            "maxCallsInRequest",
            f"The request has {len(request.method_calls)} method calls; "
            f"this server accepts at most {limits.max_calls_in_request}.",
        )


def _normalise(name: str, output: MethodOutput) -> list[list[Any]]:
    if isinstance(output, dict):
        return [[name, output]]
    if isinstance(output, list) and all(
        isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], dict)
        for item in output
    ):
        return [[response_name, arguments] for response_name, arguments in output]
    raise TypeError(f"handler for {name} returned {type(output).__name__}, not a MethodOutput")


def _lookup(registry: Registry, ctx: RequestContext, name: str) -> MethodSpec:
    spec = registry.get(name)
    # RFC 8620 §1.8/§3.6.2: a method whose capability the client did not opt into is unknown.
    if spec is None or spec.capability not in ctx.using:
        raise MethodError(UNKNOWN_METHOD, f"unknown method {name!r} for the capabilities in 'using'")
    return spec


def _run_call(
    invocation: Invocation, registry: Registry, ctx: RequestContext, responses: list[list[Any]]
) -> list[list[Any]]:
    spec = _lookup(registry, ctx, invocation.name)
    arguments = resolve_references(invocation.arguments, responses)
    call = CallContext(
        request=ctx,
        call_id=invocation.call_id,
        method_name=spec.name,
        capability=spec.capability,
        writes=spec.writes,
    )
    if spec.needs_account:
        call.account(arguments)
        if spec.name.endswith("/copy"):  # RFC 8620 §5.4: the account copied from
            call.from_account(arguments)
    produced = _normalise(spec.name, spec.handler(call, arguments))
    if spec.writes:
        _record_created(ctx, produced)
    return produced


def _record_created(ctx: RequestContext, produced: list[list[Any]]) -> None:
    """RFC 8620 §5.3: every creation a call reports (in its own and any implicit response) may be
    referenced as `#creationId` by later calls; the latest creation of an id wins."""
    for _, arguments in produced:
        created = arguments.get("created")
        if isinstance(created, dict):
            for creation_id, obj in created.items():
                if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                    ctx.created_ids[creation_id] = obj["id"]


def _server_error(exc: Exception) -> dict[str, str]:
    if isinstance(exc, Unavailable):
        return {"type": SERVER_UNAVAILABLE, "description": SERVER_UNAVAILABLE_DESCRIPTION}
    return {"type": SERVER_FAIL, "description": SERVER_FAIL_DESCRIPTION}


def dispatch(
    request: Request,
    registry: Registry,
    ctx: RequestContext,
    limits: CoreLimits,
    *,
    session_state: str,
    on_server_fail: ServerFailHook | None = None,
) -> dict[str, Any]:
    """Process every call in order and return the Response object (RFC 8620 §3.4).

    Each call is isolated: a MethodError becomes an `error` response, an `Unavailable` becomes
    serverUnavailable, anything else serverFail (both reported to `on_server_fail` for logging, the
    exception never shown to the client), and the
    following calls run as normal. A failed call's creation ids are rolled back, as a
    method-level error must leave no visible state behind.
    """
    check_calls(request, limits)
    if request.created_ids is not None:
        ctx.created_ids.update(request.created_ids)
    responses: list[list[Any]] = []
    for invocation in request.method_calls:
        created_before = dict(ctx.created_ids)
        try:
            produced = _run_call(invocation, registry, ctx, responses)
        except MethodError as error:
            ctx.created_ids.clear()
            ctx.created_ids.update(created_before)
            produced = [["error", error.to_response_args()]]
        except Exception as exc:
            ctx.created_ids.clear()
            ctx.created_ids.update(created_before)
            if on_server_fail is not None:
                on_server_fail(invocation.name, invocation.call_id, exc)
            produced = [["error", _server_error(exc)]]
        responses.extend([name, arguments, invocation.call_id] for name, arguments in produced)
    response: dict[str, Any] = {"methodResponses": responses, "sessionState": session_state}
    if request.created_ids is not None:
        response["createdIds"] = dict(ctx.created_ids)
    return response
