"""Email/copy (RFC 8621 §4.7, RFC 8620 §5.4): over HTTP a single-user server has nothing to copy from,
so the copy itself is tested at the service level, with a request context holding two accounts."""

from __future__ import annotations

from typing import Any, cast

import pytest

from mailx.mail.ingest import ingest
from mailx.methods.email import _fulltext, _implicit_set, copy
from mailx.protocol.capabilities import CORE, MAIL
from mailx.protocol.context import AccountAccess, CallContext, RequestContext
from mailx.search import query as search_query
from mailx.server.services import Services
from mailx.store import blobs, emails, transactions
from tests.helpers.auth import basic
from tests.helpers.mailboxes import counters
from tests.helpers.messages import message

ALICE = basic("alice", "correct horse battery")


def box(account_id: str, role: str) -> str:
    return next(m for m, r in emails.mailbox_roles(account_id).items() if r == role)


def copy_call(*account_ids: str) -> CallContext:
    access = AccountAccess(frozenset({CORE, MAIL}))
    request = RequestContext(
        using=frozenset({CORE, MAIL}),
        accounts=dict.fromkeys(account_ids, access),
        services=Services(principal=cast(Any, None)),
    )
    return CallContext(request, "c1", "Email/copy", MAIL, writes=True)


def run(call: CallContext, args: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Email/copy's output, which is always a list of (name, arguments) responses."""
    output = copy.email_copy(call, args)
    assert isinstance(output, list)
    return output


def test_over_http_the_only_account_cannot_be_copied_from(client: Any, alice: Any) -> None:
    def call(arguments: dict[str, Any]) -> list[Any]:
        body = {"using": [CORE, MAIL], "methodCalls": [["Email/copy", arguments, "0"]]}
        response = client.post("/jmap/api", json=body, headers=ALICE)
        assert response.status_code == 200
        [result] = response.json()["methodResponses"]
        return list(result)

    same = {"fromAccountId": alice.account_id, "accountId": alice.account_id, "create": {}}
    assert call(same)[1]["type"] == "invalidArguments"
    other = {"fromAccountId": "Anobody", "accountId": alice.account_id, "create": {}}
    name, error, _ = call(other)
    assert (name, error["type"]) == ("error", "fromAccountNotFound")


def test_copy_between_two_accounts(aws: None, alice: Any, bob: Any) -> None:
    # Given a read, flagged message in alice's inbox
    raw = message("copy-1@example.net", "Quarterly numbers", body="numbers attached")
    source = ingest(
        alice.account_id, raw, mailbox_ids=[box(alice.account_id, "inbox")], keywords=["$seen", "$flagged"]
    )
    record = emails.get(alice.account_id, source.email_id)
    assert record is not None
    bob_archive = box(bob.account_id, "archive")
    bob_before = transactions.get_states(bob.account_id)
    call = copy_call(alice.account_id, bob.account_id)
    # When bob's account gets two copies: one keeping the source's keywords, one with its own
    target = {"fromAccountId": alice.account_id, "accountId": bob.account_id}
    responses = run(
        call,
        {**target, "ifInState": str(bob_before["Email"]), "create": {
             "keep": {"id": source.email_id, "mailboxIds": {bob_archive: True}},
             "own": {"id": source.email_id, "mailboxIds": {bob_archive: True},
                     "keywords": {"$Answered": True}, "receivedAt": "2020-01-02T03:04:05Z"},
             "missing": {"id": "Mnope", "mailboxIds": {bob_archive: True}},
             "theirbox": {"id": source.email_id, "mailboxIds": {box(alice.account_id, "inbox"): True}},
             "subject": {"id": source.email_id, "mailboxIds": {bob_archive: True}, "subject": "changed"},
         }},
    )  # fmt: skip
    # Then one Email/copy response (no implicit Email/set was asked for)
    [(name, result)] = responses
    assert name == "Email/copy"
    assert (result["fromAccountId"], result["accountId"]) == (alice.account_id, bob.account_id)
    assert result["oldState"] == str(bob_before["Email"])
    assert result["newState"] == str(transactions.get_states(bob.account_id)["Email"]) != result["oldState"]
    assert set(result["created"]) == {"keep", "own"}
    assert result["notCreated"]["missing"]["type"] == "notFound"
    assert result["notCreated"]["theirbox"] == {
        "type": "invalidProperties", "description": result["notCreated"]["theirbox"]["description"],
        "properties": ["mailboxIds"],
    }  # fmt: skip
    assert result["notCreated"]["subject"]["properties"] == ["subject"]
    kept = emails.get(bob.account_id, result["created"]["keep"]["id"])
    own = emails.get(bob.account_id, result["created"]["own"]["id"])
    assert kept is not None and own is not None
    assert result["created"]["keep"] == {"id": kept.email_id, "blobId": kept.blob_id,
                                         "threadId": kept.thread_id, "size": len(raw)}  # fmt: skip
    assert set(kept.keywords) == {"$seen", "$flagged"} and kept.received_at == record.received_at
    assert set(own.keywords) == {"$answered"} and own.received_at == "2020-01-02T03:04:05Z"
    assert kept.mailbox_ids == (bob_archive,)
    # The octets are the source's, byte for byte, and the original stays where it was
    stored = blobs.get(blobs.email_key(bob.account_id, kept.blob_id))
    assert stored is not None and stored.data == raw
    assert counters(bob.account_id, bob_archive)["totalEmails"] == 2
    assert emails.get(alice.account_id, source.email_id) is not None
    # And both copies are searchable in bob's account at once (the full-text index's tail)
    found = _fulltext.page(bob.account_id, {"body": search_query.parse("numbers")}, 0, 10, collapse=False,
                           total=True)  # fmt: skip
    assert sorted(found.ids) == sorted([kept.email_id, own.email_id]) and found.total == 2


def test_state_mismatch_on_either_account(aws: None, alice: Any, bob: Any) -> None:
    call = copy_call(alice.account_id, bob.account_id)
    base = {"fromAccountId": alice.account_id, "accountId": bob.account_id, "create": {}}
    from mailx.protocol.errors import MethodError

    for extra in ({"ifFromInState": "99"}, {"ifInState": "99"}):
        with pytest.raises(MethodError) as caught:
            copy.email_copy(call, {**base, **extra})
        assert caught.value.type == "stateMismatch"


def test_on_success_destroy_original_makes_the_implicit_email_set(
    aws: None, alice: Any, bob: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = ingest(alice.account_id, message("copy-2@example.net", "Move me"),
                    mailbox_ids=[box(alice.account_id, "inbox")])  # fmt: skip
    seen: list[tuple[str, dict[str, Any]]] = []

    def fake_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
        seen.append((call.method_name, args))
        return {"accountId": args["accountId"], "destroyed": args["destroy"]}

    monkeypatch.setattr(_implicit_set, "email_set_handler", lambda: fake_set)
    call = copy_call(alice.account_id, bob.account_id)
    responses = run(
        call,
        {"fromAccountId": alice.account_id, "accountId": bob.account_id, "onSuccessDestroyOriginal": True,
         "destroyFromIfInState": "7", "create": {
             "a": {"id": source.email_id, "mailboxIds": {box(bob.account_id, "inbox"): True}},
             "b": {"id": "Mnope", "mailboxIds": {box(bob.account_id, "inbox"): True}}}},
    )  # fmt: skip
    # Then the implicit Email/set destroys exactly the copied original, with destroyFromIfInState
    assert [name for name, _ in responses] == ["Email/copy", "Email/set"]
    assert seen == [
        ("Email/set", {"accountId": alice.account_id, "ifInState": "7", "destroy": [source.email_id]})
    ]
    assert responses[1][1] == {"accountId": alice.account_id, "destroyed": [source.email_id]}


def stored(account_id: str) -> tuple[int, int]:
    """The sizes and number of the account's stored Emails: what its quota usage must be."""
    records = emails.get_many(account_id, emails.list_ids(account_id, 10_000))
    return sum(r.size for r in records.values()), len(records)


def test_copy_is_counted_in_the_quota_and_refused_over_it(aws: None, alice: Any, bob: Any) -> None:
    from mailx.store import quota

    raw = message("copy-q@example.net", "Copied")
    made = ingest(alice.account_id, raw, mailbox_ids=[box(alice.account_id, "inbox")])
    target = {"id": made.email_id, "mailboxIds": {box(bob.account_id, "inbox"): True}}
    args: dict[str, Any] = {
        "fromAccountId": alice.account_id,
        "accountId": bob.account_id,
        "create": {"c": target},
    }
    [(_, result)] = run(copy_call(alice.account_id, bob.account_id), args)
    assert result["notCreated"] is None
    view, _ = quota.read(bob.account_id)
    assert (view.used["octets"], view.used["count"]) == stored(bob.account_id) == (made.size, 1)
    quota.set_limits(bob.account_id, {"count": quota.Limit(1)})
    args["create"] = {"c2": args["create"]["c"]}
    [(_, result)] = run(copy_call(alice.account_id, bob.account_id), args)
    assert result["created"] is None and result["notCreated"]["c2"]["type"] == "overQuota"
    assert stored(bob.account_id) == (made.size, 1)
