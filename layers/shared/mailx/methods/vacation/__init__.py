"""JMAP VacationResponse methods (RFC 8621 §8); register() adds them under the vacationresponse capability."""

from __future__ import annotations

from mailx.protocol.registry import Registry


def register(registry: Registry) -> None:
    """Add VacationResponse/get and /set (the RFC defines no /changes, /query or /copy for it)."""
    from mailx.methods.vacation import get
    from mailx.methods.vacation import set as set_

    for module in (get, set_):
        module.register(registry)
