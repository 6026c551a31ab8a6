"""RFC 8620 §4: Core/echo returns its arguments unchanged, for testing connectivity."""

from __future__ import annotations

from typing import Any

from mailx.protocol.capabilities import CORE
from mailx.protocol.context import CallContext
from mailx.protocol.registry import MethodSpec, Registry


def echo(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Answer with exactly the (reference-resolved) arguments; it touches no account."""
    return dict(args)


def register(registry: Registry) -> None:
    """Add Core/echo to a registry; the methods package collects every such register()."""
    registry.register(MethodSpec("Core/echo", CORE, echo, needs_account=False))
