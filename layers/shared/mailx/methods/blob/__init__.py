"""JMAP blob methods; register() adds them all to a registry."""

from __future__ import annotations

from mailx.protocol.registry import Registry


def register(registry: Registry) -> None:
    """Add every blob method (filled in as the methods land)."""
    del registry
