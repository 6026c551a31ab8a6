"""RFC 8620 §3.2, §1.8: the explicit registry of method names, their capability and handler."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

from mailx.protocol.context import CallContext

# A handler returns one response (named like the method) or several `(name, arguments)` pairs,
# e.g. Email/copy followed by its implicit Email/set, all sharing the call id.
MethodOutput: TypeAlias = dict[str, Any] | list[tuple[str, dict[str, Any]]]
Handler: TypeAlias = Callable[[CallContext, dict[str, Any]], MethodOutput]


@dataclass(frozen=True)
class MethodSpec:
    """One method: its wire name, the capability that must be in `using`, and how to run it."""

    name: str
    capability: str
    handler: Handler
    needs_account: bool = True
    writes: bool = False


class Registry:
    """Name → MethodSpec. Explicit rather than import-time magic, so tests can build small ones."""

    def __init__(self) -> None:
        self._specs: dict[str, MethodSpec] = {}

    def register(self, spec: MethodSpec) -> None:
        """Add a method; registering the same name twice is a programming error."""
        if spec.name in self._specs:
            raise ValueError(f"method {spec.name!r} is already registered")
        self._specs[spec.name] = spec

    def method(
        self, name: str, capability: str, *, needs_account: bool = True, writes: bool = False
    ) -> Callable[[Handler], Handler]:
        """Decorator form of register(), returning the handler unchanged so it stays testable."""

        def decorate(handler: Handler) -> Handler:
            self.register(MethodSpec(name, capability, handler, needs_account=needs_account, writes=writes))
            return handler

        return decorate

    def get(self, name: str) -> MethodSpec | None:
        """The spec for a method name, or None (the dispatcher answers unknownMethod)."""
        return self._specs.get(name)

    def capabilities(self) -> set[str]:
        """Capability URNs with at least one method, e.g. to build the Session object."""
        return {spec.capability for spec in self._specs.values()}

    def names(self) -> list[str]:
        """Every registered method name, sorted, for diagnostics and tests."""
        return sorted(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[MethodSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)
