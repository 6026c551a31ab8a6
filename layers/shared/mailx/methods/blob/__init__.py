"""JMAP blob methods: Blob/copy (RFC 8620 §6.3), Blob/upload, Blob/get, Blob/lookup (RFC 9404 §4.1-§4.3)."""

from __future__ import annotations

from mailx.protocol.capabilities import CORE
from mailx.protocol.registry import MethodSpec, Registry
from mailx.server.capabilities import BLOB


def register(registry: Registry) -> None:
    """Add every blob method; Blob/copy belongs to core, the RFC 9404 methods to the blob capability."""
    from mailx.methods.blob import copy, get, lookup, upload

    registry.register(MethodSpec("Blob/copy", CORE, copy.blob_copy, writes=True))
    registry.register(MethodSpec("Blob/upload", BLOB, upload.blob_upload, writes=True))
    registry.register(MethodSpec("Blob/get", BLOB, get.blob_get))
    registry.register(MethodSpec("Blob/lookup", BLOB, lookup.blob_lookup))
