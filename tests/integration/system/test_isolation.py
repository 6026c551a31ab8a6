"""Account isolation: bob, signed in with his own credentials, attacks alice's account and data.

Every registered method named with alice's accountId must answer accountNotFound (fromAccountNotFound for
a /copy source); alice's ids inside bob's own account must be notFound, never data; the blob and push
routes must refuse alice's account and blobs. Every response bob gets is scanned for alice's strings and
for any of her ids that bob did not send himself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from mailx.mail.ingest import ingest
from mailx.protocol.capabilities import CORE, MAIL, QUOTA, SUBMISSION, VACATION_RESPONSE
from mailx.store import emails
from tests.helpers.auth import basic

BLOB = "urn:ietf:params:jmap:blob"
USING = [CORE, MAIL, SUBMISSION, VACATION_RESPONSE, BLOB, QUOTA]
ALICE = basic("alice", "correct horse battery")
BOB = basic("bob", "bob's long password")

SUBJECT = "Quarterly figures for the board"
SENTENCE = "The lighthouse keeper counts seventeen herons at dawn."
FOLDER = "Private Ledger"
UPLOAD = b"Upload octets of a private nature."
ATTACHMENT = "herons-census.txt"
# Strings of alice's that no answer to bob may contain (compared case-insensitively).
PRIVATE = ["alice", SUBJECT, SENTENCE, FOLDER, UPLOAD.decode(), ATTACHMENT, "herons", "lighthouse"]

RAW = (
    "From: Ann Other <ann@example.net>\r\n"
    "To: Alice <alice@example.com>\r\n"
    f"Subject: {SUBJECT}\r\n"
    "Message-ID: <board-figures@example.net>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b1"\r\n'
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    f"{SENTENCE}\r\n"
    "--b1\r\n"
    f'Content-Type: text/plain; name="{ATTACHMENT}"\r\n'
    f'Content-Disposition: attachment; filename="{ATTACHMENT}"\r\n'
    "\r\n"
    "Seventeen herons, again.\r\n"
    "--b1--\r\n"
).encode()


@dataclass
class Alice:
    """Alice's ids, made through her own requests and the ingest path."""

    account: str
    mailbox: str
    inbox: str
    email: str
    blob: str
    part_blob: str
    thread: str
    upload: str
    identity: str
    submission: str | None
    all_mailboxes: list[str]

    def ids(self) -> list[str]:
        found = [self.account, self.email, self.blob, self.part_blob, self.thread, self.upload, self.identity]
        found += self.all_mailboxes
        return found + ([self.submission] if self.submission else [])


@dataclass
class Bob:
    """Bob's client: every request and response is kept, for the leak scan."""

    client: Any
    account: str
    inbox: str
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def record(self, label: str, request: str, response: Any) -> Any:
        self.seen.append((label, request, response.text))
        return response

    def api(self, *calls: list[Any], created_ids: dict[str, str] | None = None) -> list[list[Any]]:
        body: dict[str, Any] = {"using": USING, "methodCalls": list(calls)}
        if created_ids is not None:
            body["createdIds"] = created_ids
        text = json.dumps(body)
        response = self.record("api", text, self.client.post("/jmap/api", content=text, headers=BOB))
        assert response.status_code == 200, response.text
        result: list[list[Any]] = response.json()["methodResponses"]
        return result

    def get(self, url: str, **headers: str) -> Any:
        return self.record(url, url, self.client.get(url, headers={**BOB, **headers}))

    def post(self, url: str, content: bytes) -> Any:
        return self.record(url, url, self.client.post(url, content=content, headers=BOB))


def _as_alice(client: Any, *calls: list[Any]) -> list[list[Any]]:
    response = client.post("/jmap/api", json={"using": USING, "methodCalls": list(calls)}, headers=ALICE)
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


def _role(account: str, role: str) -> str:
    return next(m for m, r in emails.mailbox_roles(account).items() if r == role)


