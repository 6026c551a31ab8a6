"""RFC 8621 §6.1 (RFC 8620 §5.1): Identity/get, every identity from one Query of the account's partition."""

from __future__ import annotations

from typing import Any

from mailx.methods.identity.rules import PROPERTIES, to_json
from mailx.protocol.capabilities import SUBMISSION
from mailx.protocol.context import CallContext
from mailx.protocol.registry import MethodSpec, Registry
from mailx.protocol.standard_get import get_response, parse_get, select_properties
from mailx.server.limits import LIMITS
from mailx.store import identities


def identity_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Identity/get: `ids` null returns them all (an account has a handful, so one Query serves any ids)."""
    request = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=PROPERTIES)
    account_id = request.account_id
    state = call.services.state(account_id, identities.TYPE_NAME)
    records = {r.identity_id: r for r in identities.list_all(account_id)}
    ids = list(records) if request.ids is None else request.ids
    found = [
        select_properties(to_json(records[i]), request.properties, PROPERTIES) for i in ids if i in records
    ]
    return get_response(account_id, state, found, [i for i in ids if i not in records])


def register(registry: Registry) -> None:
    """Add Identity/get."""
    registry.register(MethodSpec("Identity/get", SUBMISSION, identity_get))
