"""Mail domains: those in the DOMAIN setting plus stored ones, each with postmaster and catch-all routing.

A domain's postmaster@ goes to its postmaster account, or to the deployment's first account when none
is set (RFC 5321 §4.5.1 wants postmaster to work); unknown local parts go to the catch-all account,
or are refused when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailx.admin.settings import effective_settings
from mailx.store import accounts, config_store
from mailx.store.config_store import DomainRecord
from mailx.store.errors import NotFound


@dataclass(frozen=True)
class DomainView:
    """A domain as the management API shows it."""

    domain: str
    source: str  # "deployment" (DOMAIN) or "stored"
    postmaster_account_id: str | None
    catch_all_account_id: str | None


def list_domains() -> list[DomainView]:
    stored = {d.domain: d for d in config_store.stored_domains()}
    views: dict[str, DomainView] = {}
    for name in effective_settings().domain:
        record = stored.get(name)
        views[name] = DomainView(
            name,
            "deployment",
            record.postmaster_account_id if record else None,
            record.catch_all_account_id if record else None,
        )
    for name, record in stored.items():
        views.setdefault(
            name, DomainView(name, "stored", record.postmaster_account_id, record.catch_all_account_id)
        )
    return [views[k] for k in sorted(views)]


def _check_account(account_id: str | None) -> None:
    if account_id is not None:
        accounts.get(account_id)  # NotFound propagates


def put_domain(
    domain: str, *, postmaster_account_id: str | None, catch_all_account_id: str | None
) -> DomainView:
    domain = domain.strip().lower().rstrip(".")
    if not domain or "." not in domain or any(c.isspace() or c in "@/" for c in domain):
        raise ValueError(f"not a domain name: {domain!r}")
    _check_account(postmaster_account_id)
    _check_account(catch_all_account_id)
    config_store.put_domain(DomainRecord(domain, postmaster_account_id, catch_all_account_id))
    return next(d for d in list_domains() if d.domain == domain)


def delete_domain(domain: str) -> None:
    domain = domain.strip().lower()
    if config_store.get_domain(domain) is None:
        raise NotFound(domain)
    config_store.delete_domain(domain)