def _submission(client: Any, account: str, identity: str) -> str | None:
    """A queued EmailSubmission of a draft of alice's (None if this build cannot queue one)."""
    from mailx.mail import outbound

    outbound.ensure_queues()
    draft = {
        "mailboxIds": {_role(account, "drafts"): True},
        "keywords": {"$draft": True},
        "from": [{"email": "alice@example.com"}],
        "to": [{"email": "carol@elsewhere.test"}],
        "subject": SUBJECT,
        "bodyValues": {"1": {"value": SENTENCE}},
        "textBody": [{"partId": "1", "type": "text/plain"}],
    }
    [[_, made, _]] = _as_alice(client, ["Email/set", {"accountId": account, "create": {"d": draft}}, "d"])
    email_id = made["created"]["d"]["id"]
    create = {"s": {"identityId": identity, "emailId": email_id}}
    [[_, sent, _], *_rest] = _as_alice(
        client, ["EmailSubmission/set", {"accountId": account, "create": create}, "s"]
    )
    created = sent.get("created") or {}
    return str(created["s"]["id"]) if "s" in created else None


def _build(client: Any) -> Alice:
    """Alice's account with a mailbox, an upload, an ingested message with an attachment, a submission."""
    account = _account_id("alice")
    made = _as_alice(client, ["Mailbox/set", {"accountId": account, "create": {"m": {"name": FOLDER}}}, "m"])
    mailbox = made[0][1]["created"]["m"]["id"]
    headers = {**ALICE, "Content-Type": "text/plain"}
    uploaded = client.post(f"/jmap/upload/{account}/", content=UPLOAD, headers=headers)
    assert uploaded.status_code == 201, uploaded.text
    inbox = _role(account, "inbox")
    result = ingest(account, RAW, mailbox_ids=[inbox, mailbox])
    [[_, got, _], [_, ids, _]] = _as_alice(
        client,
        ["Email/get", {"accountId": account, "ids": [result.email_id], "properties": ["attachments"]}, "e"],
        ["Identity/get", {"accountId": account, "ids": None}, "i"],
    )
    identity = ids["list"][0]["id"]
    return Alice(
        account=account,
        mailbox=mailbox,
        inbox=inbox,
        email=result.email_id,
        blob=result.blob_id,
        part_blob=got["list"][0]["attachments"][0]["blobId"],
        thread=result.thread_id,
        upload=uploaded.json()["blobId"],
        identity=identity,
        submission=_submission(client, account, identity),
        all_mailboxes=[*emails.mailbox_roles(account), mailbox],
    )


def _account_id(username: str) -> str:
    from mailx.store import accounts

    found = accounts.find_by_login(username)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Any, Alice]]:
    """One moto world for the whole module: building alice's data costs a second, each attack ~50 ms.

    The attacks must change nothing, and a test below checks that they do not, so sharing is safe.
    """
    from fastapi.testclient import TestClient
    from moto import mock_aws

    from jmap_api.app import create_app
    from mailx.admin.accounts import create_account
    from mailx.store import blobs, tables
    from tests.helpers.environment import TEST_ENV, reset_caches, serialise_moto_writes

    with pytest.MonkeyPatch.context() as patch:
        for key, value in TEST_ENV.items():
            patch.setenv(key, value)
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_LAMBDA_FUNCTION_NAME"):
            patch.delenv(key, raising=False)
        serialise_moto_writes(patch)
        with mock_aws():
            reset_caches()
            tables.create_all()
            blobs.ensure_bucket()
            create_account("alice", "correct horse battery", name="Alice", addresses=["alice@example.com"])
            create_account("bob", "bob's long password", name="Bob", addresses=["bob@example.com"])
            with TestClient(create_app(), base_url="https://mail.example.test") as client:
                yield client, _build(client)
        reset_caches()


@pytest.fixture
def world(shared: tuple[Any, Alice]) -> tuple[Alice, Bob]:
    """Alice's ids, and a fresh Bob whose responses are scanned by this test only."""
    client, alice = shared
    bob = _account_id("bob")
    return alice, Bob(client, bob, _role(bob, "inbox"))


