"""Response shapes and request-level rules real clients rely on, as literal JSON on the wire.

RFC 8620 §5.3/§5.4 type every `created`/`updated`/`destroyed`/`not*` argument `...|null`; a client
reads a non-null `notCreated` as failure, so "none" is `null` in every /set, /copy and Email/import
(RFC 8621 §4.8) response, and SearchSnippet/get's `notFound` (§5.1) likewise. The request rules
(empty `using`, Content-Type) and the documented leniencies (docs/clients.md) are here too.
"""

from __future__ import annotations

import json
from typing import Any

from mailx.mail.ingest import ingest
from mailx.protocol.capabilities import CORE, MAIL
from tests.helpers.auth import basic
from tests.helpers.mailboxes import inbox_id
from tests.helpers.messages import message

ALICE = basic("alice", "correct horse battery")
JSON = {**ALICE, "Content-Type": "application/json"}
SUBMISSION = "urn:ietf:params:jmap:submission"
VACATION = "urn:ietf:params:jmap:vacationresponse"
ALL_NULL = (
    '"created":null,"updated":null,"destroyed":null,"notCreated":null,"notUpdated":null,"notDestroyed":null'
)


def post(client: Any, using: list[str], *calls: list[Any]) -> str:
    """The raw response text of one API request."""
    body = json.dumps({"using": using, "methodCalls": list(calls)})
    response = client.post("/jmap/api", content=body, headers=JSON)
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


def responses(text: str) -> list[list[Any]]:
    result: list[list[Any]] = json.loads(text)["methodResponses"]
    return result


def test_every_set_method_answers_null_for_empty_maps(client: Any, alice: Any) -> None:
    acc = alice.account_id
    using = [CORE, MAIL, SUBMISSION, VACATION]
    for method in ("Mailbox/set", "Email/set", "Identity/set", "EmailSubmission/set", "VacationResponse/set"):
        text = post(client, using, [method, {"accountId": acc}, "0"])
        assert ALL_NULL in text, (method, text)
        assert text.startswith(f'{{"methodResponses":[["{method}",{{"accountId":"{acc}","oldState":')


def test_a_successful_create_has_null_failures_and_a_failed_one_null_successes(
    client: Any, alice: Any
) -> None:
    acc = alice.account_id
    text = post(
        client, [CORE, MAIL], ["Mailbox/set", {"accountId": acc, "create": {"k": {"name": "Receipts"}}}, "0"]
    )
    [[_, result, _]] = responses(text)
    new_id = result["created"]["k"]["id"]
    assert f'"created":{{"k":{{"id":"{new_id}",' in text
    assert '"updated":null,"destroyed":null,"notCreated":null,"notUpdated":null,"notDestroyed":null' in text
    # A sibling with the same name: alreadyExists naming the existing mailbox, nothing else set
    text = post(
        client, [CORE, MAIL], ["Mailbox/set", {"accountId": acc, "create": {"k2": {"name": "Receipts"}}}, "0"]
    )
    assert (
        '"created":null,"updated":null,"destroyed":null,"notCreated":{"k2":{"type":"alreadyExists",'
        f'"description":"a sibling mailbox already has this name","existingId":"{new_id}"}}}},'
        '"notUpdated":null,"notDestroyed":null'
    ) in text
    # Renaming another mailbox onto that name is refused the same way
    other = responses(
        post(
            client, [CORE, MAIL], ["Mailbox/set", {"accountId": acc, "create": {"o": {"name": "Bills"}}}, "0"]
        )
    )
    other_id = other[0][1]["created"]["o"]["id"]
    text = post(
        client,
        [CORE, MAIL],
        ["Mailbox/set", {"accountId": acc, "update": {other_id: {"name": "Receipts"}}}, "0"],
    )
    assert (
        f'"notUpdated":{{"{other_id}":{{"type":"alreadyExists",'
        f'"description":"a sibling mailbox already has this name","existingId":"{new_id}"}}}}'
    ) in text


