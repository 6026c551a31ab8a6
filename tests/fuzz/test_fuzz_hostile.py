"""Hypothesis keeps issue 13 closed: reference chains, extreme numbers, deep and wide MIME, long
parameter lists and huge header blocks, through the real app. Never a 5xx, never serverFail, every
answer within maxSizeResponse, and the memory one request allocates (tracemalloc's peak) bounded.

Short in `make test`; `make fuzz` runs MAILX_FUZZ_EXAMPLES (2,000) of each.
"""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mailx.limits import LIMITS
from tests.helpers.auth import basic
from tests.helpers.fuzz import EXAMPLES, World

AUTH = {**basic("alice", "correct horse battery"), "Content-Type": "application/json"}
CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
# Python objects behind one request may take a few times its JSON; far below the 1 GB functions.
MAX_REQUEST_ALLOCATION = 200 * 1024 * 1024
RESPONSE_SLACK = 64 * 1024  # the envelope around methodResponses

FUZZ = settings(
    max_examples=max(10, EXAMPLES // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _post(world: World, body: bytes) -> Any:
    tracemalloc.start()
    try:
        response = world.client.post("/jmap/api", content=body, headers=AUTH)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code < 500, response.text[:500]
    assert peak < MAX_REQUEST_ALLOCATION, f"one request allocated {peak:,} octets"
    assert world.take_server_fails() == []
    if response.status_code == 200:
        assert LIMITS.max_size_response is not None
        assert len(response.content) <= LIMITS.max_size_response + RESPONSE_SLACK
        for name, args, _ in response.json()["methodResponses"]:
            assert name != "error" or args["type"] != "serverFail", args
    return response


PATHS = st.sampled_from(
    ["", "/x", "/a", "/b", "/a/a", "/l", "/l/*", "/l/*/a", "/ids", "/ids/*", "/list/*/id"]
)


@st.composite
def reference_chains(draw: st.DrawFn) -> list[Any]:
    """Core/echo calls each naming earlier ones several times, with lists to spread `*` over."""
    calls: list[Any] = [["Core/echo", {"x": "A" * draw(st.integers(0, 5000)), "l": [{"a": 1}] * 4}, "c0"]]
    for n in range(1, draw(st.integers(1, LIMITS.max_calls_in_request - 1))):
        args: dict[str, Any] = {}
        for key in draw(st.lists(st.sampled_from("abcdl"), min_size=1, max_size=4, unique=True)):
            earlier = draw(st.integers(max(0, n - 3), n - 1))
            args[f"#{key}"] = {"resultOf": f"c{earlier}", "name": "Core/echo", "path": draw(PATHS)}
        calls.append(["Core/echo", args, f"c{n}"])
    return calls


@FUZZ
@given(calls=reference_chains())
def test_reference_chains_stay_within_the_response_budget(world: World, calls: list[Any]) -> None:
    _post(world, json.dumps({"using": [CORE], "methodCalls": calls}).encode())


NUMBERS = st.one_of(
    st.integers(-(2**80), 2**80).map(str),
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.tuples(st.integers(-9, 9), st.integers(-999, 999)).map(lambda t: f"{t[0]}e{t[1]}"),
    st.floats(allow_nan=False).map(repr).filter(lambda s: s not in ("inf", "-inf")),
    st.sampled_from(["2e308", "-1e400", "1e-400", "9007199254740991", "-9007199254740992", "0.0", "-0"]),
)
NUMERIC_ARGUMENTS = [
    "position",
    "limit",
    "anchorOffset",
    "maxChanges",
    "sinceState",
    "maxBodyValueBytes",
    "x",
]
NUMERIC_METHODS = ["Core/echo", "Email/query", "Email/changes", "Mailbox/get", "Email/get", "Thread/changes"]


@FUZZ
@given(
    method=st.sampled_from(NUMERIC_METHODS),
    values=st.lists(st.tuples(st.sampled_from(NUMERIC_ARGUMENTS), NUMBERS), min_size=1, max_size=4),
    quoted=st.booleans(),
)
def test_extreme_numbers_are_never_a_5xx(
    world: World, method: str, values: list[tuple[str, str]], quoted: bool
) -> None:
    members = ",".join(f'"{name}":' + (json.dumps(v) if quoted else v) for name, v in dict(values).items())
    body = (
        f'{{"using":["{CORE}","{MAIL}"],"methodCalls":[["{method}",'
        f'{{"accountId":"{world.account_id}",{members}}},"n"]]}}'
    )
    _post(world, body.encode())


@st.composite
def hostile_mime(draw: st.DrawFn) -> bytes:
    """Deep, wide, parameter-heavy or header-heavy messages (each under the 4 MB upload limit)."""
    head = b"From: a@outside.example\r\nSubject: s\r\n"
    kind = draw(st.sampled_from(["deep", "wide", "params", "headers"]))
    if kind == "deep":
        depth = draw(st.integers(0, 400))
        raw = head
        for level in range(depth):
            raw += b'Content-Type: multipart/mixed; boundary="d%d"\r\n\r\n--d%d\r\n' % (level, level)
        raw += b"Content-Type: text/plain\r\n\r\nx\r\n"
        return raw + b"".join(b"--d%d--\r\n" % level for level in reversed(range(depth)))
    if kind == "wide":
        parts = draw(st.integers(0, 150_000))
        return (
            head
            + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            + b"--b\r\n\r\nx\r\n" * parts
            + b"--b--\r\n"
        )
    if kind == "params":
        count = draw(st.integers(0, 60_000))
        name = draw(
            st.sampled_from([b"filename*%d*=ab%%2%d", b"name*%d=x%d", b"p%d=%d", b'filename*%d="q%d"'])
        )
        params = b"".join(b";\r\n " + name % (n, n % 10) for n in range(count))
        field = draw(st.sampled_from([b"Content-Disposition: attachment", b"Content-Type: multipart/mixed"]))
        return head + field + params + b"\r\n\r\nbody\r\n"
    fields = draw(st.integers(0, 20_000))
    width = draw(st.integers(1, 300))
    to = b",\r\n ".join(b"R <r%d@x.example>" % n for n in range(draw(st.integers(0, 30_000))))
    block = b"".join(b"X-F%d: " % n + b"v" * width + b"\r\n" for n in range(fields))
    return head + b"To: " + to + b"\r\n" + block + b"\r\nbody\r\n"


@FUZZ
@given(raw=hostile_mime())
def test_hostile_mime_parses_within_bounds(world: World, raw: bytes) -> None:
    assume(len(raw) <= LIMITS.max_size_upload)
    upload = world.client.post(
        f"/jmap/upload/{world.account_id}/", content=raw, headers={**AUTH, "Content-Type": "message/rfc822"}
    )
    assert upload.status_code == 201, upload.text
    blob_id = upload.json()["blobId"]
    properties = ["to", "subject", "headers", "bodyStructure", "attachments", "header:X-F1:all", "preview"]
    body_properties = ["partId", "type", "name", "size", "subParts"]
    args = {"accountId": world.account_id, "blobIds": [blob_id], "properties": properties,
            "bodyProperties": body_properties, "fetchAllBodyValues": True}  # fmt: skip
    body = json.dumps({"using": [CORE, MAIL], "methodCalls": [["Email/parse", args, "p"]]}).encode()
    answer = _post(world, body).json()["methodResponses"][0]
    assert answer[0] == "Email/parse" or answer[1]["type"] == "requestTooLarge", answer[1]
