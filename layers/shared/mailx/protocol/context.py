"""RFC 8620 §3.3, §3.6.2, §5.3: per-request and per-call state (accounts, creation ids)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mailx.protocol.capabilities import CORE
from mailx.protocol.errors import (
    ACCOUNT_NOT_FOUND,
    ACCOUNT_NOT_SUPPORTED_BY_METHOD,
    ACCOUNT_READ_ONLY,
    FROM_ACCOUNT_NOT_FOUND,
    FROM_ACCOUNT_NOT_SUPPORTED_BY_METHOD,
    MethodError,
)


@dataclass(frozen=True)
class AccountAccess:
    """What the authenticated user may do with one account (mirrors the Session's Account)."""

    capabilities: frozenset[str]
    read_only: bool = False


class Services(Protocol):
    """What a method reaches through `call.services` besides its arguments: the account's type states,
    read once per request and kept in step with the request's own writes (mailx.server.services)."""

    def states(self, account_id: str) -> dict[str, int]:
        """Every type's modseq of the account."""
        ...

    def state(self, account_id: str, type_name: str) -> str:
        """The JMAP state string of TYPE_NAME."""
        ...

    def note_committed(self, account_id: str, new_states: dict[str, int]) -> None:
        """Record the states a commit of this request produced."""
        ...

    def refresh(self, account_id: str) -> None:
        """Forget the cached states (after a lost race, read them again)."""
        ...


class NoServices:
    """The services of a request that has no storage (protocol-level tests): any use is a bug."""

    def _missing(self) -> Any:
        raise RuntimeError("this request was built without services")

    def states(self, account_id: str) -> dict[str, int]:
        return self._missing()  # type: ignore[no-any-return]

    def state(self, account_id: str, type_name: str) -> str:
        return self._missing()  # type: ignore[no-any-return]

    def note_committed(self, account_id: str, new_states: dict[str, int]) -> None:
        self._missing()

    def refresh(self, account_id: str) -> None:
        self._missing()


@dataclass
class RequestContext:
    """State shared by every call of one API request.

    `created_ids` is the single creation-id map of RFC 8620 §5.3: not scoped by type, and the
    latest creation wins when a client reuses a creation id.
    """

    using: frozenset[str]
    accounts: Mapping[str, AccountAccess]
    created_ids: dict[str, str] = field(default_factory=dict)
    services: Services = field(default_factory=NoServices)
    # The account of the credentials that made the request: what methods without an `accountId`
    # (PushSubscription, RFC 8620 §7.2) belong to. None for requests built without sign-in.
    owner: str | None = None
    # Where the liveness of those credentials is recorded when they can be revoked or expire (a Bearer
    # token's record), else None: a push subscription made with them ends with them (§7.2).
    credential_key: str | None = None

    @classmethod
    def for_request(
        cls, using: Iterable[str], accounts: Mapping[str, AccountAccess], services: Services | None = None
    ) -> RequestContext:
        """Build the context from a parsed Request's `using` (which already includes core).

        The dispatcher seeds `created_ids` from the Request's createdIds itself.
        """
        return cls(using=frozenset(using), accounts=accounts, services=services or NoServices())


@dataclass
class CallContext:
    """What a method handler gets besides its arguments: who, which call, and the shared state."""

    request: RequestContext
    call_id: str
    method_name: str
    capability: str = CORE
    writes: bool = False
    # Set once `accountId` / `fromAccountId` passed the checks below (the dispatcher checks them
    # before the handler runs, so parsers read them instead of checking again).
    account_id: str | None = None
    from_account_id: str | None = None

    @property
    def services(self) -> Services:
        """The request's services (type states), typed so method code is checked end to end."""
        return self.request.services

    def resolve_id(self, value: str) -> str | None:
        """Map `#creationId` to the id created earlier in this request (None if unknown).

        Any other string is returned unchanged, so callers can pass every incoming id through.
        """
        if value.startswith("#"):
            return self.request.created_ids.get(value[1:])
        return value

    def add_created_id(self, creation_id: str, server_id: str) -> None:
        """Record a creation at once, for `#creationId` references later in this same call.

        The dispatcher records every creation a call reports in `created` when the call returns, so
        only methods that resolve their own creations within the call (Email/set, EmailSubmission/set's
        onSuccess arguments) need this.
        """
        self.request.created_ids[creation_id] = server_id

    def checked_account(self, args: Mapping[str, Any]) -> str:
        """The `accountId` the dispatcher checked, or checked now for a call built outside it."""
        if self.account_id is not None and args.get("accountId") == self.account_id:
            return self.account_id
        return self.account(args)

    def checked_from_account(self, args: Mapping[str, Any]) -> str:
        """The `fromAccountId` the dispatcher checked, or checked now for a call built outside it."""
        if self.from_account_id is not None and args.get("fromAccountId") == self.from_account_id:
            return self.from_account_id
        return self.from_account(args)

    def account(self, args: Mapping[str, Any]) -> str:
        """Validate `accountId` for this method; the dispatcher calls this before the handler.

        Missing or non-string → invalidArguments; unknown → accountNotFound; account lacking the
        method's capability → accountNotSupportedByMethod; a writing method on a read-only
        account → accountReadOnly.
        """
        account_id = args.get("accountId")
        if not isinstance(account_id, str):
            raise MethodError.invalid_arguments("'accountId' is required and must be a string")
        access = self.request.accounts.get(account_id)
        if access is None:
            raise MethodError(
                ACCOUNT_NOT_FOUND, f"account {account_id!r} does not exist or is not accessible"
            )
        if self.capability != CORE and self.capability not in access.capabilities:
            raise MethodError(
                ACCOUNT_NOT_SUPPORTED_BY_METHOD, f"account {account_id!r} does not support {self.method_name}"
            )
        if self.writes and access.read_only:
            raise MethodError(ACCOUNT_READ_ONLY, f"account {account_id!r} is read-only")
        self.account_id = account_id
        return account_id

    def from_account(self, args: Mapping[str, Any]) -> str:
        """Validate `fromAccountId` of a /copy (RFC 8620 §5.4): it is only read, never written."""
        account_id = args.get("fromAccountId")
        if not isinstance(account_id, str):
            raise MethodError.invalid_arguments("'fromAccountId' is required and must be a string")
        access = self.request.accounts.get(account_id)
        if access is None:
            raise MethodError(FROM_ACCOUNT_NOT_FOUND, f"account {account_id!r} does not exist")
        if self.capability != CORE and self.capability not in access.capabilities:
            raise MethodError(
                FROM_ACCOUNT_NOT_SUPPORTED_BY_METHOD,
                f"account {account_id!r} does not support {self.method_name}",
            )
        self.from_account_id = account_id
        return account_id