def test_email_import_and_search_snippet_use_null(client: Any, alice: Any) -> None:
    acc = alice.account_id
    inbox = inbox_id(acc)
    blob = client.post(f"/jmap/upload/{acc}/", content=message("shape@example.net", "Shapes"), headers=ALICE)
    blob_id = blob.json()["blobId"]
    text = post(
        client,
        [CORE, MAIL],
        [
            "Email/import",
            {"accountId": acc, "emails": {"i": {"blobId": blob_id, "mailboxIds": {inbox: True}}}},
            "0",
        ],
    )
    assert text.count('"notCreated":null') == 1 and '"created":{"i":{"id":' in text
    email_id = responses(text)[0][1]["created"]["i"]["id"]
    # An unknown blob: invalidProperties naming blobId, and created is null
    text = post(
        client,
        [CORE, MAIL],
        [
            "Email/import",
            {"accountId": acc, "emails": {"j": {"blobId": "Bmissing", "mailboxIds": {inbox: True}}}},
            "0",
        ],
    )
    assert (
        '"created":null,"notCreated":{"j":{"type":"invalidProperties","description":"no blob \'Bmissing\'",'
        '"properties":["blobId"]}}'
    ) in text
    text = post(client, [CORE, MAIL], ["SearchSnippet/get", {"accountId": acc, "emailIds": [email_id]}, "0"])
    assert text.startswith(
        f'{{"methodResponses":[["SearchSnippet/get",{{"accountId":"{acc}","list":[{{"emailId":"{email_id}",'
        '"subject":null,"preview":null}],"notFound":null},"0"]]'
    )
    text = post(client, [CORE, MAIL], ["SearchSnippet/get", {"accountId": acc, "emailIds": ["Mnope"]}, "0"])
    assert '"list":[],"notFound":["Mnope"]' in text


def test_blob_copy_uses_null_when_nothing_was_copied(client: Any, alice: Any) -> None:
    # Blob/copy needs another account; with this one only the shape of a refusal is observable
    text = post(
        client,
        [CORE],
        ["Blob/copy", {"fromAccountId": "Anobody", "accountId": alice.account_id, "blobIds": []}, "0"],
    )
    assert '["error",{"type":"fromAccountNotFound"' in text


def test_an_empty_using_answers_unknown_method_for_every_call(client: Any, alice: Any) -> None:
    text = post(
        client, [], ["Core/echo", {"x": 1}, "a"], ["Mailbox/get", {"accountId": alice.account_id}, "b"]
    )
    state = json.loads(text)["sessionState"]
    assert text == (
        '{"methodResponses":['
        '["error",{"type":"unknownMethod","description":"unknown method \'Core/echo\' for the '
        'capabilities in \'using\'"},"a"],'
        '["error",{"type":"unknownMethod","description":"unknown method \'Mailbox/get\' for the '
        f'capabilities in \'using\'"}},"b"]],"sessionState":"{state}"}}'
    )
    # Core alone still answers core methods (and core is implied when mail is named)
    assert '["Core/echo",{"x":1},"a"]' in post(client, [CORE], ["Core/echo", {"x": 1}, "a"])
    assert '["Core/echo",{"x":1},"a"]' in post(client, [MAIL], ["Core/echo", {"x": 1}, "a"])


