"""RFC 8620 §5.3, RFC 8621 §2.5: check each Mailbox/set operation on its own and turn it into an Op.

Everything judged here needs only the operation and the mailbox it acts on: property values,
patches, not-found ids, rights and the mailboxHasEmail rule. What depends on the other mailboxes
(unique names and roles, loops, depth, children) is judged on the final state in settle.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mailx.methods.mailbox import _rules
from mailx.protocol.errors import INVALID_PATCH, SET_FORBIDDEN, WILL_DESTROY, SetError
from mailx.protocol.patch import apply_patch
from mailx.store.mailboxes import MailboxRecord

Kind = Literal["create", "update", "destroy"]
# Maps an Id or "#creationId" to a mailbox id (None when a creation id is unknown).
Resolver = Callable[[str], str | None]
# Says whether a mailbox that still holds mail may be destroyed (None) or why not.
EmailPolicy = Callable[[MailboxRecord], SetError | None]


@dataclass(eq=False)
class Op:
    """One create/update/destroy that passed its own checks; identity is what tells two apart."""

    index: int
    kind: Kind
    key: str  # the creation id, or the id (or #creationId) exactly as the client sent it
    target: str  # the mailbox id it acts on
    base: MailboxRecord | None  # the mailbox before this op (None for a create)
    record: MailboxRecord | None = None  # the mailbox after a create/update
    sent: dict[str, Any] = field(default_factory=dict)  # what the client asked for
    depends_on: Op | None = None  # the create of this call that made the target, if any

    def changes(self, *attributes: str) -> bool:
        """Whether this op sets any of ATTRIBUTES to a new value (a create sets everything)."""
        if self.base is None or self.record is None:
            return self.kind == "create"
        return any(getattr(self.base, name) != getattr(self.record, name) for name in attributes)


@dataclass
class Checked:
    """The ops that passed their own checks, and the rejections keyed as the client sent them."""

    ops: list[Op] = field(default_factory=list)
    not_created: dict[str, SetError] = field(default_factory=dict)
    not_updated: dict[str, SetError] = field(default_factory=dict)
    not_destroyed: dict[str, SetError] = field(default_factory=dict)


def _invalid(properties: list[str]) -> SetError:
    return SetError.invalid_properties(
        properties, "invalid or read-only properties: " + ", ".join(properties)
    )


def _inbox_fixed(base: MailboxRecord, record: MailboxRecord) -> bool:
    moved = (base.name, base.parent_id, base.role) != (record.name, record.parent_id, record.role)
    return base.role == "inbox" and moved


class _Checker:
    def __init__(self, snapshot: Mapping[str, MailboxRecord], resolve: Resolver, policy: EmailPolicy) -> None:
        self.resolve = resolve
        self.policy = policy
        self.current: dict[str, MailboxRecord] = dict(snapshot)
        self.last_op: dict[str, Op] = {}
        self.result = Checked()

    def add(self, op: Op) -> None:
        op.depends_on = self.last_op.get(op.target)
        if op.depends_on is not None and op.depends_on.kind != "create":
            op.depends_on = op.depends_on.depends_on
        self.result.ops.append(op)
        self.last_op[op.target] = op
        if op.record is not None:
            self.current[op.target] = op.record
        else:
            del self.current[op.target]

    def create(self, creation_id: str, mailbox_id: str, obj: dict[str, Any]) -> None:
        built = _rules.build_record({**_rules.DEFAULTS, **obj}, mailbox_id, None, self.resolve)
        if isinstance(built, list):
            self.result.not_created[creation_id] = _invalid(built)
            return
        self.add(Op(len(self.result.ops), "create", creation_id, mailbox_id, None, built, obj))

    def update(self, key: str, patch: dict[str, Any], destroying: set[str]) -> None:
        target = self.resolve(key)
        if target is None or target not in self.current:
            self.result.not_updated[key] = SetError.not_found(f"no mailbox {key!r}")
            return
        if target in destroying:
            self.result.not_updated[key] = SetError(
                WILL_DESTROY, "this mailbox is destroyed by the same call"
            )
            return
        previous = self.last_op.get(target)
        if previous is not None and previous.kind == "update":
            self.result.not_updated[key] = SetError(INVALID_PATCH, "the same mailbox is patched twice")
            return
        base = self.current[target]
        try:
            patched = apply_patch(_rules.to_json(base), patch, defaults=_rules.DEFAULTS)
        except SetError as error:
            self.result.not_updated[key] = error
            return
        built = _rules.build_record(patched, target, base, self.resolve)
        if isinstance(built, list):
            self.result.not_updated[key] = _invalid(built)
        elif _inbox_fixed(base, built):
            self.result.not_updated[key] = SetError(
                SET_FORBIDDEN, "the inbox cannot be renamed, moved or lose its role (mayRename is false)"
            )
        else:
            self.add(Op(len(self.result.ops), "update", key, target, base, built, patched))

    def destroy(self, key: str) -> None:
        target = self.resolve(key)
        if target is None or target not in self.current:
            self.result.not_destroyed[key] = SetError.not_found(f"no mailbox {key!r}")
            return
        base = self.current[target]
        refusal: SetError | None = None
        if base.role is not None:
            refusal = SetError(SET_FORBIDDEN, f"a mailbox with role {base.role!r} cannot be destroyed")
        elif base.total_emails > 0:
            refusal = self.policy(base)
        if refusal is not None:
            self.result.not_destroyed[key] = refusal
            return
        self.add(Op(len(self.result.ops), "destroy", key, target, base))


def check_ops(
    snapshot: Mapping[str, MailboxRecord],
    create: Mapping[str, tuple[str, dict[str, Any]]],
    update: Mapping[str, dict[str, Any]],
    destroy: list[str],
    resolve: Resolver,
    policy: EmailPolicy,
) -> Checked:
    """Check creates, then updates, then destroys, each against the mailboxes as left by the ones before.

    CREATE maps a creation id to (its new mailbox id, the object sent). An update of a mailbox the
    same call destroys is skipped with willDestroy (RFC 8620 §5.3 allows this).
    """
    checker = _Checker(snapshot, resolve, policy)
    for creation_id, (mailbox_id, obj) in create.items():
        checker.create(creation_id, mailbox_id, obj)
    destroying = {target for key in destroy if (target := resolve(key)) is not None}
    for key, patch in update.items():
        checker.update(key, patch, destroying)
    for key in dict.fromkeys(destroy):
        checker.destroy(key)
    return checker.result
