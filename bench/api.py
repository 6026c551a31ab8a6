"""The real FastAPI app in-process (Starlette's test client) with Basic auth, and JMAP request helpers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.harness import PASSWORD, USER

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
SUBMISSION = "urn:ietf:params:jmap:submission"
LIST_PROPERTIES = ["threadId", "mailboxIds", "keywords", "from", "subject", "receivedAt", "preview", "size"]
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}


class Api:
    """Posts JMAP requests as alice and returns methodResponses (failing loudly on anything else)."""

    def __init__(self, client: Any, account_id: str) -> None:
        self.client = client
        self.account_id = account_id

    def post(self, *calls: list[Any], using: tuple[str, ...] = (CORE, MAIL)) -> list[list[Any]]:
        body = {"using": list(using), "methodCalls": list(calls)}
        response = self.client.post("/jmap/api", json=body, headers=AUTH)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text}")
        result: list[list[Any]] = response.json()["methodResponses"]
        for name, args, call_id in result:
            if name == "error":
                raise RuntimeError(f"{call_id}: {args}")
        return result

    def call(self, name: str, using: tuple[str, ...] = (CORE, MAIL), **args: Any) -> dict[str, Any]:
        """One method call; its response arguments."""
        [[_, got, _], *_rest] = self.post([name, {"accountId": self.account_id, **args}, "0"], using=using)
        result: dict[str, Any] = got
        return result

    def open_view(self, condition: dict[str, Any], *, collapse: bool = True) -> list[list[Any]]:
        """The open-a-mailbox request: Mailbox/get, Email/query limit 50 newest first, Email/get of #ids."""
        account = self.account_id
        return self.post(
            ["Mailbox/get", {"accountId": account}, "0"],
            ["Email/query", {"accountId": account, "filter": condition, "limit": 50,
                             "sort": [{"property": "receivedAt", "isAscending": False}],
                             "collapseThreads": collapse}, "1"],
            ["Email/get", {"accountId": account, "properties": LIST_PROPERTIES,
                           "#ids": {"resultOf": "1", "name": "Email/query", "path": "/ids"}}, "2"],
        )  # fmt: skip


@contextmanager
def app_client() -> Iterator[Any]:
    """The real app (create_app) behind Starlette's test client, inside an active moto."""
    from fastapi.testclient import TestClient

    from jmap_api.app import create_app

    with TestClient(create_app(), base_url="https://mail.example.test") as client:
        yield client


def account() -> str:
    """Create alice (the bench user) and return her account id."""
    from mailx.admin.accounts import create_account

    made = create_account(USER, PASSWORD, name="Alice", addresses=["alice@example.com"])
    account_id: str = made.account_id
    return account_id


def mailbox(account_id: str, role: str) -> str:
    from mailx.store import emails

    return next(m for m, r in emails.mailbox_roles(account_id).items() if r == role)
