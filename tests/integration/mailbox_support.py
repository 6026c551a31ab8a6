"""Helpers the Mailbox tests share: alice's JMAP calls over HTTP and the owner's full rights."""

from __future__ import annotations

from typing import Any

from tests.support import basic

USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]
RIGHTS = {
    "mayReadItems": True,
    "mayAddItems": True,
    "mayRemoveItems": True,
    "maySetSeen": True,
    "maySetKeywords": True,
    "mayCreateChild": True,
    "mayRename": True,
    "mayDelete": True,
    "maySubmit": True,
}


def jmap(client: Any, *calls: list[Any]) -> list[list[Any]]:
    """POST the calls as alice with core + mail; the method responses."""
    response = client.post(
        "/jmap/api",
        json={"using": USING, "methodCalls": list(calls)},
        headers=basic("alice", "correct horse battery"),
    )
    assert response.status_code == 200, response.text
    responses: list[list[Any]] = response.json()["methodResponses"]
    return responses


def one(client: Any, method: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """One call; its response name and arguments."""
    [[name, result, _]] = jmap(client, [method, args, "0"])
    return name, result


def mailbox_set(client: Any, account_id: str, **args: Any) -> dict[str, Any]:
    """A Mailbox/set that must not be a method error."""
    [[name, result, _]] = jmap(client, ["Mailbox/set", {"accountId": account_id, **args}, "s"])
    assert name == "Mailbox/set", result
    answer: dict[str, Any] = result
    return answer


def all_boxes(client: Any, account_id: str) -> dict[str, dict[str, Any]]:
    [[_, result, _]] = jmap(client, ["Mailbox/get", {"accountId": account_id, "ids": None}, "g"])
    return {mailbox["id"]: mailbox for mailbox in result["list"]}


def role_id(client: Any, account_id: str, role: str) -> str:
    return next(i for i, m in all_boxes(client, account_id).items() if m["role"] == role)
