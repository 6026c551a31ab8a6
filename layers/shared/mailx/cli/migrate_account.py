"""The account an import or export acts on: a Bearer token issued with the management key, then JMAP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mailx.cli.client import Api, ApiError, CliError, segment
from mailx.migrate.jmap import Client, JmapError, bearer, session_url


@contextmanager
def account_client(api: Api, account: str) -> Iterator[Client]:
    """A JMAP client for ACCOUNT (id, username or address); its token is revoked afterwards."""
    issued = api.call("POST", f"/v0/management/accounts/{segment(account)}/token")
    token = str(issued["token"])
    try:
        try:
            client = Client(session_url(api.url + "/jmap/session"), bearer(token), str(issued["accountId"]))
        except JmapError as exc:
            raise CliError(str(exc)) from None
        yield client
    finally:
        try:
            client_api = Api(api.url, lambda: token, api.timeout)
            client_api.call("POST", "/v0/auth/logout")
        except (ApiError, CliError):
            pass  # it expires on its own
