"""/v0/management: accounts, identities, domains, configuration and manual delivery (management key)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from jmap_api.deps import ManagementDep
from jmap_api.offload import offload
from jmap_api.openapi_docs import (
    ACCOUNT,
    CONFIG,
    DOMAIN,
    MANAGEMENT_KEY,
    STR,
    STR_MAP,
    STRINGS,
    obj,
    responses,
)
from jmap_api.problems import HttpProblem, problem
from mailx.admin import accounts as admin_accounts
from mailx.admin import domains as admin_domains
from mailx.admin import quota as admin_quota
from mailx.admin import settings as admin_settings
from mailx.admin.accounts import AccountView
from mailx.admin.domains import DomainView
from mailx.limits import LIMITS
from mailx.protocol.errors import LIMIT
from mailx.store.errors import Conflict, NotFound

router = APIRouter(prefix="/v0/management", tags=["management"])

ACCOUNTS = obj({"accounts": {"type": "array", "items": ACCOUNT}})
_LIMIT = {"type": "integer", "minimum": 0}
_NULLABLE_LIMIT = {"anyOf": [_LIMIT, {"type": "null"}]}
QUOTAS = obj(
    {
        "accountId": STR,
        "custom": {"type": "boolean"},
        "quotas": obj(
            {
                resource: obj(
                    {
                        "used": _LIMIT,
                        "hardLimit": _LIMIT,
                        "warnLimit": _NULLABLE_LIMIT,
                        "softLimit": _NULLABLE_LIMIT,
                    }
                )
                for resource in ("octets", "count")
            }
        ),
    }
)
DOMAINS = obj({"domains": {"type": "array", "items": DOMAIN}})
DELIVERY_REPORT = obj(
    {
        "delivered": STR_MAP,
        "duplicates": STR_MAP,
        "failed": STR_MAP,
        "unknownRecipients": STRINGS,
        "routes": STR_MAP,
    }
)


def _documented(ok: int, body: dict[str, Any] | None, *problems: int) -> dict[str, Any]:
    """Decorator arguments shared by every management route: the key, the answers, no response model."""
    return {
        "status_code": ok,
        "response_model": None,
        "responses": responses(ok, body, 401, *problems),
        "openapi_extra": MANAGEMENT_KEY,
    }


def _account(view: AccountView) -> dict[str, Any]:
    return {
        "accountId": view.account_id,
        "username": view.username,
        "name": view.name,
        "disabled": view.disabled,
        "addresses": view.addresses,
        "createdAt": view.created_at,
    }


def _domain(view: DomainView) -> dict[str, Any]:
    data = asdict(view)
    return {
        "domain": data["domain"],
        "source": data["source"],
        "postmasterAccountId": data["postmaster_account_id"],
        "catchAllAccountId": data["catch_all_account_id"],
    }


def _not_found(what: str) -> HttpProblem:
    return HttpProblem(404, "Not Found", f"no such {what}")


class AccountCreate(BaseModel):
    username: str = Field(min_length=1, max_length=254)
    password: str
    name: str = ""
    addresses: list[str] = Field(default_factory=list, max_length=100)


class AccountUpdate(BaseModel):
    password: str | None = None
    disabled: bool | None = None
    name: str | None = None


class QuotaLimit(BaseModel):
    """One resource's limits (RFC 9425 §4.1); only hardLimit is enforced."""

    hardLimit: int = Field(ge=0, le=2**53 - 1)  # noqa: N815 - wire names
    warnLimit: int | None = Field(default=None, ge=0, le=2**53 - 1)  # noqa: N815
    softLimit: int | None = Field(default=None, ge=0, le=2**53 - 1)  # noqa: N815


class QuotaPut(BaseModel):
    """The account's own limits; a resource left out (or null) uses the deployment default."""

    octets: QuotaLimit | None = None
    count: QuotaLimit | None = None


