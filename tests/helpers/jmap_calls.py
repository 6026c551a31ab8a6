"""JMAP requests over HTTP as alice: POST /jmap/api with core + mail, and blob uploads."""

from __future__ import annotations

from typing import Any

from mailx.protocol.capabilities import CORE, MAIL
from tests.helpers.auth import ALICE


def jmap(client: Any, *calls: list[Any]) -> list[list[Any]]:
    """POST one request with core+mail and return its methodResponses."""
    response = client.post(
        "/jmap/api", json={"using": [CORE, MAIL], "methodCalls": list(calls)}, headers=ALICE
    )
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


def upload(client: Any, account_id: str, body: bytes, content_type: str = "message/rfc822") -> str:
    """POST BODY to the upload endpoint as alice (RFC 8620 §6.1); the new blobId."""
    response = client.post(
        f"/jmap/upload/{account_id}/", content=body, headers={**ALICE, "Content-Type": content_type}
    )
    assert response.status_code == 201, response.text
    blob_id: str = response.json()["blobId"]
    return blob_id
