"""RFC 8620 §5.3 (with errata): /set arguments and the response builder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, STATE_MISMATCH, MethodError, SetError
from mailx.protocol.validate import invalid, is_id, is_id_or_creation_ref, opt_object, opt_str


@dataclass(frozen=True)
class SetArgs:
    """Validated /set arguments; null maps and lists are normalised to empty ones.

    `update` keys and `destroy` entries are kept exactly as sent: they may be `#creationId`
    (erratum to §5.3), and a creation in this same call must be able to satisfy them, so the
    handler resolves them with CallContext.resolve_id after doing its creates.
    """

    account_id: str
    if_in_state: str | None
    create: dict[str, dict[str, Any]]
    update: dict[str, dict[str, Any]]
    destroy: list[str]


def _objects(args: Mapping[str, Any], name: str, *, allow_refs: bool) -> dict[str, dict[str, Any]]:
    value = opt_object(args, name) or {}
    check = is_id_or_creation_ref if allow_refs else is_id
    for key, item in value.items():
        if not check(key):
            raise invalid(f"'{name}' has an invalid key {key!r}")
        if not isinstance(item, dict):
            raise invalid(f"'{name}/{key}' must be an object")
    return dict(value)


def parse_operations(
    args: Mapping[str, Any], max_objects: int
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], list[str]]:
    """`create`, `update` and `destroy` of a /set call (null as empty); more than maxObjectsInSet
    operations in all is requestTooLarge."""
    destroy = args.get("destroy")
    if destroy is None:
        destroy = []
    elif not isinstance(destroy, list) or not all(is_id_or_creation_ref(item) for item in destroy):
        raise invalid("'destroy' must be an array of Ids or null")
    create = _objects(args, "create", allow_refs=False)
    update = _objects(args, "update", allow_refs=True)
    total = len(create) + len(update) + len(destroy)
    if total > max_objects:
        raise MethodError(
            REQUEST_TOO_LARGE, f"{total} operations requested; the maximum is {max_objects} (maxObjectsInSet)"
        )
    return create, update, list(destroy)


def parse_set(args: Mapping[str, Any], call: CallContext, max_objects: int) -> SetArgs:
    """Validate a standard /set call; more than maxObjectsInSet operations is requestTooLarge."""
    account_id = call.checked_account(args)
    create, update, destroy = parse_operations(args, max_objects)
    return SetArgs(
        account_id=account_id,
        if_in_state=opt_str(args, "ifInState"),
        create=create,
        update=update,
        destroy=destroy,
    )


def check_state(if_in_state: str | None, current_state: str) -> None:
    """`ifInState` given and different from the current state is stateMismatch (whole call)."""
    if if_in_state is not None and if_in_state != current_state:
        raise MethodError(STATE_MISMATCH, "the state has changed since 'ifInState'")


@dataclass
class SetResult:
    """Collects per-record outcomes and renders the /set response.

    Every response argument is always present, and one that would be empty is `null`: RFC 8620
    §5.3 types them `Id[...]|null`, and real clients read a non-null `notCreated` as a failure.
    """

    account_id: str
    old_state: str | None
    new_state: str | None = None
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    destroyed: list[str] = field(default_factory=list)
    not_created: dict[str, SetError] = field(default_factory=dict)
    not_updated: dict[str, SetError] = field(default_factory=dict)
    not_destroyed: dict[str, SetError] = field(default_factory=dict)

    def create_ok(self, creation_id: str, server_set: dict[str, Any]) -> None:
        """`server_set` holds the id and any properties the server set or changed."""
        self.created[creation_id] = server_set

    def update_ok(self, record_id: str, changed: dict[str, Any] | None = None) -> None:
        """`changed` lists properties that changed in ways the patch did not ask for, or None."""
        self.updated[record_id] = changed

    def destroy_ok(self, record_id: str) -> None:
        """Record a successful destroy."""
        self.destroyed.append(record_id)

    def create_failed(self, creation_id: str, error: SetError) -> None:
        """Record a rejected create."""
        self.not_created[creation_id] = error

    def update_failed(self, record_id: str, error: SetError) -> None:
        """Record a rejected update."""
        self.not_updated[record_id] = error

    def destroy_failed(self, record_id: str, error: SetError) -> None:
        """Record a rejected destroy."""
        self.not_destroyed[record_id] = error

    @property
    def changed(self) -> bool:
        """Whether anything succeeded, i.e. whether the state must advance."""
        return bool(self.created or self.updated or self.destroyed)

    def to_response(self) -> dict[str, Any]:
        """The /set response object; newState defaults to oldState when nothing changed."""
        new_state = self.new_state if self.new_state is not None else self.old_state
        return {
            "accountId": self.account_id,
            "oldState": self.old_state,
            "newState": new_state,
            "created": or_null(self.created),
            "updated": or_null(self.updated),
            "destroyed": or_null(self.destroyed),
            "notCreated": errors_or_null(self.not_created),
            "notUpdated": errors_or_null(self.not_updated),
            "notDestroyed": errors_or_null(self.not_destroyed),
        }


def or_null(value: Mapping[str, Any] | list[str]) -> Any:
    """RFC 8620 §5.3/§5.4: an empty `created`/`updated`/`destroyed`-style argument is `null`."""
    if isinstance(value, list):
        return list(value) or None
    return dict(value) or None


def errors_or_null(errors: Mapping[str, SetError]) -> dict[str, Any] | None:
    """A `notCreated`-style map rendered as JSON, or `null` when nothing failed."""
    return {key: error.to_json() for key, error in errors.items()} or None
