"""RFC 8621 §2.1 (RFC 8620 §5.1): Mailbox/get; `ids: null` returns every mailbox."""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods.mailbox import _rules
from mailx.protocol.context import CallContext
from mailx.protocol.standard_get import get_response, parse_get, select_properties
from mailx.store import mailboxes


def mailbox_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Return the requested mailboxes (all of them for `ids: null`) with the requested properties.

    The state is read before the mailboxes, so a change landing in between can only make the
    client fetch it twice, never miss it.
    """
    parsed = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=_rules.PROPERTIES)
    state = call.services.state(parsed.account_id, "Mailbox")
    records = {record.mailbox_id: record for record in mailboxes.list_all(parsed.account_id)}
    wanted = list(records) if parsed.ids is None else parsed.ids
    found = [
        select_properties(_rules.to_json(records[mailbox_id]), parsed.properties, _rules.PROPERTIES)
        for mailbox_id in wanted
        if mailbox_id in records
    ]
    not_found = [mailbox_id for mailbox_id in wanted if mailbox_id not in records]
    return get_response(parsed.account_id, state, found, not_found)
