"""RFC 8620 §3.2-3.3: parse the API request body into a typed Request, or a request-level error."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from mailx.protocol.capabilities import CORE, MAIL, SUBMISSION, VACATION_RESPONSE
from mailx.protocol.errors import NOT_JSON, RequestError

# A surrogate escape in the raw text is the only way an unpaired surrogate can reach us.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class Invocation:
    """One `[name, arguments, methodCallId]` triple (RFC 8620 §3.2)."""

    name: str
    arguments: dict[str, Any]
    call_id: str


@dataclass(frozen=True)
class Request:
    """A well-formed Request object; `created_ids` is None when the client did not send it."""

    using: list[str]
    method_calls: list[Invocation]
    created_ids: dict[str, str] | None = None


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate member name {key!r}")
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# I-JSON (RFC 7493 §2.2): numbers must fit an IEEE 754 double, and integers be exact in one. JMAP's
# Int and UnsignedInt (RFC 8620 §1.3) stay inside ±(2^53 - 1), so a larger integer is never valid.
MAX_SAFE_INTEGER = 2**53 - 1


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is too large for I-JSON (beyond an IEEE 754 double)")
    return value


def _safe_int(text: str) -> int:
    if len(text) > 17:  # checked before int(): Python refuses strings of more than 4,300 digits
        raise ValueError(f"the integer {text[:40]}... is beyond ±(2^53 - 1), which I-JSON cannot carry")
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueError(f"the integer {text} is beyond ±(2^53 - 1), which I-JSON cannot carry")
    return value


def _check_no_lone_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")  # raises UnicodeEncodeError on an unpaired surrogate
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())


def check_content_type(value: str | None) -> None:
    """RFC 8620 §3.6.1: a body not declared `application/json` is notJSON, sent as HTTP 415.

    Parameters (`; charset=utf-8`) are allowed. A request with no Content-Type at all is read as
    JSON (scripts and test tools often omit it; a browser never sends a body without one), but a form
    post or a `text/plain` body, what a cross-site page can send without a preflight, never reaches the
    parser.
    """
    if value is None or not value.strip():
        return
    media_type = value.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise RequestError(
            NOT_JSON, f"The Content-Type must be application/json (got {media_type!r}).", status=415
        )


def parse_json(body: bytes) -> Any:
    """Decode an I-JSON (RFC 7493) body: strict UTF-8, no duplicate names, no NaN or overflowing
    numbers (2e308 would become infinity and fail only when the answer is serialised), no lone
    surrogates."""
    try:
        text = body.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_reject_duplicate_keys,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_safe_int,
        )
        if _SURROGATE_ESCAPE.search(text):
            _check_no_lone_surrogates(value)
    except (UnicodeError, ValueError, RecursionError) as exc:
        raise RequestError.not_json(f"The request body is not valid I-JSON: {_reason(exc)}") from None
    return value


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeError):
        return "it is not valid UTF-8 or contains an unpaired surrogate"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _parse_using(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RequestError.not_request("'using' must be an array of capability strings.")
    return list(value)


def _parse_invocation(value: Any, index: int) -> Invocation:
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not isinstance(value[0], str)
        or not isinstance(value[1], dict)
        or not isinstance(value[2], str)
    ):
        raise RequestError.not_request(
            f"methodCalls[{index}] must be a [String, Object, String] Invocation array."
        )
    return Invocation(name=value[0], arguments=value[1], call_id=value[2])


def _parse_created_ids(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise RequestError.not_request("'createdIds' must be an object mapping creation ids to ids.")
    return dict(value)


def parse_request(
    body: bytes,
    supported_capabilities: Collection[str],
    *,
    require_core: bool = False,
) -> Request:
    """Validate the envelope so the dispatcher only ever sees a well-formed Request.

    The RFC 8620 erratum to §3.3 says `using` MUST contain urn:ietf:params:jmap:core. It says
    what clients must do, not what servers must reject, and some clients in the wild still omit
    it; so by default we add core implicitly (every JMAP request uses the core protocol). Pass
    `require_core=True` for the strict reading, which answers notRequest. An empty `using` opts
    into nothing: the request is processed and every call answers unknownMethod. See
    `implied_capabilities` for the one other leniency.
    """
    document = parse_json(body)
    if not isinstance(document, dict):
        raise RequestError.not_request("The request body must be a JSON object.")
    if "using" not in document or "methodCalls" not in document:
        raise RequestError.not_request("A Request object needs both 'using' and 'methodCalls'.")
    using = _parse_using(document["using"])
    calls = document["methodCalls"]
    if not isinstance(calls, list):
        raise RequestError.not_request("'methodCalls' must be an array of Invocations.")
    method_calls = [_parse_invocation(call, index) for index, call in enumerate(calls)]
    created_ids = _parse_created_ids(document.get("createdIds"))
    for capability in using:
        if capability not in supported_capabilities:
            raise RequestError.unknown_capability(capability)
    if using and CORE not in using:
        if require_core:
            raise RequestError.not_request(f"'using' must include '{CORE}'.")
        using.append(CORE)
    using.extend(implied_capabilities(using, supported_capabilities))
    return Request(using=using, method_calls=method_calls, created_ids=created_ids)


def implied_capabilities(using: Collection[str], supported: Collection[str]) -> list[str]:
    """Capabilities a request gets without naming them: with mail, submission and vacationresponse.

    Popular webmail clients call Identity/get and EmailSubmission/set with `using: [core, mail]`
    only. Both capabilities belong to the same mail service, and accepting their methods changes no
    authorisation: each call still needs an account that has the capability (docs/clients.md).
    """
    if MAIL not in using:
        return []
    return [cap for cap in (SUBMISSION, VACATION_RESPONSE) if cap in supported and cap not in using]
