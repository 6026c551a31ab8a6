"""Accounts, their sign-in names and assigned addresses.

Sign-in names (usernames and assigned addresses) live in their own table keyed by the name, written in
the same transaction as the account, so two accounts can never claim the same name.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from mailx.store import quota, tables, transactions
from mailx.store.errors import Conflict, NotFound
from mailx.store.models import Account, Identity, Login, Mailbox


@dataclass(frozen=True)
class AccountRecord:
    """What the rest of the service knows about an account."""

    account_id: str
    username: str
    name: str
    password_hash: str
    disabled: bool
    created_at: int
    session_version: int
    # The per-type modseqs as read with the account: sign-in reads this item anyway, so a request
    # gets its states without a second read (and before any data it will return).
    states: Mapping[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class NewMailbox:
    """A mailbox created together with its account."""

    mailbox_id: str
    name: str
    role: str | None
    sort_order: int


@dataclass(frozen=True)
class NewIdentity:
    """An assigned sending address created together with its account (or later)."""

    identity_id: str
    email: str
    name: str


def normalise_login(name: str) -> str:
    """Sign-in names compare case-insensitively and without surrounding space."""
    return name.strip().lower()


def _record(item: Account) -> AccountRecord:
    return AccountRecord(
        account_id=item.account_id,
        username=item.username,
        name=item.name or "",
        password_hash=item.password_hash,
        disabled=bool(item.disabled),
        created_at=int(item.created_at),
        session_version=int(item.session_version or 0),
        states=_states(item),
    )


def _states(item: Account) -> dict[str, int]:
    raw: dict[str, Any] = item.states.as_dict() if item.states else {}  # type: ignore[no-untyped-call]
    states = {str(k): int(v) for k, v in raw.items()}
    states[quota.TYPE_NAME] = quota.derived_state(states, int(item.quota_version or 0))
    return states


def _raise_conflict(exc: TransactWriteError, tags: list[str]) -> None:
    for index, reason in enumerate(exc.cancellation_reasons or []):
        if reason is not None and reason.code == "ConditionalCheckFailed":
            raise Conflict(tags[index]) from None
    raise exc


def create(
    *,
    account_id: str,
    username: str,
    password_hash: str,
    name: str,
    identities: Iterable[NewIdentity],
    mailboxes: Iterable[NewMailbox],
    state_types: Iterable[str],
) -> AccountRecord:
    """Create an account with its names, identities and mailboxes in one transaction.

    Raises Conflict naming the sign-in name that is taken.
    """
    tables.bind()
    now = int(time.time())
    account = Account(
        account_id=account_id,
        username=username,
        name=name,
        password_hash=password_hash,
        created_at=now,
        states={t: 0 for t in state_types},
    )
    identities = list(identities)
    tx = TransactWrite(connection=tables.connection())
    tags: list[str] = []
    names = [(normalise_login(username), "username")]
    names += [
        (normalise_login(i.email), "address") for i in identities if normalise_login(i.email) != names[0][0]
    ]
    for login, kind in names:
        tx.save(Login(login=login, account_id=account_id, kind=kind), condition=Login.login.does_not_exist())
        tags.append(login)
    tx.save(account, condition=Account.account_id.does_not_exist())
    tags.append(account_id)
    for ident in identities:
        tx.save(
            Identity(account_id=account_id, identity_id=ident.identity_id, email=ident.email, name=ident.name)
        )
        tags.append(ident.identity_id)
    for box in mailboxes:
        tx.save(
            Mailbox(
                account_id=account_id,
                mailbox_id=box.mailbox_id,
                name=box.name,
                role=box.role,
                sort_order=box.sort_order,
            )
        )
        tags.append(box.mailbox_id)
    try:
        tx._commit()
    except TransactWriteError as exc:
        _raise_conflict(exc, tags)
    return _record(account)


def get(account_id: str) -> AccountRecord:
    """The account, or NotFound."""
    if not tables.key_can_exist(account_id):
        raise NotFound(account_id)
    tables.bind()
    try:
        return _record(Account.get(account_id, consistent_read=True))
    except DoesNotExist:
        raise NotFound(account_id) from None


def find_by_login(login: str) -> str | None:
    """The account id a username or assigned address signs in to, or None."""
    login = normalise_login(login)
    if not tables.key_can_exist(login):
        return None
    tables.bind()
    try:
        return Login.get(login).account_id
    except DoesNotExist:
        return None


def list_all() -> list[AccountRecord]:
    """Every account, by username (a Query on the by-kind index, never a Scan)."""
    tables.bind()
    return [_record(a) for a in Account.by_kind.query("account")]


def update(
    account_id: str,
    *,
    password_hash: str | None = None,
    disabled: bool | None = None,
    name: str | None = None,
) -> AccountRecord:
    """Change credentials, status or display name; bumps the session version."""
    tables.bind()
    item = Account(account_id=account_id)
    actions: list[Action] = [Account.session_version.add(1)]
    if password_hash is not None:
        actions.append(Account.password_hash.set(password_hash))
    if disabled is not None:
        actions.append(Account.disabled.set(disabled))
    if name is not None:
        actions.append(Account.name.set(name))
    from pynamodb.exceptions import UpdateError

    try:
        item.update(actions=actions, condition=Account.account_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound(account_id) from None
        raise
    return _record(item)


def identities(account_id: str) -> list[Identity]:
    """The account's identity items (internal to the store package and its callers in mailx)."""
    tables.bind()
    return list(Identity.query(account_id, consistent_read=True))


