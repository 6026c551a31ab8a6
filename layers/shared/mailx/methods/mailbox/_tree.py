"""RFC 8621 §2, §2.3: the mailbox forest (parentId links): ancestry, depth, tree order and filters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from mailx.store.mailboxes import MailboxRecord

Forest = Mapping[str, MailboxRecord]


def ancestors(forest: Forest, mailbox_id: str) -> tuple[list[str], str | None]:
    """The chain of parent ids above MAILBOX_ID, nearest first, and the id where it loops (or None).

    A parent that is not in the forest ends the chain (the caller checks dangling parents).
    """
    chain: list[str] = []
    seen = {mailbox_id}
    current = forest[mailbox_id].parent_id
    while current is not None and current in forest:
        if current in seen:
            return chain, current
        chain.append(current)
        seen.add(current)
        current = forest[current].parent_id
    return chain, None


def depth(forest: Forest, mailbox_id: str) -> int:
    """One more than the number of ancestors, the measure maxMailboxDepth limits (RFC 8621 §1.3.1)."""
    return len(ancestors(forest, mailbox_id)[0]) + 1


def children_of(forest: Forest) -> dict[str | None, list[str]]:
    """Parent id (None for the top level) → ids of its children, in the forest's order."""
    children: dict[str | None, list[str]] = defaultdict(list)
    for record in forest.values():
        children[record.parent_id].append(record.mailbox_id)
    return children


def descendants(forest: Forest, roots: Iterable[str]) -> set[str]:
    """Every mailbox below any of ROOTS (the roots themselves excluded unless below another root)."""
    children = children_of(forest)
    found: set[str] = set()
    stack = [child for root in roots for child in children.get(root, [])]
    while stack:
        mailbox_id = stack.pop()
        if mailbox_id not in found:
            found.add(mailbox_id)
            stack.extend(children.get(mailbox_id, []))
    return found


def tree_order(
    forest: Forest, sort_siblings: Callable[[Sequence[MailboxRecord]], list[MailboxRecord]]
) -> list[str]:
    """Every id in depth-first order, each set of siblings sorted by SORT_SIBLINGS (§2.3 sortAsTree).

    An ancestor always precedes its descendants, and two mailboxes in different branches compare
    as their nearest ancestors that share a parent do, exactly as sortAsTree describes.
    """
    children = children_of(forest)
    order: list[str] = []
    stack = list(reversed(sort_siblings([forest[i] for i in children.get(None, [])])))
    while stack:
        record = stack.pop()
        order.append(record.mailbox_id)
        kids = sort_siblings([forest[i] for i in children.get(record.mailbox_id, [])])
        stack.extend(reversed(kids))
    return order


def filter_as_tree(forest: Forest, matching: Collection[str]) -> set[str]:
    """Keep a match only if all its ancestors match too (§2.3 filterAsTree)."""
    matched = set(matching)
    return {
        mailbox_id
        for mailbox_id in matched
        if all(parent in matched for parent in ancestors(forest, mailbox_id)[0])
    }