def assert_nothing_of_alice(alice: Alice, bob: Bob) -> None:
    """No answer bob got holds alice's strings, or an id of hers that his own request did not carry."""
    assert bob.seen, "the test made no request"
    for label, request, response in bob.seen:
        lowered = response.lower()
        leaked = [text for text in PRIVATE if text.lower() in lowered]
        leaked += [i for i in alice.ids() if i in response and i not in request]
        assert not leaked, f"{label}: bob's answer holds {leaked}: {response[:2000]}"


# --- 1. every method, named with alice's accountId --------------------------------------------------


def _arguments(name: str, alice: Alice, bob: Bob) -> dict[str, Any]:
    """A plausible argument set for NAME aimed at alice's account, so a skipped check would show data."""
    object_type, _, verb = name.partition("/")
    ids_of = {
        "Mailbox": [alice.mailbox, alice.inbox],
        "Email": [alice.email],
        "Thread": [alice.thread],
        "Identity": [alice.identity],
        "EmailSubmission": [alice.submission or alice.email],
        "Blob": [alice.blob, alice.upload, alice.part_blob],
        "VacationResponse": ["singleton"],
    }.get(object_type, [alice.email])
    args: dict[str, Any] = {"accountId": alice.account}
    if verb == "get":
        args["ids"] = ids_of
    elif verb == "changes":
        args["sinceState"] = "0"
    elif verb == "queryChanges":
        args["sinceQueryState"] = "0"
    elif verb == "set":
        args["update"] = {key: {} for key in ids_of}
        args["destroy"] = ids_of
    elif verb == "copy":
        args["create"] = {"x": {"id": ids_of[0], "mailboxIds": {bob.inbox: True}}}
        args["blobIds"] = ids_of
    elif verb == "import":
        args["emails"] = {"x": {"blobId": alice.blob, "mailboxIds": {alice.inbox: True}}}
    elif verb == "parse":
        args["blobIds"] = [alice.blob]
    elif verb == "lookup":
        args.update(typeNames=["Mailbox", "Thread", "Email"], ids=ids_of)
    elif verb == "upload":
        args["create"] = {"x": {"data": [{"blobId": alice.upload}]}}
    if name == "SearchSnippet/get":
        args.update(emailIds=[alice.email], filter={"text": "herons"})
    return args


def _account_methods() -> list[str]:
    from mailx.server.method_table import registry

    return [spec.name for spec in registry() if spec.needs_account]


@pytest.mark.parametrize("method", _account_methods())
def test_every_method_refuses_alices_account(world: tuple[Alice, Bob], method: str) -> None:
    alice, bob = world
    # When bob names alice's account
    [[name, result, call_id]] = bob.api([method, _arguments(method, alice, bob), "c"])
    # Then the call fails before touching it
    assert (name, result.get("type"), call_id) == ("error", "accountNotFound", "c"), result
    assert_nothing_of_alice(alice, bob)


def _copy_methods() -> list[str]:
    return [name for name in _account_methods() if name.endswith("/copy")]


@pytest.mark.parametrize("method", _copy_methods())
def test_copy_from_alices_account_is_from_account_not_found(world: tuple[Alice, Bob], method: str) -> None:
    alice, bob = world
    args = {**_arguments(method, alice, bob), "fromAccountId": alice.account, "accountId": bob.account}
    [[name, result, _]] = bob.api([method, args, "c"])
    assert (name, result.get("type")) == ("error", "fromAccountNotFound"), result
    assert_nothing_of_alice(alice, bob)


@pytest.mark.parametrize("method", _copy_methods())
def test_copy_into_alices_account_is_account_not_found(world: tuple[Alice, Bob], method: str) -> None:
    alice, bob = world
    args = {**_arguments(method, alice, bob), "fromAccountId": bob.account, "accountId": alice.account}
    [[name, result, _]] = bob.api([method, args, "c"])
    assert (name, result.get("type")) == ("error", "accountNotFound"), result
    assert_nothing_of_alice(alice, bob)


