"""What schemathesis found on /v0, pinned as plain tests (the fuzz run is random; these are not)."""

from __future__ import annotations

from typing import Any

import pytest

from jmap_api.app import create_app
from jmap_api.problems import PROBLEM_JSON

# Names that normalise to an empty DynamoDB key (strip() eats U+0085 and spaces), or exceed its size.
UNSTORABLE = ["%C2%85", "%20", "%20%09", "x" * 1100]


@pytest.mark.parametrize("name", UNSTORABLE)
def test_unstorable_account_names_are_not_found(client: Any, management_headers: Any, name: str) -> None:
    # Given a path segment that can name no stored account (once DynamoDB was asked: a 500)
    for method, path in [
        ("GET", f"/v0/management/accounts/{name}"),
        ("PATCH", f"/v0/management/accounts/{name}"),
        ("DELETE", f"/v0/management/accounts/{name}"),
        ("DELETE", f"/v0/management/accounts/{name}/identities/a@example.com"),
    ]:
        # When the administrator addresses it
        answer = client.request(method, path, headers=management_headers, json={})
        # Then the answer is a problem-JSON 404, not a 500
        assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM_JSON), (method, path)


@pytest.mark.parametrize("name", UNSTORABLE)
def test_unstorable_domain_names_are_not_found(client: Any, management_headers: Any, name: str) -> None:
    answer = client.delete(f"/v0/management/domains/{name}", headers=management_headers)
    assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM_JSON)


def test_domain_routing_to_an_empty_account_id_is_not_found(client: Any, management_headers: Any) -> None:
    answer = client.put(
        "/v0/management/domains/example.org", headers=management_headers, json={"catchAllAccountId": " "}
    )
    assert answer.status_code == 404


def test_sign_in_with_an_unstorable_username_is_refused(client: Any, aws: None) -> None:
    answer = client.post("/v0/auth/login", json={"username": "\x85", "password": "whatever it is"})
    assert answer.status_code == 401


def test_an_undecodable_body_is_problem_json(client: Any, management_headers: Any) -> None:
    # Given a body that is not UTF-8 JSON (Starlette itself refuses it before validation runs)
    answer = client.post("/v0/auth/login", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    # Then it is still RFC 7807 problem JSON, as every other /v0 error
    assert (answer.status_code, answer.headers["content-type"]) == (400, PROBLEM_JSON)
    assert answer.json()["status"] == 400


def test_unknown_routes_and_methods_are_problem_json(client: Any, aws: None) -> None:
    missing = client.get("/v0/nope")
    wrong_method = client.put("/v0/auth/login")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM_JSON)
    assert (wrong_method.status_code, wrong_method.headers["content-type"]) == (405, PROBLEM_JSON)
    assert "allow" in {k.lower() for k in wrong_method.headers}


def test_the_openapi_documents_400_problems_not_422() -> None:
    # Given the app's OpenAPI (the app answers validation failures with 400 problem JSON)
    schema = create_app().openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            # Then no operation promises FastAPI's 422, and /v0 ones name their credentials
            assert "422" not in operation["responses"], (method, path)
            if path.startswith("/v0/") and path != "/v0/auth/login":
                assert operation.get("security"), (method, path)
    assert set(schema["components"]["securitySchemes"]) == {"managementKey", "basicAuth", "bearerToken"}
