"""Request-level errors (RFC 8620 §3.6.1): problem JSON for bodies that never reach a method."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailx.protocol.capabilities import CORE, MAIL
from mailx.protocol.dispatcher import check_size
from mailx.protocol.errors import RequestError
from mailx.protocol.limits import CoreLimits
from mailx.protocol.request import Invocation, parse_request

SUPPORTED = {CORE, MAIL}


def _problem(body: bytes, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(RequestError) as caught:
        parse_request(body, SUPPORTED, **kwargs)
    return caught.value.to_problem()


def test_valid_request_is_parsed_into_invocations() -> None:
    # Given a request with createdIds
    body = json.dumps(
        {
            "using": [CORE, MAIL],
            "methodCalls": [["Core/echo", {"hello": True}, "c1"]],
            "createdIds": {"k1": "M1"},
        }
    ).encode()
    # When it is parsed
    request = parse_request(body, SUPPORTED)
    # Then it is typed
    assert request.using == [CORE, MAIL]
    assert request.method_calls == [Invocation("Core/echo", {"hello": True}, "c1")]
    assert request.created_ids == {"k1": "M1"}


def test_unknown_top_level_properties_are_ignored() -> None:
    body = b'{"using": [], "methodCalls": [], "extra": 1}'
    assert parse_request(body, SUPPORTED).created_ids is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b'{"using": [], "methodCalls": []',
        b"\xff\xfe{}",  # not UTF-8
        b'{"using": ["\xc3\x28"], "methodCalls": []}',  # invalid UTF-8 sequence inside a string
        b'\xef\xbb\xbf{"using": [], "methodCalls": []}',  # a BOM is not I-JSON
        b'{"using": [], "using": [], "methodCalls": []}',  # duplicate member names
        b'{"using": [], "methodCalls": [["Core/echo", {"n": NaN}, "c"]]}',
        b'{"using": [], "methodCalls": [["Core/echo", {"s": "\\ud800"}, "c"]]}',  # lone surrogate
    ],
)
def test_bodies_that_are_not_i_json_are_not_json(body: bytes) -> None:
    problem = _problem(body)
    assert problem["type"] == "urn:ietf:params:jmap:error:notJSON"
    assert problem["status"] == 400
    assert isinstance(problem["detail"], str)


def test_a_paired_surrogate_escape_is_fine() -> None:
    body = b'{"using": [], "methodCalls": [["Core/echo", {"s": "\\ud83d\\ude00"}, "c"]]}'
    request = parse_request(body, SUPPORTED)
    assert request.method_calls[0].arguments == {"s": "\U0001f600"}


@pytest.mark.parametrize(
    "document",
    [
        [],
        "a string",
        {"methodCalls": []},
        {"using": []},
        {"using": "urn:ietf:params:jmap:core", "methodCalls": []},
        {"using": [1], "methodCalls": []},
        {"using": [], "methodCalls": {}},
        {"using": [], "methodCalls": [["Core/echo", {}]]},
        {"using": [], "methodCalls": [["Core/echo", [], "c1"]]},
        {"using": [], "methodCalls": [[1, {}, "c1"]]},
        {"using": [], "methodCalls": [["Core/echo", {}, 7]]},
        {"using": [], "methodCalls": [["Core/echo", {}, "c1", "extra"]]},
        {"using": [], "methodCalls": [], "createdIds": []},
        {"using": [], "methodCalls": [], "createdIds": {"k": 1}},
    ],
)
def test_json_that_is_not_a_request_is_not_request(document: Any) -> None:
    problem = _problem(json.dumps(document).encode())
    assert problem["type"] == "urn:ietf:params:jmap:error:notRequest"
    assert problem["status"] == 400


def test_unsupported_capability_is_unknown_capability() -> None:
    body = json.dumps({"using": [CORE, "https://example.com/apis/foobar"], "methodCalls": []}).encode()
    problem = _problem(body)
    assert problem == {
        "type": "urn:ietf:params:jmap:error:unknownCapability",
        "status": 400,
        "detail": "The Request object used capability 'https://example.com/apis/foobar', "
        "which is not supported by this server.",
    }


def test_missing_core_is_added_by_default_and_rejected_when_strict() -> None:
    # Given a client that omits core from `using` (the erratum says it MUST send it)
    body = json.dumps({"using": [MAIL], "methodCalls": []}).encode()
    # Then the lenient default treats core as used, and the strict mode says notRequest
    assert parse_request(body, SUPPORTED).using == [MAIL, CORE]
    assert _problem(body, require_core=True)["type"] == "urn:ietf:params:jmap:error:notRequest"


def test_a_body_over_max_size_request_is_a_limit_error() -> None:
    limits = CoreLimits(max_size_request=10)
    check_size(b"0123456789", limits)  # exactly at the limit is fine
    with pytest.raises(RequestError) as caught:
        check_size(b"0123456789!", limits)
    problem = caught.value.to_problem()
    assert problem["type"] == "urn:ietf:params:jmap:error:limit"
    assert problem["limit"] == "maxSizeRequest"
    assert problem["status"] == 400


def test_core_limits_use_the_corrected_wire_names() -> None:
    assert CoreLimits().to_capability() == {
        "maxSizeUpload": 50_000_000,
        "maxConcurrentUpload": 4,
        "maxSizeRequest": 10_000_000,
        "maxConcurrentRequests": 4,
        "maxCallsInRequest": 16,
        "maxObjectsInGet": 500,
        "maxObjectsInSet": 500,
        "collationAlgorithms": ["i;ascii-casemap", "i;octet", "i;unicode-casemap"],
    }
