"""Every function reads mutable settings through the stored-override path (Config/set), never from the
environment alone: the Resend webhook secret stored with `mailx config set` is the one it checks."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from mailx.config import MUTABLE_KEYS
from tests.helpers.api_events import FakeContext
from tests.helpers.api_events import api_event as _event
from tests.helpers.source_trees import parse_source

ROOT = Path(__file__).resolve().parents[3]
SECRET = "whsec_" + "c3RvcmVkLXNlY3JldC1ub3QtaW4tdGhlLWVudg=="
BODY = '{"type":"email.delivered","created_at":"2026-11-25T10:00:00.000Z","data":{"email_id":"re_nobody"}}'


def _headers(svix_id: str) -> dict[str, str]:
    now = datetime.now(tz=UTC)
    return {
        "content-type": "application/json",
        "svix-id": svix_id,
        "svix-timestamp": str(int(now.timestamp())),
        "svix-signature": Webhook(SECRET).sign(svix_id, now, BODY),
    }


@pytest.fixture
def stored_secret(client: Any, management_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The secret stored through the management API (as `mailx config set` does); none in the environment."""
    monkeypatch.delenv("RESEND_WEBHOOK_SECRET", raising=False)
    stored = client.post(
        "/v0/management/config",
        headers=management_headers,
        json={"values": {"RESEND_WEBHOOK_SECRET": SECRET}},
    )
    assert stored.status_code == 200, stored.text


def test_webhook_function_uses_the_stored_secret(stored_secret: None) -> None:
    from webhook_handler import handler

    response = handler(
        _event("POST", "/webhooks/resend", headers=_headers("msg_s1"), body=BODY), FakeContext()
    )
    # Before the fix: 503 "not configured", since the function read the environment only
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"outcome": "unknown-email"})


def test_local_webhook_route_runs_the_same_code(client: Any, stored_secret: None) -> None:
    answered = client.post("/webhooks/resend", content=BODY.encode(), headers=_headers("msg_s2"))
    assert (answered.status_code, answered.json()) == (200, {"outcome": "unknown-email"})
    # a wrong signature is refused the same way as in Lambda
    forged = {**_headers("msg_s3"), "svix-signature": "v1,AAAA"}
    refused = client.post("/webhooks/resend", content=BODY.encode(), headers=forged)
    assert (refused.status_code, refused.json()) == (401, {"outcome": "unauthorized"})


def _settings_reads(path: Path) -> list[str]:
    """`get_settings().field` reads of a mutable field in one module."""
    found = []
    for node in ast.walk(parse_source(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name | ast.Attribute)
            and getattr(node.value.func, "id", getattr(node.value.func, "attr", "")) == "get_settings"
            and node.attr.upper() in MUTABLE_KEYS
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} get_settings().{node.attr}")
    return found


def test_no_function_reads_a_mutable_setting_from_the_environment_only() -> None:
    sources = [*(ROOT / "functions").rglob("*.py"), *(ROOT / "layers" / "shared" / "mailx").rglob("*.py")]
    assert len(sources) > 100
    offenders = [hit for path in sources for hit in _settings_reads(path)]
    assert offenders == []