def test_a_body_not_declared_json_is_415_problem_json(client: Any, alice: Any) -> None:
    body = '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{},"0"]]}'
    for content_type in (
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        response = client.post("/jmap/api", content=body, headers={**ALICE, "Content-Type": content_type})
        media = content_type.split(";")[0].lower()
        assert response.status_code == 415, content_type
        assert response.headers["content-type"] == "application/problem+json"
        assert response.text == (
            '{"type":"urn:ietf:params:jmap:error:notJSON","status":415,'
            f'"detail":"The Content-Type must be application/json (got \'{media}\')."}}'
        )
    # JSON with parameters is JSON; without credentials it is still 401 first
    ok = client.post(
        "/jmap/api", content=body, headers={**ALICE, "Content-Type": "Application/JSON; charset=utf-8"}
    )
    assert ok.status_code == 200 and ok.json()["methodResponses"] == [["Core/echo", {}, "0"]]
    assert client.post("/jmap/api", content=body, headers={"Content-Type": "text/plain"}).status_code == 401


def test_mail_in_using_admits_submission_and_vacation_methods(client: Any, alice: Any) -> None:
    acc = alice.account_id
    text = post(
        client,
        [CORE, MAIL],
        ["Identity/get", {"accountId": acc}, "i"],
        ["EmailSubmission/set", {"accountId": acc}, "s"],
        ["VacationResponse/get", {"accountId": acc}, "v"],
    )
    names = [name for name, _, _ in responses(text)]
    assert names == ["Identity/get", "EmailSubmission/set", "VacationResponse/get"]
    # Without mail they stay unknown: the leniency is exactly "mail implies the other two"
    text = post(
        client,
        [CORE],
        ["Identity/get", {"accountId": acc}, "i"],
        ["VacationResponse/get", {"accountId": acc}, "v"],
    )
    assert [r[1].get("type") for r in responses(text)] == ["unknownMethod", "unknownMethod"]
    text = post(client, [CORE, SUBMISSION], ["VacationResponse/get", {"accountId": acc}, "v"])
    assert responses(text)[0][1]["type"] == "unknownMethod"


def test_keyword_false_means_not_set(client: Any, alice: Any) -> None:
    acc = alice.account_id
    inbox = inbox_id(acc)
    made = ingest(acc, message("kw@example.net", "Keywords"), mailbox_ids=[inbox], keywords=["$seen"])
    email_id = made.email_id

    def keywords() -> dict[str, bool]:
        text = post(
            client,
            [CORE, MAIL],
            ["Email/get", {"accountId": acc, "ids": [email_id], "properties": ["keywords"]}, "0"],
        )
        found: dict[str, bool] = responses(text)[0][1]["list"][0]["keywords"]
        return found

    def update(patch: dict[str, Any]) -> str:
        return post(client, [CORE, MAIL], ["Email/set", {"accountId": acc, "update": {email_id: patch}}, "0"])

    # Mark as unread the way webmail does it: a patch with false
    text = update({"keywords/$seen": False, "keywords/$flagged": True})
    assert f'"updated":{{"{email_id}":null}},"destroyed":null,"notCreated":null,"notUpdated":null' in text
    assert keywords() == {"$flagged": True}
    # A whole keywords map with false entries sets only the true ones
    update({"keywords": {"$seen": True, "$flagged": False, "$draft": False}})
    assert keywords() == {"$seen": True}
    # Other values are still refused
    text = update({"keywords/$flagged": "yes"})
    assert (
        f'"notUpdated":{{"{email_id}":{{"type":"invalidProperties",' in text
        and '"properties":["keywords"]' in text
    )
    text = update({"keywords": {"$flagged": 1}})
    assert '"properties":["keywords"]' in text
    assert keywords() == {"$seen": True}
    # Counters follow: the message is read again, so the Inbox has no unread mail
    text = post(
        client,
        [CORE, MAIL],
        ["Mailbox/get", {"accountId": acc, "ids": [inbox], "properties": ["unreadEmails"]}, "0"],
    )
    assert f'"list":[{{"id":"{inbox}","unreadEmails":0}}]' in text
    # And an import or create with false keywords stores only the true ones
    blob_id = client.post(
        f"/jmap/upload/{acc}/", content=message("kw2@example.net", "Imported"), headers=ALICE
    ).json()["blobId"]
    imported = {
        "blobId": blob_id,
        "mailboxIds": {inbox: True},
        "keywords": {"$seen": False, "$flagged": True},
    }
    text = post(client, [CORE, MAIL], ["Email/import", {"accountId": acc, "emails": {"i": imported}}, "0"])
    email_id = responses(text)[0][1]["created"]["i"]["id"]
    assert keywords() == {"$flagged": True}


GET = {"accountId", "state", "list", "notFound"}
CHANGES = {"accountId", "oldState", "newState", "hasMoreChanges", "created", "updated", "destroyed"}
QUERY = {"accountId", "queryState", "canCalculateChanges", "position", "ids"}
QUERY_CHANGES = {"accountId", "oldQueryState", "newQueryState", "removed", "added"}
SET = {"accountId", "oldState", "newState", "created", "updated", "destroyed", "notCreated", "notUpdated",
       "notDestroyed"}  # fmt: skip
QUOTA = "urn:ietf:params:jmap:quota"
BLOB = "urn:ietf:params:jmap:blob"


def test_every_method_answers_the_properties_the_rfcs_list(client: Any, alice: Any) -> None:
    """An audit of each method's response arguments against RFC 8620/8621/9404/9425 (empty calls)."""
    acc = alice.account_id
    using = [CORE, MAIL, SUBMISSION, VACATION, QUOTA, BLOB]
    expected: dict[str, tuple[dict[str, Any], set[str], set[str]]] = {
        # method: (arguments, response properties, those that must be null here)
        "Mailbox/get": ({"ids": []}, GET, set()),
        "Mailbox/changes": ({"sinceState": "0"}, CHANGES | {"updatedProperties"}, {"updatedProperties"}),
        "Mailbox/query": ({}, QUERY, set()),
        "Mailbox/set": ({}, SET, SET - {"accountId", "oldState", "newState"}),
        "Email/get": ({"ids": []}, GET, set()),
        "Email/changes": ({"sinceState": "0"}, CHANGES, set()),
        "Email/query": ({}, QUERY | {"limit"}, set()),  # the server's page cap, reported as §5.5 asks
        "Email/set": ({}, SET, SET - {"accountId", "oldState", "newState"}),
        "Email/import": (
            {"emails": {}},
            {"accountId", "oldState", "newState", "created", "notCreated"},
            {"created", "notCreated"},
        ),
        "Email/parse": (
            {"blobIds": []},
            {"accountId", "parsed", "notParsable", "notFound"},
            {"parsed", "notParsable", "notFound"},
        ),
        "Thread/get": ({"ids": []}, GET, set()),
        "Thread/changes": ({"sinceState": "0"}, CHANGES, set()),
        "SearchSnippet/get": ({"emailIds": []}, {"accountId", "list", "notFound"}, {"notFound"}),
        "Identity/get": ({"ids": []}, GET, set()),
        "Identity/changes": ({"sinceState": "0"}, CHANGES, set()),
        "Identity/set": ({}, SET, SET - {"accountId", "oldState", "newState"}),
        "EmailSubmission/get": ({"ids": []}, GET, set()),
        "EmailSubmission/changes": ({"sinceState": "0"}, CHANGES, set()),
        "EmailSubmission/query": ({}, QUERY, set()),
        "EmailSubmission/set": ({}, SET, SET - {"accountId", "oldState", "newState"}),
        "VacationResponse/get": ({"ids": None}, GET, set()),
        "VacationResponse/set": ({}, SET, SET - {"accountId", "oldState", "newState"}),
        "Quota/get": ({"ids": []}, GET, set()),
        "Quota/changes": ({"sinceState": "0"}, CHANGES | {"updatedProperties"}, {"updatedProperties"}),
        "Quota/query": ({}, QUERY, set()),
        "Blob/get": ({"ids": []}, {"accountId", "list", "notFound"}, set()),
        "Blob/upload": ({"create": {}}, {"accountId", "created", "notCreated"}, {"created", "notCreated"}),
        "Blob/lookup": ({"typeNames": [], "ids": []}, {"accountId", "list", "notFound"}, set()),
    }
    calls = [[name, {"accountId": acc, **args}, name] for name, (args, _, _) in expected.items()]
    found = {call_id: (name, result) for name, result, call_id in responses(post(client, using, *calls))}
    for method, (_, properties, nulls) in expected.items():
        name, result = found[method]
        assert name == method, (method, result)
        assert set(result) == properties, (method, sorted(result))
        assert {k for k in nulls if result[k] is not None} == set(), (method, result)
    # The queryChanges methods, from each query's own state
    states = {
        m: found[m][1]["queryState"]
        for m in ("Mailbox/query", "Email/query", "EmailSubmission/query", "Quota/query")
    }
    calls = [[m + "Changes", {"accountId": acc, "sinceQueryState": s}, m] for m, s in states.items()]
    for name, result, call_id in responses(post(client, using, *calls)):
        assert name == call_id + "Changes" and set(result) == QUERY_CHANGES, (name, result)