def test_the_registry_has_no_unchecked_account_method() -> None:
    # Core/echo takes no account; PushSubscription's methods take none because a subscription belongs to
    # the signed-in credentials (RFC 8620 §7.2), and they read only the principal's own account
    # (tests/integration/methods/push_subscription, "destroy_and_account_isolation"). A new one must say why.
    from mailx.server.method_table import registry

    assert [spec.name for spec in registry() if not spec.needs_account] == [
        "Core/echo",
        "PushSubscription/get",
        "PushSubscription/set",
    ]


# --- 2. bob's own account, alice's ids ----------------------------------------------------------------

Check = Callable[[list[list[Any]], Alice], None]


@dataclass(frozen=True)
class Case:
    """Bob's calls (a function of both worlds), and what his responses must say."""

    calls: Callable[[Alice, Bob], list[list[Any]]]
    check: Check
    created_ids: Callable[[Alice], dict[str, str]] | None = None


def _one(responses: list[list[Any]]) -> dict[str, Any]:
    name, result, _ = responses[-1]
    assert name != "error", result
    assert isinstance(result, dict)
    return result


def not_found(*expected: str) -> Check:
    """The last /get answers an empty list and exactly EXPECTED (attributes of Alice) in notFound."""

    def check(responses: list[list[Any]], alice: Alice) -> None:
        result = _one(responses)
        assert result["list"] == [], result
        assert sorted(result["notFound"]) == sorted(
            getattr(alice, e) if hasattr(alice, e) else e for e in expected
        )

    return check


def set_error(kind: str, *expected: str, types: tuple[str, ...] = ("notFound",)) -> Check:
    """The last /set refuses every EXPECTED key under not{KIND} with one of TYPES, and changes nothing."""

    def check(responses: list[list[Any]], alice: Alice) -> None:
        result = _one(responses)
        keys = [getattr(alice, e) if hasattr(alice, e) else e for e in expected]
        refused = result[f"not{kind}"] or {}
        assert sorted(refused) == sorted(keys), result
        assert all(refused[k]["type"] in types for k in keys), result
        assert not result.get("created") and not result.get("updated") and not result.get("destroyed"), result

    return check


def both(*checks: Check) -> Check:
    def check(responses: list[list[Any]], alice: Alice) -> None:
        for each in checks:
            each(responses, alice)

    return check


def empty_ids(responses: list[list[Any]], alice: Alice) -> None:
    name, result, _ = responses[-1]
    assert name == "error" or result["ids"] == [], result


def error(*types: str) -> Check:
    def check(responses: list[list[Any]], alice: Alice) -> None:
        name, result, _ = responses[-1]
        assert (name, result.get("type")) in [("error", t) for t in types], result

    return check


def lookup_matches_nothing(responses: list[list[Any]], alice: Alice) -> None:
    result = _one(responses)
    assert all(not any(entry["matchedIds"].values()) for entry in result["list"]), result


def snippet_not_found(responses: list[list[Any]], alice: Alice) -> None:
    result = _one(responses)
    assert result["list"] == [] and result["notFound"] == [alice.email], result


def submission_id(alice: Alice) -> str:
    return alice.submission or "Snone"


