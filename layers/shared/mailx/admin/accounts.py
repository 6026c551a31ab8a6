"""Creating, changing and removing accounts and their assigned addresses.

A new account gets its default mailboxes with the RFC 8621 §2 / RFC 6154 roles and one identity per
assigned address; a username that is itself an address is assigned too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailx.auth import passwords
from mailx.auth.authenticate import forget_cache
from mailx.ids import new_id
from mailx.mime.addresses import valid_address
from mailx.store import accounts
from mailx.store.accounts import AccountRecord, NewIdentity, NewMailbox
from mailx.store.transactions import STATE_TYPES

DEFAULT_MAILBOXES = (
    ("Inbox", "inbox"),
    ("Drafts", "drafts"),
    ("Sent", "sent"),
    ("Archive", "archive"),
    ("Junk", "junk"),
    ("Trash", "trash"),
    # No IANA role exists for templates; a role-less mailbox with the name Thunderbird and other
    # clients already use lets any client keep templates (docs/templates.md).
    ("Templates", None),
)
_USERNAME = re.compile(r"^[^\s:\x00-\x1f\x7f]{1,254}$")


class InvalidInput(ValueError):
    """A request value breaks a rule; the message says which."""


@dataclass(frozen=True)
class AccountView:
    """An account as the management API shows it (never the password hash)."""

    account_id: str
    username: str
    name: str
    disabled: bool
    addresses: list[str]
    created_at: int


def _check_username(username: str) -> str:
    username = username.strip()
    if not _USERNAME.match(username):
        raise InvalidInput("username must be 1-254 characters without spaces, control characters or ':'")
    return username


def _check_password(password: str) -> None:
    problem = passwords.check_password_rules(password)
    if problem:
        raise InvalidInput(problem)


def _check_address(address: str) -> str:
    address = address.strip()
    if not valid_address(address):
        raise InvalidInput(f"not a valid email address: {address!r}")
    return address.lower()


def view(record: AccountRecord) -> AccountView:
    addresses = sorted(i.email for i in accounts.identities(record.account_id))
    return AccountView(
        record.account_id, record.username, record.name, record.disabled, addresses, record.created_at
    )


def create_account(
    username: str, password: str, *, name: str = "", addresses: list[str] | None = None
) -> AccountView:
    """Create an account with default mailboxes; Conflict (from the store) when a name is taken."""
    username = _check_username(username)
    _check_password(password)
    wanted = [_check_address(a) for a in addresses or []]
    if "@" in username and valid_address(username) and username.lower() not in wanted:
        wanted.insert(0, username.lower())
    identities = [NewIdentity(new_id("I"), address, name) for address in dict.fromkeys(wanted)]
    mailboxes = [
        NewMailbox(new_id("M"), box_name, role, index + 1)
        for index, (box_name, role) in enumerate(DEFAULT_MAILBOXES)
    ]
    record = accounts.create(
        account_id=new_id("A"),
        username=username,
        password_hash=passwords.hash_password(password),
        name=name or username,
        identities=identities,
        mailboxes=mailboxes,
        state_types=STATE_TYPES,
    )
    return view(record)


def update_account(
    account_id: str, *, password: str | None = None, disabled: bool | None = None, name: str | None = None
) -> AccountView:
    """Reset a password, disable or enable, rename. Cached credentials are dropped."""
    password_hash = None
    if password is not None:
        _check_password(password)
        password_hash = passwords.hash_password(password)
    record = accounts.update(account_id, password_hash=password_hash, disabled=disabled, name=name)
    forget_cache()
    return view(accounts.get(record.account_id))


def add_address(account_id: str, address: str, *, name: str = "") -> AccountView:
    address = _check_address(address)
    accounts.add_identity(account_id, NewIdentity(new_id("I"), address, name))
    return view(accounts.get(account_id))


def remove_address(account_id: str, address: str) -> AccountView:
    accounts.remove_identity(account_id, address.strip())
    return view(accounts.get(account_id))


class AccountInUse(ValueError):
    """A stored domain routes postmaster@ or unknown local parts to the account."""

    def __init__(self, domains: list[str]) -> None:
        super().__init__(
            f"the account receives {', '.join(domains)}'s postmaster or catch-all mail; "
            "point those routes elsewhere first (mailx domain set DOMAIN --postmaster/--catch-all)"
        )
        self.domains = domains


DELETE_BUDGET_SECONDS = 20.0  # under the function's 29 s; a bigger account takes more calls
OBJECT_PREFIXES = ("emails", "uploads", "outbound")  # every S3 prefix holding an account's objects


def routes_to(account_id: str) -> list[str]:
    """The stored domains whose postmaster or catch-all route names the account."""
    from mailx.store import config_store

    return [
        d.domain
        for d in config_store.stored_domains()
        if account_id in (d.postmaster_account_id, d.catch_all_account_id)
    ]


def delete_account(account_id: str, *, budget_seconds: float | None = None) -> bool:
    """Remove the account, its items and its objects; False when time ran out (call again to go on).

    Refused (AccountInUse) while a domain route names it: delivery to that domain would fail and SES
    would retry into the dead-letter queue. The account is disabled first, so nobody signs in to a
    half-removed account, and its own item goes last, so an interrupted removal can always resume.
    """
    from mailx.mail.thread_placement import ref_keys
    from mailx.store import blobs
    from mailx.store.purge import Budget, purge_items

    domains = routes_to(account_id)
    if domains:
        raise AccountInUse(domains)
    accounts.update(account_id, disabled=True)
    forget_cache()
    budget = Budget(DELETE_BUDGET_SECONDS if budget_seconds is None else budget_seconds)
    if not purge_items(account_id, budget, lambda summary: ref_keys(account_id, summary)):
        return False
    for prefix in OBJECT_PREFIXES:
        if not blobs.delete_prefix(f"{prefix}/{account_id}/", budget.spent):
            return False
    accounts.delete(account_id)
    forget_cache()
    return True


def list_accounts() -> list[AccountView]:
    return [view(r) for r in accounts.list_all()]


def resolve_account(ref: str) -> AccountRecord:
    """An account by id, username or assigned address (the CLI lets people type any of them)."""
    from mailx.store.errors import NotFound

    try:
        return accounts.get(ref)
    except NotFound:
        account_id = accounts.find_by_login(ref)
        if account_id is None:
            raise
        return accounts.get(account_id)
