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


def delete_account(account_id: str) -> None:
    accounts.delete(account_id)
    forget_cache()


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
