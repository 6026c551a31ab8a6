"""JMAP SearchSnippet methods (RFC 8621 §5); register() adds them under the mail capability."""

from __future__ import annotations

from mailx.protocol.capabilities import MAIL
from mailx.protocol.registry import MethodSpec, Registry


def register(registry: Registry) -> None:
    """Add SearchSnippet/get."""
    from mailx.methods.search_snippet.get import search_snippet_get

    registry.register(MethodSpec("SearchSnippet/get", MAIL, search_snippet_get))
