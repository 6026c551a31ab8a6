"""Schemathesis against the app's own OpenAPI for /v0: no 5xx, documented statuses, conforming bodies.

Every `/v0` operation gets generated requests (valid and invalid bodies, odd path parameters), sent
through the real FastAPI app in-process against moto, with the management key or a user's token as the
route requires. `make fuzz` raises MAILX_FUZZ_EXAMPLES; the default keeps `make test` to seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers.fuzz import EXAMPLES, World

CLIENT_HOST = "testclient"  # the peer address schemathesis' in-process ASGI client reports

# Per operation: the JMAP fuzz's count spread over the ~17 /v0 operations, never fewer than a handful.
PER_OPERATION = max(5, EXAMPLES // 6)
USER = "v0-fuzz-owner"  # a name the generators are unlikely to hit, so DELETE fuzzing leaves it alone
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


def _schema() -> Any:
    """The app's own OpenAPI, bound to the app so requests (and auth probes) go to it in-process."""
    from jmap_api.app import create_app

    app = create_app()  # cheap and AWS-free; the `world` fixture supplies moto while requests run
    loaded = schemathesis.openapi.from_dict(app.openapi()).include(path_regex="^/v0/")
    loaded.app = app
    return loaded


SCHEMA = _schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def owner(world: World) -> Iterator[Any]:
    from mailx.admin.accounts import create_account

    yield create_account(USER, "a long fuzzing password", name="Owner", addresses=["owner@example.com"])


def _auth(operation: Any, owner: Any) -> dict[str, str]:
    """The management key for /v0/management, a fresh Bearer token for the account routes."""
    from mailx.auth import tokens
    from mailx.store import accounts
    from tests.helpers.environment import TEST_ENV

    if operation.path.startswith("/v0/management/"):
        return {"Authorization": f"Bearer {TEST_ENV['MANAGEMENT_KEY']}"}
    if operation.path == "/v0/auth/login":
        return {}
    token, _ = tokens.issue(owner.account_id, accounts.get(owner.account_id).password_hash)
    return {"Authorization": f"Bearer {token}"}


def _fresh_throttle_window(owner: Any) -> None:
    """Forget failed sign-ins from the test client (and against the owner), so a probe with a wrong
    credential meets 401 rather than the 429 that earlier examples' failures earned."""
    from mailx.auth import throttle
    from mailx.store import kv

    for key, _limit in throttle._keys(owner.account_id, CLIENT_HOST):
        kv.delete(key)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_v0_operation_conforms(operation: Any, world: World, owner: Any) -> None:
    """Given generated requests, when sent to the app, then no 5xx and every answer matches the OpenAPI."""

    @settings(
        max_examples=PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        mode = data.draw(st.sampled_from(list(GenerationMode)))
        case = data.draw(operation.as_strategy(generation_mode=mode))
        if operation.path != "/v0/auth/login":  # sign-in fuzzing keeps its 429s: they are documented
            _fresh_throttle_window(owner)
        case.call_and_validate(headers=_auth(operation, owner), checks=CHECKS)

    run()
