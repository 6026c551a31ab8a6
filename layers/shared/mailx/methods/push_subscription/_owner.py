"""Whose PushSubscriptions a call may see: the account of the request's credentials."""

from __future__ import annotations

from mailx.protocol.context import CallContext
from mailx.protocol.errors import FORBIDDEN, MethodError


def owner(call: CallContext) -> str:
    """The signed-in account (PushSubscription methods take no `accountId`, RFC 8620 §7.2.1)."""
    account_id = call.request.owner
    if account_id is None:
        raise MethodError(FORBIDDEN, "push subscriptions need signed-in credentials")
    return account_id
