"""RFC 8620 §5.4: /copy arguments and the response builder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError, SetError
from mailx.protocol.standard_set import errors_or_null, or_null
from mailx.protocol.validate import invalid, is_id, opt_bool, opt_object, opt_str


@dataclass(frozen=True)
class CopyArgs:
    """Validated /copy arguments. Each `create` value must carry the source record's `id`."""

    from_account_id: str
    if_from_in_state: str | None
    account_id: str
    if_in_state: str | None
    create: dict[str, dict[str, Any]]
    on_success_destroy_original: bool
    destroy_from_if_in_state: str | None


def parse_copy(args: Mapping[str, Any], call: CallContext, max_objects: int | None = None) -> CopyArgs:
    """Validate a standard /copy call.

    The from-account is checked with fromAccountNotFound / fromAccountNotSupportedByMethod; the
    target account with the usual account errors (the dispatcher has already done so when the
    method is registered with needs_account). Copying within one account is invalidArguments,
    as RFC 8620 §5.4 says the two ids MUST differ.
    """
    from_account_id = call.checked_from_account(args)
    account_id = call.checked_account(args)
    if from_account_id == account_id:
        raise invalid("'fromAccountId' and 'accountId' must be different accounts")
    create = opt_object(args, "create")
    if create is None:
        raise invalid("'create' is required and must be an object")
    for creation_id, record in create.items():
        if not is_id(creation_id):
            raise invalid(f"'create' has an invalid key {creation_id!r}")
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise invalid(f"'create/{creation_id}' must be an object with the source record's 'id'")
    if max_objects is not None and len(create) > max_objects:
        raise MethodError(
            REQUEST_TOO_LARGE,
            f"{len(create)} records to copy; the maximum is {max_objects}",
        )
    return CopyArgs(
        from_account_id=from_account_id,
        if_from_in_state=opt_str(args, "ifFromInState"),
        account_id=account_id,
        if_in_state=opt_str(args, "ifInState"),
        create=dict(create),
        on_success_destroy_original=opt_bool(args, "onSuccessDestroyOriginal", False),
        destroy_from_if_in_state=opt_str(args, "destroyFromIfInState"),
    )


@dataclass
class CopyResult:
    """The /copy response, with `null` for an empty `created`/`notCreated` (see SetResult)."""

    from_account_id: str
    account_id: str
    old_state: str | None
    new_state: str | None = None
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_created: dict[str, SetError] = field(default_factory=dict)

    def to_response(self) -> dict[str, Any]:
        """Render the response arguments."""
        return {
            "fromAccountId": self.from_account_id,
            "accountId": self.account_id,
            "oldState": self.old_state,
            "newState": self.new_state if self.new_state is not None else self.old_state,
            "created": or_null(self.created),
            "notCreated": errors_or_null(self.not_created),
        }
