"""RFC 8621 §2.4 (RFC 8620 §5.6): Mailbox/queryChanges from the Mailbox change log.

Every mailbox changed since `sinceQueryState` may have moved, so all of them are "removed" and
those still in the results are "added" back at their index. With sortAsTree or filterAsTree a
change to a mailbox can also move or hide its descendants, so they count as changed too.
"""

from __future__ import annotations

from typing import Any

from mailx.methods.mailbox._tree import descendants
from mailx.methods.mailbox.changes import current_state, parse_state, read_log
from mailx.methods.mailbox.query import SORTABLE, TreeOptions, condition_parser, load, results
from mailx.protocol.context import CallContext
from mailx.protocol.standard_query_changes import parse_query_changes, query_changes, query_changes_response


def mailbox_query_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """removed/added since `sinceQueryState`; cannotCalculateChanges once the log has expired."""
    parsed = parse_query_changes(args, call, parse_condition=condition_parser(call), sortable=SORTABLE)
    tree = TreeOptions.parse(args)
    since = parse_state(parsed.since_query_state)
    current = current_state(call, parsed.account_id, since)
    log = read_log(parsed.account_id, since, current)
    forest = load(parsed.account_id)
    changed = dict.fromkeys(i for entry in log for i in (*entry.created, *entry.updated))
    destroyed = [i for entry in log for i in entry.destroyed]
    if tree.sort_as_tree or tree.filter_as_tree:
        changed.update(dict.fromkeys(sorted(descendants(forest, list(changed)))))
    ids = results(forest, parsed.filter, parsed.sort, tree)
    changes = query_changes(
        ids, changed, destroyed, parsed.up_to_id, parsed.max_changes, parsed.calculate_total
    )
    return query_changes_response(parsed, changes, str(current))
