"""RFC 8620 §3.7: resolve `#name` result references against earlier responses in the request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailx.protocol.budget import json_size_within
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError
from mailx.protocol.pointer import PointerError, PointerTooLarge, evaluate_pointer

# A response as it sits in methodResponses: [name, arguments, methodCallId].
ResponseTriple = Sequence[Any]


def _find_response(responses: Sequence[ResponseTriple], result_of: str, name: str) -> dict[str, Any]:
    # RFC 8620 §3.7 step 1-2 take the first response with the call id and fail if its name differs.
    # We take the first response matching both: identical whenever the strict rule succeeds, and it
    # also reaches the second response of a call that emits two (EmailSubmission/set + Email/set).
    for response in responses:
        if response[2] == result_of and response[0] == name:
            arguments: dict[str, Any] = response[1]
            return arguments
    raise MethodError.invalid_result_reference(
        f"no earlier response named {name!r} with method call id {result_of!r}"
    )


def _resolve_one(key: str, reference: Any, responses: Sequence[ResponseTriple], max_size: int | None) -> Any:
    if not isinstance(reference, dict):
        raise MethodError.invalid_result_reference(f"{key!r} must be a ResultReference object")
    result_of = reference.get("resultOf")
    name = reference.get("name")
    path = reference.get("path")
    if not isinstance(result_of, str) or not isinstance(name, str) or not isinstance(path, str):
        raise MethodError.invalid_result_reference(
            f"{key!r} needs string 'resultOf', 'name' and 'path' properties"
        )
    arguments = _find_response(responses, result_of, name)
    try:
        value = evaluate_pointer(arguments, path)
    except PointerTooLarge as exc:
        raise MethodError(REQUEST_TOO_LARGE, f"{key!r:.80}: {exc}") from None
    except PointerError as exc:
        raise MethodError.invalid_result_reference(f"{key!r:.80}: path {path!r:.200} failed: {exc}") from None
    if max_size is not None and json_size_within(value, max_size) is None:
        detail = f"{key!r:.80} resolves to more than {max_size} octets of JSON (maxSizeReference)"
        raise MethodError(REQUEST_TOO_LARGE, detail)
    return value


def has_references(arguments: dict[str, Any]) -> bool:
    """Cheap test so the common call without references is not copied."""
    return any(key.startswith("#") for key in arguments)


def resolve_references(
    arguments: dict[str, Any], responses: Sequence[ResponseTriple], *, max_size: int | None = None
) -> dict[str, Any]:
    """Return a copy of the arguments with every `#foo` replaced by the resolved `foo`.

    Raises invalidArguments when both `foo` and `#foo` are given (checked first, for every key),
    invalidResultReference when any reference fails to resolve, and requestTooLarge when one
    resolves to more than MAX_SIZE octets of JSON. The value is shared with the earlier response,
    never copied: a large one is held once.
    """
    if not has_references(arguments):
        return arguments
    for key in arguments:
        if key.startswith("#") and key[1:] in arguments:
            raise MethodError.invalid_arguments(f"both {key[1:]!r} and {key!r} were given")
    resolved: dict[str, Any] = {}
    for key, value in arguments.items():
        if key.startswith("#"):
            resolved[key[1:]] = _resolve_one(key, value, responses, max_size)
        else:
            resolved[key] = value
    return resolved
