"""The JMAP API endpoint's logic (RFC 8620 §3): size and concurrency limits, parsing, dispatch."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

from mailx.auth.authenticate import Principal
from mailx.limits import LIMITS
from mailx.observe import request_log
from mailx.protocol.context import AccountAccess, RequestContext
from mailx.protocol.dispatcher import check_size, dispatch
from mailx.protocol.errors import RequestError
from mailx.protocol.request import parse_request
from mailx.server import capability_values
from mailx.server.method_table import registry
from mailx.server.principal_session import session_for
from mailx.server.services import Services

logger = logging.getLogger("mailx.api")

_in_flight: dict[str, int] = defaultdict(int)
_lock = threading.Lock()


class _Slot:
    """Best-effort maxConcurrentRequests per account, within this process."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id

    def __enter__(self) -> _Slot:
        with _lock:
            if _in_flight[self.account_id] >= LIMITS.max_concurrent_requests:
                raise RequestError.limit_exceeded(
                    "maxConcurrentRequests",
                    f"At most {LIMITS.max_concurrent_requests} requests may run at once for an account.",
                )
            _in_flight[self.account_id] += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with _lock:
            _in_flight[self.account_id] -= 1


def _log_server_fail(method: str, call_id: str, exc: BaseException) -> None:
    logger.error("serverFail in %s (call %s)", method, call_id, exc_info=exc)


def handle(principal: Principal, body: bytes) -> dict[str, Any]:
    """Answer one API request; RequestError for request-level problems (HTTP 4xx problem JSON)."""
    check_size(body, LIMITS)
    request = parse_request(body, capability_values.supported())
    account = principal.account
    access = {account.account_id: AccountAccess(frozenset(capability_values.account_capabilities()))}
    ctx = RequestContext(
        using=frozenset(request.using),
        accounts=access,
        services=Services(principal),
        owner=account.account_id,
        credential_key=principal.token.kv_key if principal.token is not None else None,
    )
    request_log.note(accountId=account.account_id)
    with _Slot(account.account_id):
        response = dispatch(
            request,
            registry(),
            ctx,
            LIMITS,
            session_state=session_for(principal)["state"],
            on_server_fail=_log_server_fail,
        )
    request_log.note(calls=request_log.call_outcomes(request.method_calls, response["methodResponses"]))
    return response