class IdentityCreate(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    name: str = ""


class DomainPut(BaseModel):
    postmasterAccountId: str | None = None  # noqa: N815 - wire names
    catchAllAccountId: str | None = None  # noqa: N815


class ConfigSet(BaseModel):
    """Keys to set; a null value removes the stored override."""

    values: dict[str, str | None]


@router.get("/accounts", **_documented(200, ACCOUNTS), summary="List accounts")
def list_accounts(_: ManagementDep) -> dict[str, Any]:
    return {"accounts": [_account(a) for a in admin_accounts.list_accounts()]}


@router.post(
    "/accounts", **_documented(201, ACCOUNT, 400, 409), summary="Create an account with default mailboxes"
)
def create_account(body: AccountCreate, _: ManagementDep) -> dict[str, Any]:
    try:
        view = admin_accounts.create_account(
            body.username, body.password, name=body.name, addresses=body.addresses
        )
    except admin_accounts.InvalidInput as exc:
        raise HttpProblem(400, "Bad Request", str(exc)) from None
    except Conflict as exc:
        raise HttpProblem(409, "Conflict", f"{exc} is already in use") from None
    return _account(view)


@router.get("/accounts/{account_id}", **_documented(200, ACCOUNT, 404), summary="Show an account")
def get_account(account_id: str, _: ManagementDep) -> dict[str, Any]:
    try:
        return _account(admin_accounts.view(admin_accounts.resolve_account(account_id)))
    except NotFound:
        raise _not_found("account") from None


@router.patch(
    "/accounts/{account_id}",
    **_documented(200, ACCOUNT, 400, 404),
    summary="Reset the password, disable/enable or rename an account",
)
def update_account(account_id: str, body: AccountUpdate, _: ManagementDep) -> dict[str, Any]:
    try:
        target = admin_accounts.resolve_account(account_id).account_id
        return _account(
            admin_accounts.update_account(
                target, password=body.password, disabled=body.disabled, name=body.name
            )
        )
    except admin_accounts.InvalidInput as exc:
        raise HttpProblem(400, "Bad Request", str(exc)) from None
    except NotFound:
        raise _not_found("account") from None


DELETING: dict[str, Any] = {
    "type": "object",
    "required": ["accountId", "deleting"],
    "properties": {"accountId": {"type": "string"}, "deleting": {"type": "boolean", "const": True}},
}


_DELETE_ROUTE = _documented(204, None, 404, 409)
_DELETE_ROUTE["responses"][202] = {
    "description": "Not finished within this call's time budget; call again",
    "content": {"application/json": {"schema": DELETING}},
}


@router.delete(
    "/accounts/{account_id}",
    **_DELETE_ROUTE,
    summary="Delete an account and all its data (202: not finished yet, call again)",
)
def delete_account(account_id: str, _: ManagementDep) -> Response:
    """204 once everything is gone; 202 when the time budget ran out part-way (repeat the call); 409
    while a domain's postmaster or catch-all route names the account."""
    try:
        target = admin_accounts.resolve_account(account_id).account_id
        finished = admin_accounts.delete_account(target)
    except NotFound:
        raise _not_found("account") from None
    except admin_accounts.AccountInUse as exc:
        raise HttpProblem(409, "Conflict", str(exc)) from None
    if finished:
        return Response(status_code=204)
    return JSONResponse({"accountId": target, "deleting": True}, status_code=202)


@router.get(
    "/accounts/{account_id}/quota",
    **_documented(200, QUOTAS, 404),
    summary="Show an account's quota usage and limits (RFC 9425)",
)
def get_quota(account_id: str, _: ManagementDep) -> dict[str, Any]:
    try:
        return admin_quota.show(admin_accounts.resolve_account(account_id).account_id)
    except NotFound:
        raise _not_found("account") from None


@router.post(
    "/accounts/{account_id}/quota/recount",
    **_documented(200, QUOTAS, 404, 409),
    summary="Recount an account's quota usage from its stored Emails",
)
def recount_quota(account_id: str, _: ManagementDep) -> dict[str, Any]:
    try:
        return admin_quota.recount(admin_accounts.resolve_account(account_id).account_id)
    except NotFound:
        raise _not_found("account") from None
    except Conflict as exc:
        raise HttpProblem(409, "Conflict", str(exc)) from None


class ReindexBody(BaseModel):
    """Where to continue (the `next` of the previous answer), or null to start over."""

    cursor: str | None = None
    batch: int = Field(default=100, ge=1, le=500)


REINDEX = obj({"accountId": STR, "indexed": {"type": "integer"}, "emails": {"type": "integer"},
               "next": {"anyOf": [STR, {"type": "null"}]}})  # fmt: skip


@router.post(
    "/accounts/{account_id}/reindex",
    **_documented(200, REINDEX, 404),
    summary="Rebuild an account's full-text index, one batch of Emails per call (resumable)",
)
def reindex_account(account_id: str, body: ReindexBody, _: ManagementDep) -> dict[str, Any]:
    from mailx.admin import reindex  # deferred: ingest and MIME stay out of cold start

    try:
        resolved = admin_accounts.resolve_account(account_id).account_id
    except NotFound:
        raise _not_found("account") from None
    return reindex.reindex(resolved, body.cursor, body.batch)


@router.put(
    "/accounts/{account_id}/quota",
    **_documented(200, QUOTAS, 400, 404),
    summary="Set an account's own quota limits (an empty body restores the deployment defaults)",
)
def put_quota(account_id: str, body: QuotaPut, _: ManagementDep) -> dict[str, Any]:
    given = {
        name: None if limit is None else limit.model_dump()
        for name, limit in (("octets", body.octets), ("count", body.count))
    }
    try:
        return admin_quota.set_limits(admin_accounts.resolve_account(account_id).account_id, given)
    except ValueError as exc:
        raise HttpProblem(400, "Bad Request", str(exc)) from None
    except NotFound:
        raise _not_found("account") from None


@router.post(
    "/accounts/{account_id}/identities",
    **_documented(201, ACCOUNT, 400, 404, 409),
    summary="Assign an address",
)
def add_identity(account_id: str, body: IdentityCreate, _: ManagementDep) -> dict[str, Any]:
    try:
        target = admin_accounts.resolve_account(account_id).account_id
        return _account(admin_accounts.add_address(target, body.email, name=body.name))
    except admin_accounts.InvalidInput as exc:
        raise HttpProblem(400, "Bad Request", str(exc)) from None
    except NotFound:
        raise _not_found("account") from None
    except Conflict:
        raise HttpProblem(409, "Conflict", f"{body.email} is already assigned") from None


@router.delete(
    "/accounts/{account_id}/identities/{email}",
    **_documented(200, ACCOUNT, 404),
    summary="Unassign an address",
)
def remove_identity(account_id: str, email: str, _: ManagementDep) -> dict[str, Any]:
    try:
        target = admin_accounts.resolve_account(account_id).account_id
        return _account(admin_accounts.remove_address(target, email))
    except NotFound:
        raise _not_found("account or address") from None


@router.get("/domains", **_documented(200, DOMAINS), summary="List mail domains (DOMAIN plus stored ones)")
def list_domains(_: ManagementDep) -> dict[str, Any]:
    return {"domains": [_domain(d) for d in admin_domains.list_domains()]}


@router.put(
    "/domains/{domain}",
    **_documented(200, DOMAIN, 400, 404),
    summary="Add a domain or change its postmaster and catch-all routing",
)
def put_domain(domain: str, body: DomainPut, _: ManagementDep) -> dict[str, Any]:
    try:
        view = admin_domains.put_domain(
            domain,
            postmaster_account_id=body.postmasterAccountId,
            catch_all_account_id=body.catchAllAccountId,
        )
    except NotFound:
        raise _not_found("account") from None
    except ValueError as exc:
        raise HttpProblem(400, "Bad Request", str(exc)) from None
    return _domain(view)


@router.delete("/domains/{domain}", **_documented(204, None, 404), summary="Remove a stored domain")
def delete_domain(domain: str, _: ManagementDep) -> Response:
    try:
        admin_domains.delete_domain(domain)
    except NotFound:
        raise _not_found("stored domain") from None
    return Response(status_code=204)


@router.get(
    "/config",
    **_documented(200, CONFIG),
    summary="Config/get: the effective configuration (secrets redacted)",
)
def config_get(_: ManagementDep) -> dict[str, Any]:
    return {"config": admin_settings.get_config()}


@router.post(
    "/config",
    **_documented(200, CONFIG, 400, 403),
    summary="Config/set: store run-time overrides (reserved keys refused)",
)
def config_set(body: ConfigSet, _: ManagementDep) -> dict[str, Any]:
    try:
        return {"config": admin_settings.set_config(body.values)}
    except admin_settings.ReservedKey as exc:
        raise HttpProblem(403, "Reserved configuration key", str(exc)) from None
    except ValueError as exc:
        raise HttpProblem(400, "Bad Request", str(exc)) from None


@router.post(
    "/deliver",
    **_documented(200, DELIVERY_REPORT, 400, 413),
    summary="Deliver a raw message (message/rfc822) to envelope recipients, as SES would",
)
async def deliver_message(request: Request, _: ManagementDep) -> JSONResponse:
    recipients = [r for r in request.query_params.getlist("to") if r.strip()]
    if not recipients:
        raise HttpProblem(400, "Bad Request", "name at least one recipient: ?to=ADDRESS")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > LIMITS.max_size_upload:
        return _deliver_too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > LIMITS.max_size_upload:
            return _deliver_too_large()
        chunks.append(chunk)
    if not size:
        raise HttpProblem(400, "Bad Request", "the body must be the message (Content-Type: message/rfc822)")
    key = request.query_params.get("id") or None
    from mailx.admin import hand_delivery  # deferred: ingest and MIME stay out of cold start

    report = await offload(hand_delivery.deliver, b"".join(chunks), recipients, idempotency_key=key)
    return JSONResponse(report.to_json())


def _deliver_too_large() -> JSONResponse:
    detail = f"the message exceeds {LIMITS.max_size_upload} octets (the upload limit)"
    return problem(413, "Payload Too Large", detail, type_=LIMIT, limit="maxSizeUpload")