CASES: dict[str, Case] = {
    "Mailbox/get ids": Case(
        lambda a, b: [["Mailbox/get", {"accountId": b.account, "ids": [a.mailbox, a.inbox]}, "c"]],
        not_found("mailbox", "inbox"),
    ),
    "Email/get ids": Case(
        lambda a, b: [
            ["Email/get", {"accountId": b.account, "ids": [a.email], "fetchAllBodyValues": True}, "c"]
        ],
        not_found("email"),
    ),
    "Thread/get ids": Case(
        lambda a, b: [["Thread/get", {"accountId": b.account, "ids": [a.thread]}, "c"]], not_found("thread")
    ),
    "Identity/get ids": Case(
        lambda a, b: [["Identity/get", {"accountId": b.account, "ids": [a.identity]}, "c"]],
        not_found("identity"),
    ),
    "EmailSubmission/get ids": Case(
        lambda a, b: [["EmailSubmission/get", {"accountId": b.account, "ids": [submission_id(a)]}, "c"]],
        lambda r, a: not_found(submission_id(a))(r, a),
    ),
    "Blob/get ids": Case(
        lambda a, b: [["Blob/get", {"accountId": b.account, "ids": [a.blob, a.upload, a.part_blob]}, "c"]],
        not_found("blob", "upload", "part_blob"),
    ),
    "SearchSnippet/get emailIds": Case(
        lambda a, b: [
            [
                "SearchSnippet/get",
                {"accountId": b.account, "emailIds": [a.email], "filter": {"text": "herons"}},
                "c",
            ]
        ],
        snippet_not_found,
    ),
    "Blob/lookup ids": Case(
        lambda a, b: [
            [
                "Blob/lookup",
                {
                    "accountId": b.account,
                    "typeNames": ["Mailbox", "Thread", "Email"],
                    "ids": [a.blob, a.part_blob],
                },
                "c",
            ]
        ],
        lookup_matches_nothing,
    ),
    "Email/parse blobIds": Case(
        lambda a, b: [
            ["Email/parse", {"accountId": b.account, "blobIds": [a.blob, a.part_blob, a.upload]}, "c"]
        ],
        lambda r, a: _parse_not_found(r, a),
    ),
    "Email/query inMailbox": Case(
        lambda a, b: [["Email/query", {"accountId": b.account, "filter": {"inMailbox": a.mailbox}}, "c"]],
        empty_ids,
    ),
    "Email/query text": Case(
        lambda a, b: [["Email/query", {"accountId": b.account, "filter": {"text": "herons"}}, "c"]], empty_ids
    ),
    "Mailbox/query parentId": Case(
        lambda a, b: [["Mailbox/query", {"accountId": b.account, "filter": {"parentId": a.mailbox}}, "c"]],
        empty_ids,
    ),
    "EmailSubmission/query filter": Case(
        lambda a, b: [
            [
                "EmailSubmission/query",
                {"accountId": b.account, "filter": {"identityIds": [a.identity], "emailIds": [a.email]}},
                "c",
            ]
        ],
        empty_ids,
    ),
    "Email/set update": Case(
        lambda a, b: [
            ["Email/set", {"accountId": b.account, "update": {a.email: {"keywords/$seen": True}}}, "c"]
        ],
        set_error("Updated", "email"),
    ),
    "Email/set destroy": Case(
        lambda a, b: [["Email/set", {"accountId": b.account, "destroy": [a.email]}, "c"]],
        set_error("Destroyed", "email"),
    ),
    "Email/set create in alice's mailbox": Case(
        lambda a, b: [
            [
                "Email/set",
                {"accountId": b.account, "create": {"x": {"mailboxIds": {a.mailbox: True}, "subject": "hi"}}},
                "c",
            ]
        ],
        set_error("Created", "x", types=("invalidProperties", "notFound")),
    ),
    "Email/set create with alice's blob": Case(
        lambda a, b: [
            [
                "Email/set",
                {
                    "accountId": b.account,
                    "create": {
                        "x": {
                            "mailboxIds": {b.inbox: True},
                            "attachments": [
                                {"blobId": a.upload, "type": "text/plain"},
                                {"blobId": a.part_blob},
                            ],
                        }
                    },
                },
                "c",
            ]
        ],
        set_error("Created", "x", types=("blobNotFound", "invalidProperties")),
    ),
    "Email/import alice's blob": Case(
        lambda a, b: [
            [
                "Email/import",
                {"accountId": b.account, "emails": {"x": {"blobId": a.blob, "mailboxIds": {b.inbox: True}}}},
                "c",
            ]
        ],
        set_error("Created", "x", types=("invalidProperties",)),
    ),
    "Mailbox/set update and destroy": Case(
        lambda a, b: [
            [
                "Mailbox/set",
                {"accountId": b.account, "update": {a.mailbox: {"name": "mine now"}}, "destroy": [a.inbox]},
                "c",
            ]
        ],
        both(set_error("Updated", "mailbox"), set_error("Destroyed", "inbox")),
    ),
    "Mailbox/set create under alice's mailbox": Case(
        lambda a, b: [
            [
                "Mailbox/set",
                {"accountId": b.account, "create": {"x": {"name": "child", "parentId": a.mailbox}}},
                "c",
            ]
        ],
        set_error("Created", "x", types=("invalidProperties", "notFound")),
    ),
    "Identity/set update and destroy": Case(
        lambda a, b: [
            [
                "Identity/set",
                {
                    "accountId": b.account,
                    "update": {a.identity: {"name": "Mallory"}},
                    "destroy": [a.identity],
                },
                "c",
            ]
        ],
        both(set_error("Updated", "identity"), set_error("Destroyed", "identity")),
    ),
    "EmailSubmission/set create from alice's email and identity": Case(
        lambda a, b: [
            [
                "EmailSubmission/set",
                {"accountId": b.account, "create": {"x": {"identityId": a.identity, "emailId": a.email}}},
                "c",
            ]
        ],
        set_error("Created", "x", types=("invalidProperties", "notFound")),
    ),
    "EmailSubmission/set update and destroy": Case(
        lambda a, b: [
            [
                "EmailSubmission/set",
                {
                    "accountId": b.account,
                    "update": {submission_id(a): {"undoStatus": "canceled"}},
                    "destroy": [submission_id(a)],
                },
                "c",
            ]
        ],
        lambda r, a: both(set_error("Updated", submission_id(a)), set_error("Destroyed", submission_id(a)))(
            r, a
        ),
    ),
    "Blob/upload from alice's blob": Case(
        lambda a, b: [
            ["Blob/upload", {"accountId": b.account, "create": {"x": {"data": [{"blobId": a.upload}]}}}, "c"]
        ],
        set_error("Created", "x", types=("blobNotFound", "invalidProperties", "notFound")),
    ),
    # Result references to bob's own calls whose results name alice's ids
    "echo -> Email/get": Case(
        lambda a, b: [
            ["Core/echo", {"ids": [a.email]}, "e"],
            [
                "Email/get",
                {"accountId": b.account, "#ids": {"resultOf": "e", "name": "Core/echo", "path": "/ids"}},
                "c",
            ],
        ],
        not_found("email"),
    ),
    "echo -> Email/set destroy": Case(
        lambda a, b: [
            ["Core/echo", {"ids": [a.email]}, "e"],
            [
                "Email/set",
                {"accountId": b.account, "#destroy": {"resultOf": "e", "name": "Core/echo", "path": "/ids"}},
                "c",
            ],
        ],
        set_error("Destroyed", "email"),
    ),
    "Email/get notFound -> Thread/get": Case(
        lambda a, b: [
            ["Email/get", {"accountId": b.account, "ids": [a.email]}, "e"],
            [
                "Thread/get",
                {"accountId": b.account, "#ids": {"resultOf": "e", "name": "Email/get", "path": "/notFound"}},
                "c",
            ],
        ],
        not_found("email"),
    ),
    "echo -> Mailbox/get and Blob/get": Case(
        lambda a, b: [
            ["Core/echo", {"m": [a.mailbox], "b": [a.blob, a.upload]}, "e"],
            [
                "Mailbox/get",
                {"accountId": b.account, "#ids": {"resultOf": "e", "name": "Core/echo", "path": "/m"}},
                "m",
            ],
            [
                "Blob/get",
                {"accountId": b.account, "#ids": {"resultOf": "e", "name": "Core/echo", "path": "/b"}},
                "c",
            ],
        ],
        lambda r, a: both(not_found("blob", "upload"))(r, a) or not_found("mailbox")(r[:2], a),
    ),
    "reference to a call that never ran": Case(
        lambda a, b: [
            [
                "Email/get",
                {"accountId": b.account, "#ids": {"resultOf": "zz", "name": "Email/query", "path": "/ids"}},
                "c",
            ]
        ],
        error("invalidResultReference"),
    ),
    # Creation ids
    "unknown #x in ids": Case(
        lambda a, b: [["Email/get", {"accountId": b.account, "ids": ["#x"]}, "c"]], not_found("#x")
    ),
    "unknown #x in update and mailboxIds": Case(
        lambda a, b: [
            [
                "Email/set",
                {
                    "accountId": b.account,
                    "update": {"#x": {"keywords/$seen": True}},
                    "create": {"y": {"mailboxIds": {"#x": True}, "subject": "hi"}},
                },
                "c",
            ]
        ],
        both(set_error("Updated", "#x"), set_error("Created", "y", types=("invalidProperties", "notFound"))),
    ),
    "createdIds naming alice's ids": Case(
        lambda a, b: [
            ["Email/get", {"accountId": b.account, "ids": ["#x"]}, "g"],
            [
                "Email/set",
                {"accountId": b.account, "destroy": ["#x"], "update": {"#m": {"keywords/$seen": True}}},
                "c",
            ],
        ],
        lambda r, a: _created_ids_check(r, a),
        created_ids=lambda a: {"x": a.email, "m": a.mailbox},
    ),
}


