"""Mailbox calls over HTTP as alice (RFC 8621 §2): one call, Mailbox/set, all mailboxes, ids by role.

RIGHTS are the myRights an owner sees on every mailbox.
"""

from __future__ import annotations

from typing import Any

from tests.helpers.jmap_calls import jmap

RIGHTS = {  # myRights of a mailbox its owner sees
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
    """Every mailbox of the account by id, as Mailbox/get returns them."""
    [[_, result, _]] = jmap(client, ["Mailbox/get", {"accountId": account_id, "ids": None}, "g"])
    return {mailbox["id"]: mailbox for mailbox in result["list"]}


def role_id(client: Any, account_id: str, role: str) -> str:
    """The id of the mailbox with ROLE, found through Mailbox/get."""
    return next(i for i, m in all_boxes(client, account_id).items() if m["role"] == role)
