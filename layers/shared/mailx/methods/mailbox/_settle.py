"""RFC 8620 §5.3, RFC 8621 §2: judge Mailbox/set on the final state, as the RFC asks.

All ops that passed their own checks are applied together; while the result breaks a rule (two
siblings with one name, two mailboxes with one role, a loop, too deep a tree, a missing parent),
the ops to blame are taken back with the matching SetError and the result is judged again. So a
swap of two names in one call succeeds, a parent and its child can be destroyed together, and a
child may name a parent created later in the same `create` map. Each round takes back at least
one op, so it ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping

from mailx.limits import MAX_MAILBOX_DEPTH
from mailx.methods.mailbox._plan import Op
from mailx.methods.mailbox._tree import ancestors
from mailx.protocol.errors import MAILBOX_HAS_CHILD, SetError
from mailx.store.mailboxes import MailboxRecord

Final = dict[str, MailboxRecord]


def apply_ops(snapshot: Mapping[str, MailboxRecord], ops: list[Op]) -> Final:
    """The mailboxes after every op, applied in order."""
    final = dict(snapshot)
    for op in ops:
        if op.record is not None:
            final[op.target] = op.record
        else:
            final.pop(op.target, None)
    return final


def _invalid(name: str, why: str) -> SetError:
    return SetError.invalid_properties([name], why)


def _name_taken(existing_id: str) -> SetError:
    """A sibling already has the name: RFC 8620 alreadyExists, naming that sibling."""
    return SetError.already_exists(existing_id, "a sibling mailbox already has this name")


def _role_taken(_existing_id: str) -> SetError:
    return _invalid("role", "another mailbox already has this role")


class _Judge:
    def __init__(self, final: Final, ops: list[Op]) -> None:
        self.final = final
        self.writers: dict[str, list[Op]] = defaultdict(list)
        self.destroyer: dict[str, Op] = {}
        for op in ops:
            if op.kind == "destroy":
                self.destroyer[op.target] = op
            else:
                self.writers[op.target].append(op)
        self.blamed: dict[Op, SetError] = {}

    def blame(self, op: Op | None, error: SetError) -> None:
        if op is not None:
            self.blamed.setdefault(op, error)

    def changer(self, mailbox_id: str, *attributes: str) -> Op | None:
        """The latest op that set one of ATTRIBUTES of the mailbox, or None if none did."""
        for op in reversed(self.writers.get(mailbox_id, [])):
            if op.changes(*attributes):
                return op
        return None

    def latest_mover(self, mailbox_ids: list[str]) -> Op | None:
        movers = [op for i in mailbox_ids if (op := self.changer(i, "parent_id")) is not None]
        return max(movers, key=lambda op: op.index, default=None)

    def parents(self) -> None:
        for record in self.final.values():
            parent = record.parent_id
            if parent is None or parent in self.final:
                continue
            if parent in self.destroyer:
                self.blame(self.destroyer[parent], SetError(MAILBOX_HAS_CHILD, "the mailbox has a child"))
            else:
                self.blame(
                    self.changer(record.mailbox_id, "parent_id"),
                    _invalid("parentId", f"there is no mailbox {parent!r}"),
                )

    def shape(self) -> None:
        for mailbox_id in self.final:
            chain, loops_at = ancestors(self.final, mailbox_id)
            if loops_at == mailbox_id:
                why = "parentId would make the mailboxes a loop"
                self.blame(self.latest_mover([mailbox_id, *chain]), _invalid("parentId", why))
            elif loops_at is None and len(chain) + 1 > MAX_MAILBOX_DEPTH:
                why = f"mailboxes may be at most {MAX_MAILBOX_DEPTH} deep"
                self.blame(self.latest_mover([mailbox_id, *chain]), _invalid("parentId", why))

    def unique(
        self,
        key: Callable[[MailboxRecord], Hashable | None],
        clash: Callable[[str], SetError],
        *attributes: str,
    ) -> None:
        """Blame every op but one that gave several mailboxes one KEY; CLASH(kept id) is the error."""
        groups: dict[Hashable, list[str]] = defaultdict(list)
        for record in self.final.values():
            value = key(record)
            if value is not None:
                groups[value].append(record.mailbox_id)
        for members in groups.values():
            if len(members) < 2:
                continue
            changers = sorted(
                (op for i in members if (op := self.changer(i, *attributes)) is not None),
                key=lambda op: op.index,
            )
            # A mailbox left as it was keeps its value; otherwise the first op to claim it does.
            keep = 0 if len(changers) < len(members) else 1
            changed = {op.target for op in changers[keep:]}
            kept = next(i for i in members if i not in changed)
            for op in changers[keep:]:
                self.blame(op, clash(kept))


def settle(snapshot: Mapping[str, MailboxRecord], ops: list[Op]) -> tuple[list[Op], dict[Op, SetError]]:
    """Split OPS into those that stand together and the rejected ones with their SetErrors."""
    alive = list(ops)
    rejected: dict[Op, SetError] = {}
    while True:
        judge = _Judge(apply_ops(snapshot, alive), alive)
        judge.parents()
        judge.shape()
        judge.unique(lambda r: (r.parent_id, r.name), _name_taken, "name", "parent_id")
        judge.unique(lambda r: r.role, _role_taken, "role")
        if not judge.blamed:
            return alive, rejected
        rejected.update(judge.blamed)
        # Taking back a create also takes back what this call did to the mailbox it made.
        gone = set(judge.blamed)
        for op in alive:
            if op.depends_on in gone and op not in gone:
                rejected[op] = SetError.not_found("the mailbox this refers to was not created")
                gone.add(op)
        alive = [op for op in alive if op not in gone]