def _parse_not_found(responses: list[list[Any]], alice: Alice) -> None:
    result = _one(responses)
    assert not result.get("parsed"), result
    assert sorted(result["notFound"] + (result.get("notParsable") or [])) == sorted(
        [alice.blob, alice.part_blob, alice.upload]
    ), result


def _created_ids_check(responses: list[list[Any]], alice: Alice) -> None:
    got = responses[0][1]
    assert got["list"] == [], got
    refused = _one(responses)
    assert not refused.get("destroyed") and not refused.get("updated"), refused
    assert [e["type"] for e in (refused.get("notDestroyed") or {}).values()] == ["notFound"], refused


@pytest.mark.parametrize("case", list(CASES))
def test_alices_ids_in_bobs_account_are_not_found(world: tuple[Alice, Bob], case: str) -> None:
    alice, bob = world
    spec = CASES[case]
    responses = bob.api(
        *spec.calls(alice, bob), created_ids=spec.created_ids(alice) if spec.created_ids else None
    )
    spec.check(responses, alice)
    assert_nothing_of_alice(alice, bob)


def test_alices_data_is_unchanged_after_every_attack(world: tuple[Alice, Bob]) -> None:
    alice, bob = world
    assert alice.submission is not None, "alice's world should hold a submission to attack"
    for spec in CASES.values():
        bob.api(*spec.calls(alice, bob), created_ids=spec.created_ids(alice) if spec.created_ids else None)
    [[_, got, _], [_, box, _]] = _as_alice(
        bob.client,
        [
            "Email/get",
            {"accountId": alice.account, "ids": [alice.email], "properties": ["keywords", "mailboxIds"]},
            "e",
        ],
        ["Mailbox/get", {"accountId": alice.account, "ids": [alice.mailbox], "properties": ["name"]}, "m"],
    )
    assert got["list"] == [
        {"id": alice.email, "keywords": {}, "mailboxIds": {alice.inbox: True, alice.mailbox: True}}
    ]
    assert box["list"] == [{"id": alice.mailbox, "name": FOLDER}]
    assert_nothing_of_alice(alice, bob)


