"""RFC 8621 §8.1 (RFC 8620 §5.1): VacationResponse/get, the account's one object with id "singleton"."""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods.vacation._rules import PROPERTIES, to_json
from mailx.protocol.context import CallContext
from mailx.protocol.standard_get import get_response, parse_get, select_properties
from mailx.store import vacation
from mailx.store.vacation import SINGLETON_ID


def vacation_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """VacationResponse/get: `ids` null or ["singleton"] returns the object; any other id is notFound.

    The state is read before the object, so a write in between makes the client's next call see a
    newer state and read again rather than keep a stale object under the new state.
    """
    request = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=PROPERTIES)
    account_id = request.account_id
    state = call.services.state(account_id, vacation.TYPE_NAME)
    ids = [SINGLETON_ID] if request.ids is None else request.ids
    found: list[dict[str, Any]] = []
    if SINGLETON_ID in ids:
        found.append(select_properties(to_json(vacation.get(account_id)), request.properties, PROPERTIES))
    return get_response(account_id, state, found, [i for i in ids if i != SINGLETON_ID])
