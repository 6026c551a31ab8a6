"""JMAP Identity methods (RFC 8621 §6); register() adds them under the submission capability."""

from __future__ import annotations

from mailx.protocol.registry import Registry


def register(registry: Registry) -> None:
    """Add Identity/get, /changes and /set."""
    from mailx.methods.identity import changes, get
    from mailx.methods.identity import set as set_

    for module in (get, changes, set_):
        module.register(registry)
