"""Inbound routing: envelope recipients (RFC 5321 RCPT TO, from SES `receipt.recipients`) -> accounts.

Routing uses the envelope, not the To header, so Bcc recipients get their copy. For each recipient:
an assigned address (or username) wins; then the same address without a `+tag` (RFC 5233
subaddressing); then, for our own domains only, postmaster@ goes to the domain's postmaster account
(or the deployment's first account — RFC 5321 §4.5.1 wants postmaster to work) and any other local
part to the domain's catch-all account. Everything else is unknown and reported, never crashed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailx.mail.ingest import IngestError
from mailx.store import accounts, config_store, emails


@dataclass(frozen=True)
class Route:
    """Where mail for one recipient goes, and why (for logs and metrics)."""

    recipient: str
    account_id: str
    reason: str  # "address", "subaddress", "postmaster" or "catch-all"


@dataclass
class RoutingResult:
    """The accounts to deliver one copy to each, and the recipients nobody takes."""

    routes: list[Route] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def accounts(self) -> list[str]:
        """Each account once, in the order its first recipient came."""
        return list(dict.fromkeys(r.account_id for r in self.routes))


def _split(address: str) -> tuple[str, str] | None:
    local, sep, domain = address.strip().strip("<>").lower().rpartition("@")
    if not sep or not local or not domain:
        return None
    return local, domain.rstrip(".")


def our_domains() -> set[str]:
    """DOMAIN from the deployment plus the stored domains."""
    stored = {d.domain for d in config_store.stored_domains()}
    return set(config_store.effective_settings().domain) | stored


def _first_account() -> str | None:
    everyone = accounts.list_all()
    if not everyone:
        return None
    return min(everyone, key=lambda a: (a.created_at, a.account_id)).account_id


def _route_domain(recipient: str, local: str, domain: str) -> Route | None:
    record = config_store.get_domain(domain)
    if local == "postmaster":
        target = record.postmaster_account_id if record and record.postmaster_account_id else _first_account()
        return Route(recipient, target, "postmaster") if target else None
    if record and record.catch_all_account_id:
        return Route(recipient, record.catch_all_account_id, "catch-all")
    return None


def route_one(recipient: str, domains: set[str]) -> Route | None:
    """The route for one envelope recipient, or None when no account takes it."""
    parts = _split(recipient)
    if parts is None:
        return None
    local, domain = parts
    address = f"{local}@{domain}"
    account_id = accounts.find_by_login(address)
    if account_id:
        return Route(recipient, account_id, "address")
    base, plus, _tag = local.partition("+")
    if plus and base:
        account_id = accounts.find_by_login(f"{base}@{domain}")
        if account_id:
            return Route(recipient, account_id, "subaddress")
    if domain not in domains:
        return None
    return _route_domain(recipient, base if plus and base else local, domain)


def route(recipients: list[str]) -> RoutingResult:
    """Route every envelope recipient; duplicates (any case) are routed once."""
    result = RoutingResult()
    domains = our_domains()
    seen: set[str] = set()
    for recipient in recipients:
        key = recipient.strip().lower()
        if key in seen:
            continue
        seen.add(key)
        found = route_one(recipient, domains)
        if found is None:
            result.unknown.append(recipient)
        else:
            result.routes.append(found)
    return result


def target_mailbox(account_id: str, *, junk: bool) -> str:
    """The Inbox, or the Junk mailbox when SES judged the message spam or a virus (if there is one)."""
    roles = emails.mailbox_roles(account_id)
    by_role = {role: box for box, role in sorted(roles.items()) if role}
    if junk and "junk" in by_role:
        return by_role["junk"]
    if "inbox" not in by_role:
        raise IngestError(f"account {account_id} has no inbox")
    return by_role["inbox"]