# --- 3. the HTTP routes -------------------------------------------------------------------------------


def _blob_urls(alice: Alice, bob: Bob) -> dict[str, str]:
    return {
        "alice's account, email blob": f"/jmap/download/{alice.account}/{alice.blob}/m.eml",
        "alice's account, part blob": f"/jmap/download/{alice.account}/{alice.part_blob}/a.txt",
        "alice's account, upload": f"/jmap/download/{alice.account}/{alice.upload}/u.txt?type=text/plain",
        "alice's account, no name": f"/jmap/download/{alice.account}/{alice.blob}",
        "bob's account, alice's email blob": f"/jmap/download/{bob.account}/{alice.blob}/m.eml",
        "bob's account, alice's part blob": f"/jmap/download/{bob.account}/{alice.part_blob}/a.txt",
        "bob's account, alice's upload": f"/jmap/download/{bob.account}/{alice.upload}/u.txt",
        "bob's account, alice's email id as a part": f"/jmap/download/{bob.account}/{alice.email}_1/x",
    }


@pytest.mark.parametrize(
    "which",
    [
        "alice's account, email blob",
        "alice's account, part blob",
        "alice's account, upload",
        "alice's account, no name",
        "bob's account, alice's email blob",
        "bob's account, alice's part blob",
        "bob's account, alice's upload",
        "bob's account, alice's email id as a part",
    ],
)
def test_download_of_alices_blobs_is_404(world: tuple[Alice, Bob], which: str) -> None:
    alice, bob = world
    response = bob.get(_blob_urls(alice, bob)[which])
    assert response.status_code == 404, response.text
    assert_nothing_of_alice(alice, bob)


