"""Hypothesis against POST /jmap/api: whatever the body, never a 5xx and never serverFail (RFC 8620 §3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailx.mail.ingest import ingest
from mailx.protocol.errors import ERROR_URN_PREFIX, METHOD_ERROR_TYPES, SERVER_FAIL
from mailx.server.capability_values import supported
from mailx.server.method_table import registry
from tests.helpers.auth import basic
from tests.helpers.fuzz import EXAMPLES, World
from tests.helpers.paths import MIME_FIXTURES

CORPUS_DIR = MIME_FIXTURES
AUTH = {**basic("alice", "correct horse battery"), "Content-Type": "application/json"}
CORE = "urn:ietf:params:jmap:core"
CAPABILITIES = sorted(supported())
# RFC 8620 §3.6.2's names plus the extension ones (RFC 9404 §4.3's for Blob/lookup).
KNOWN_METHOD_ERRORS = METHOD_ERROR_TYPES
METHODS = registry().names()
ACCOUNT = "__alice__"  # replaced by alice's real account id when the body is sent

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Names the methods actually read, so random dicts hit real code paths and not just "unknown argument".
ARGUMENT_NAMES = [
    "accountId",
    "ids",
    "properties",
    "sinceState",
    "maxChanges",
    "ifInState",
    "create",
    "update",
    "destroy",
    "filter",
    "sort",
    "position",
    "anchor",
    "anchorOffset",
    "limit",
    "calculateTotal",
    "collapseThreads",
    "sinceQueryState",
    "upToId",
    "fromAccountId",
    "blobIds",
    "emails",
    "bodyProperties",
    "fetchTextBodyValues",
    "fetchHTMLBodyValues",
    "fetchAllBodyValues",
    "maxBodyValueBytes",
    "onDestroyRemoveEmails",
    "onSuccessUpdateEmail",
    "onSuccessDestroyEmail",
    "onSuccessDestroyOriginal",
    "destroyFromIfInState",
    "sortAsTree",
    "filterAsTree",
    "typeNames",
    "offset",
    "length",
    "digest:sha",
    "emailIds",
    "mailboxIds",
    "keywords",
    "receivedAt",
    "blobId",
    "name",
    "parentId",
    "role",
    "isSubscribed",
    "inMailbox",
    "text",
    "from",
    "to",
    "subject",
    "before",
    "after",
    "operator",
    "conditions",
    "property",
    "isAscending",
    "collation",
    "data:asText",
    "data:asBase64",
    "data",
    "#ids",
    "#emailIds",
    "#blobIds",
    "#accountId",
    "#filter",
    "isEnabled",
]
PROPERTY_NAMES = [
    "id",
    "name",
    "parentId",
    "role",
    "sortOrder",
    "totalEmails",
    "myRights",
    "isSubscribed",
    "blobId",
    "threadId",
    "mailboxIds",
    "keywords",
    "size",
    "receivedAt",
    "from",
    "subject",
    "preview",
    "bodyValues",
    "textBody",
    "bodyStructure",
    "headers",
    "header:Subject:asText",
    "header:From:asAddresses:all",
    "header:X:asNope",
    "header:",
    "emailIds",
    "email",
    "undoStatus",
    "envelope",
    "partId",
    "nope",
    "",
]
WORDS = ["", "a", "Inbox", "$seen", "$flagged", "inbox", "receivedAt", "id", "-1", "\x00", "é", "🙂", "/"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(WORDS + ARGUMENT_NAMES + [ACCOUNT]),
    st.text(max_size=20),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.sampled_from(ARGUMENT_NAMES + WORDS) | st.text(max_size=8), inner, max_size=5),
    ),
    max_leaves=25,
)


@st.composite
def result_references(draw: st.DrawFn) -> dict[str, Any]:
    """A `#name` value: mostly well-formed, with odd JSON pointers and wrong types mixed in."""
    pointer = draw(
        st.one_of(
            st.sampled_from(
                [
                    "/ids",
                    "/list/*/id",
                    "/list/*/threadId",
                    "/created/*/id",
                    "/",
                    "",
                    "/*",
                    "/ids/0",
                    "/ids/-",
                    "/list/*/emailIds",
                    "~",
                    "/~2",
                    "/~0/~1",
                    "/list/**/id",
                    "/updated",
                    "/list/*/*/*",
                    "/notFound",
                    "/added/*/id",
                ]
            ),
            st.text(alphabet="/*~01abid-", max_size=15),
            json_values,
        )
    )
    ref: dict[str, Any] = {
        "resultOf": draw(st.sampled_from(["c0", "c1", "c2", "nope", ""]) | json_values),
        "name": draw(st.sampled_from(METHODS) | json_values),
        "path": pointer,
    }
    if draw(st.booleans()):
        ref[draw(st.sampled_from(["extra", "resultOf", "path"]))] = draw(json_values)
    return ref


def _huge() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(lambda n, v: [v] * n, st.integers(0, 3000), scalars),
        st.builds(lambda n: {f"k{i}": i for i in range(n)}, st.integers(0, 1000)),
        st.builds(lambda n: "x" * n, st.integers(0, 20000)),
        st.builds(lambda n: [f"M{i:026d}" for i in range(n)], st.integers(0, 1500)),
    )


def _deep() -> st.SearchStrategy[Any]:
    def nest(depth: int, leaf: Any, as_list: bool) -> Any:
        for _ in range(depth):
            leaf = [leaf] if as_list else {"operator": "AND", "conditions": [leaf]}
        return leaf

    return st.builds(nest, st.integers(1, 200), scalars, st.booleans())


values = st.one_of(json_values, _huge(), _deep())


@st.composite
def arguments(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)  # not even an object
    args: dict[str, Any] = {}
    if draw(st.integers(0, 4)):
        args["accountId"] = draw(st.sampled_from([ACCOUNT, ACCOUNT, "Anope", ""]) | json_values)
    for name in draw(st.lists(st.sampled_from(ARGUMENT_NAMES) | st.text(max_size=6), max_size=6)):
        args[name] = draw(st.one_of(values, result_references()) if name.startswith("#") else values)
    return args


@st.composite
def invocations(draw: st.DrawFn) -> Any:
    name = draw(st.sampled_from(METHODS) | st.sampled_from(["", "Core/nope", "Email/", "/get"]) | json_values)
    call = [name, draw(arguments()), draw(st.sampled_from(["c0", "c1", "c2"]) | json_values)]
    shape = draw(st.integers(0, 19))
    if shape == 0:
        return call[:2]
    if shape == 1:
        return [*call, "extra"]
    return call


@st.composite
def requests(draw: st.DrawFn) -> Any:
    using = draw(
        st.one_of(
            st.just(CAPABILITIES),
            st.lists(st.sampled_from([*CAPABILITIES, "urn:example:nope"]), max_size=8),
            json_values,
        )
    )
    body: dict[str, Any] = {
        "using": using,
        "methodCalls": draw(st.lists(invocations(), max_size=6) | json_values),
    }
    if draw(st.integers(0, 5)) == 0:
        body["createdIds"] = draw(json_values)
    if draw(st.integers(0, 5)) == 0:
        body[draw(st.text(max_size=8))] = draw(json_values)
    if draw(st.integers(0, 15)) == 0:
        return draw(json_values)
    return body


def _encode(body: Any, account_id: str) -> bytes:
    return json.dumps(body).replace(json.dumps(ACCOUNT), json.dumps(account_id)).encode()


def _check(world: World, content: bytes) -> None:
    response = world.client.post("/jmap/api", content=content, headers=AUTH)
    fails = world.take_server_fails()
    assert not fails, "serverFail:\n" + "\n".join(fails)
    assert response.status_code < 500, response.text
    answer = response.json()
    if response.status_code != 200:
        assert 400 <= response.status_code < 500
        assert response.headers["content-type"].startswith("application/problem+json")
        assert isinstance(answer["type"], str) and answer["type"].startswith(ERROR_URN_PREFIX), answer
        return
    assert isinstance(answer["methodResponses"], list)
    for name, result, _call_id in answer["methodResponses"]:
        if name == "error":
            assert result["type"] in KNOWN_METHOD_ERRORS and result["type"] != SERVER_FAIL, result


@FUZZ
@given(body=requests())
def test_generated_requests_never_fail_the_server(world: World, body: Any) -> None:
    _check(world, _encode(body, world.account_id))


@FUZZ
@given(
    name=st.sampled_from(METHODS),
    args=arguments(),
    prior=st.lists(st.tuples(st.sampled_from(METHODS), arguments()), max_size=2),
)
def test_every_method_survives_random_arguments(
    world: World, name: str, args: Any, prior: list[tuple[str, Any]]
) -> None:
    calls = [[n, a, f"c{i}"] for i, (n, a) in enumerate(prior)]
    calls.append([name, args, f"c{len(calls)}"])
    _check(world, _encode({"using": CAPABILITIES, "methodCalls": calls}, world.account_id))


# Plausible values by argument name: well-typed most of the time, so calls get past argument checks
# and into the store, filters, sorts, patches and creation code.
INBOX = "__inbox__"  # replaced by alice's Inbox id when the body is sent
EMAIL = "__email__"  # replaced by the id of one of the seeded emails
some_ids = st.lists(
    st.sampled_from([INBOX, EMAIL, EMAIL, "Mnope", "", "Tnope", "Bnope", "a" * 300]) | st.text(max_size=8),
    max_size=4,
)
conditions = st.dictionaries(
    st.sampled_from(
        [
            "inMailbox",
            "inMailboxOtherThan",
            "before",
            "after",
            "minSize",
            "maxSize",
            "hasKeyword",
            "notKeyword",
            "allInThreadHaveKeyword",
            "someInThreadHaveKeyword",
            "noneInThreadHaveKeyword",
            "hasAttachment",
            "text",
            "from",
            "to",
            "cc",
            "bcc",
            "subject",
            "body",
            "header",
            "name",
            "role",
            "parentId",
            "hasAnyRole",
            "isSubscribed",
            "email",
            "emailIds",
            "threadIds",
            "undoStatus",
            "identityIds",
            "operator",
            "conditions",
        ]
    ),
    st.one_of(
        st.sampled_from([INBOX, "$seen", "2024-01-01T00:00:00Z", "2024-13-99T99:99:99Z", "AND", "OR", "NOT"]),
        st.integers(-5, 2**60),
        st.booleans(),
        st.none(),
        st.lists(st.sampled_from(["Subject", "x", INBOX]), max_size=3),
        st.text(max_size=10),
    ),
    max_size=4,
)
filters: st.SearchStrategy[Any] = st.recursive(
    conditions,
    lambda inner: st.fixed_dictionaries(
        {"operator": st.sampled_from(["AND", "OR", "NOT", "XOR"]), "conditions": st.lists(inner, max_size=3)}
    ),
    max_leaves=6,
)
comparators = st.lists(
    st.fixed_dictionaries(
        {
            "property": st.sampled_from(
                [
                    "receivedAt",
                    "sentAt",
                    "size",
                    "from",
                    "to",
                    "subject",
                    "name",
                    "sortOrder",
                    "hasKeyword",
                    "someInThreadHaveKeyword",
                    "nope",
                ]
            )
        },
        optional={
            "isAscending": st.booleans(),
            "collation": st.sampled_from(["i;unicode-casemap", "x"]),
            "keyword": st.sampled_from(["$seen", "", "$Flagged"]),
        },
    ),
    max_size=3,
)
objects = st.dictionaries(
    st.sampled_from(
        [
            "name",
            "parentId",
            "role",
            "sortOrder",
            "isSubscribed",
            "mailboxIds",
            "keywords",
            "receivedAt",
            "blobId",
            "from",
            "to",
            "subject",
            "bodyValues",
            "textBody",
            "htmlBody",
            "bodyStructure",
            "attachments",
            "headers",
            "header:X-A:asText",
            "email",
            "identityId",
            "emailId",
            "envelope",
            "isEnabled",
            "fromDate",
            "toDate",
            "textBody",
            "htmlBody",
            "replyTo",
            "bcc",
            "mailboxIds/" + INBOX,
            "keywords/$seen",
            "id",
            "threadId",
            "myRights",
            "totalEmails",
            "undoStatus",
            "signature",
        ]
    ),
    st.one_of(
        json_values,
        st.dictionaries(
            st.sampled_from([INBOX, "$seen", "#c", "x"]), st.booleans() | json_values, max_size=3
        ),
        st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "email": st.text(max_size=12),
                    "name": st.text(max_size=5),
                    "partId": st.text(max_size=3),
                    "type": st.text(max_size=12),
                    "blobId": st.text(max_size=5),
                },
            ),
            max_size=3,
        ),
    ),
    max_size=5,
)
TYPED: dict[str, st.SearchStrategy[Any]] = {
    "accountId": st.just(ACCOUNT),
    "ids": some_ids | st.none(),
    "properties": st.lists(st.sampled_from(PROPERTY_NAMES), max_size=6) | st.none(),
    "bodyProperties": st.lists(st.sampled_from(PROPERTY_NAMES), max_size=4),
    "sinceState": st.sampled_from(["0", "1", "-1", "", "99999999999999999999", "x"]),
    "sinceQueryState": st.sampled_from(["0", "1", "", "x"]),
    "ifInState": st.sampled_from(["0", "1", "x"]) | st.none(),
    "maxChanges": st.integers(-2, 2**60) | st.none(),
    "filter": filters | st.none(),
    "sort": comparators | st.none(),
    "position": st.integers(-(2**60), 2**60),
    "anchorOffset": st.integers(-(2**60), 2**60),
    "limit": st.integers(-1, 2**60) | st.none(),
    "anchor": st.sampled_from([INBOX, EMAIL, "nope"]),
    "create": st.dictionaries(st.sampled_from(["c", "k1", "#x", ""]), objects, max_size=3),
    "update": st.dictionaries(st.sampled_from([INBOX, EMAIL, "nope", "#c", ""]), objects, max_size=3),
    "destroy": some_ids,
    "emails": st.dictionaries(st.sampled_from(["c", "k"]), objects, max_size=2),
    "blobIds": some_ids,
    "offset": st.integers(-3, 2**60),
    "length": st.integers(-3, 2**60),
    "upToId": st.sampled_from([INBOX, "nope"]),
    "calculateTotal": st.booleans(),
    "collapseThreads": st.booleans(),
    "fetchAllBodyValues": st.booleans(),
    "maxBodyValueBytes": st.integers(-1, 2**60),
    "onDestroyRemoveEmails": st.booleans(),
    "sortAsTree": st.booleans(),
    "filterAsTree": st.booleans(),
    "onSuccessUpdateEmail": st.dictionaries(st.sampled_from(["#c", "c", INBOX]), objects, max_size=2),
    "onSuccessDestroyEmail": st.lists(st.sampled_from(["#c", "c", INBOX]), max_size=2),
    "fromAccountId": st.sampled_from([ACCOUNT, "Anope"]),
    "typeNames": st.lists(st.sampled_from(["Mailbox", "Email", "Thread", "Nope"]), max_size=3),
    "emailIds": some_ids,
    "#ids": result_references()
    | st.fixed_dictionaries(
        {
            "resultOf": st.just("c0"),
            "name": st.sampled_from(
                ["Email/query", "Mailbox/get", "Mailbox/query", "Email/get", "Thread/get"]
            ),
            "path": st.sampled_from(["/ids", "/list/*/id", "/list/*/emailIds", "/list/*/threadId", "/ids/0"]),
        }
    ),
}
for _name in ("#emailIds", "#blobIds", "#destroy"):
    TYPED[_name] = TYPED["#ids"]


@st.composite
def typed_arguments(draw: st.DrawFn, method: str) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(TYPED)), max_size=7, unique=True))
    args = {"accountId": ACCOUNT, **{name: draw(TYPED[name]) for name in names}}
    if draw(st.integers(0, 3)) == 0:  # then one argument of the wrong type or a junk one
        args[draw(st.sampled_from([*sorted(TYPED), "junk"]))] = draw(values)
    return args


@st.composite
def typed_calls(draw: st.DrawFn) -> list[list[Any]]:
    calls = []
    for index in range(draw(st.integers(1, 4))):
        method = draw(st.sampled_from(METHODS))
        calls.append([method, draw(typed_arguments(method)), f"c{index}"])
    return calls


@pytest.fixture(scope="module")
def seeded(world: World) -> list[str]:
    """A few golden messages in alice's Inbox, so ids, threads, queries and patches meet real data."""
    names = ["rfc8621_example", "nested_rfc822", "mixed_attachments", "encoded_words", "alternative"]
    return [
        ingest(
            world.account_id, (CORPUS_DIR / f"{name}.eml").read_bytes(), mailbox_ids=[world.inbox_id]
        ).email_id
        for name in names
    ]


@FUZZ
@given(calls=typed_calls(), pick=st.integers(0, 4))
def test_well_typed_calls_with_odd_values_never_fail_the_server(
    world: World, seeded: list[str], calls: list[list[Any]], pick: int
) -> None:
    body = _encode({"using": CAPABILITIES, "methodCalls": calls}, world.account_id)
    body = body.replace(INBOX.encode(), world.inbox_id.encode()).replace(
        EMAIL.encode(), seeded[pick].encode()
    )
    _check(world, body)


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_garbage_bodies_are_request_errors(world: World, raw: bytes) -> None:
    _check(world, raw)