def add_identity(account_id: str, identity: NewIdentity) -> None:
    """Assign an address: claim it as a sign-in name and add the identity, atomically.

    It goes through the change log like any JMAP write, so Identity/changes reports it.
    """
    login = normalise_login(identity.email)
    txn = transactions.Txn(account_id)
    txn.put(
        Login(login=login, account_id=account_id, kind="address"),
        condition=Login.login.does_not_exist(),
        tag=login,
    )
    txn.put(
        Identity(
            account_id=account_id, identity_id=identity.identity_id, email=identity.email, name=identity.name
        ),
        tag=identity.identity_id,
    )
    txn.account_actions.append(Account.session_version.add(1))
    txn.changed("Identity", created=[identity.identity_id])
    transactions.commit(txn)  # NotFound for a missing account, Conflict(login) for a taken address


def remove_identity(account_id: str, email: str) -> None:
    """Unassign an address: drop its identity and its sign-in name (logged for Identity/changes)."""
    login = normalise_login(email)
    matches = [i for i in identities(account_id) if normalise_login(i.email) == login]
    if not matches:
        raise NotFound(email)
    txn = transactions.Txn(account_id)
    for ident in matches:
        txn.delete(ident)
    txn.delete(Login(login=login), condition=Login.account_id == account_id, tag=login)
    txn.account_actions.append(Account.session_version.add(1))
    txn.changed("Identity", destroyed=[i.identity_id for i in matches])
    transactions.commit(txn)


def delete(account_id: str) -> None:
    """Remove the account and every item keyed by it, in every table (a Query per table, no Scan)."""
    tables.bind()
    record = get(account_id)
    for ident in identities(account_id):
        Login(login=normalise_login(ident.email)).delete(condition=Login.account_id == account_id)
        ident.delete()
    # The username may already point elsewhere (a failed earlier delete); then there is nothing to undo.
    with contextlib.suppress(DeleteError):
        Login(login=normalise_login(record.username)).delete(condition=Login.account_id == account_id)
    for model in tables.all_models():
        hash_attr = model._hash_keyname
        if model in (Account, Login) or hash_attr != "account_id":
            continue
        with model.batch_write() as batch:
            for item in model.query(account_id):
                batch.delete(item)
    Account(account_id=account_id).delete()