def test_alice_can_download_what_bob_cannot(world: tuple[Alice, Bob]) -> None:
    # The 404s above are about who asks, not about broken URLs.
    alice, bob = world
    for url in (
        f"/jmap/download/{alice.account}/{alice.blob}/m.eml",
        f"/jmap/download/{alice.account}/{alice.part_blob}/a.txt",
        f"/jmap/download/{alice.account}/{alice.upload}/u.txt",
    ):
        assert bob.client.get(url, headers=ALICE).status_code == 200, url


@pytest.mark.parametrize("path", ["/jmap/upload/{alice}/", "/jmap/upload/{alice}"])
def test_upload_into_alices_account_is_refused(world: tuple[Alice, Bob], path: str) -> None:
    alice, bob = world
    response = bob.post(path.format(alice=alice.account), b"planted by bob")
    assert response.status_code in (403, 404), response.text
    [[_, got, _]] = _as_alice(bob.client, ["Blob/get", {"accountId": alice.account, "ids": []}, "c"])
    assert got["list"] == []
    assert_nothing_of_alice(alice, bob)


def test_session_and_me_name_only_bob(world: tuple[Alice, Bob]) -> None:
    alice, bob = world
    session = bob.get("/jmap/session").json()
    assert list(session["accounts"]) == [bob.account]
    assert set(session["primaryAccounts"].values()) == {bob.account}
    assert bob.get("/v0/auth/me").json()["accountId"] == bob.account
    assert_nothing_of_alice(alice, bob)


def test_bobs_credentials_do_not_open_the_management_api(world: tuple[Alice, Bob]) -> None:
    alice, bob = world
    token = bob.client.post("/v0/auth/login", json={"username": "bob", "password": "bob's long password"})
    bearer = token.json()["token"]
    for headers in (BOB, {"Authorization": f"Bearer {bearer}"}):
        response = bob.client.get(f"/v0/management/accounts/{alice.account}", headers=headers)
        bob.record("management", "", response)
        assert response.status_code == 401, response.text
    assert_nothing_of_alice(alice, bob)


def test_event_source_carries_only_bobs_account(
    world: tuple[Alice, Bob], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.config import reset_settings
    from mailx.push.eventsource import encode_event_id
    from mailx.store import config_store

    alice, bob = world
    for key, value in {
        "EVENTSOURCE_MODE": "buffered",
        "EVENTSOURCE_MAX_WAIT_SECONDS": "1",
        "EVENTSOURCE_POLL_MS": "100",
    }.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    config_store.forget_cache()
    url = "/jmap/eventsource?types=*&closeafter=no&ping=0"
    # When bob listens, even claiming a last event id of alice's account, while alice's mail changes
    claimed = encode_event_id(alice.account, {"Email": 0, "Mailbox": 0})
    ingest(alice.account, RAW.replace(b"board-figures", b"second"), mailbox_ids=[alice.inbox])
    response = bob.get(url, **{"Last-Event-ID": claimed})
    # Then he hears nothing of her account
    assert response.status_code == 200, response.text
    assert alice.account not in response.text.replace(claimed, "")
    assert_nothing_of_alice(alice, bob)
