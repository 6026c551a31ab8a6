"""Resolve a blobId to its octets (RFC 8620 §6): one HEAD to find a stored blob, ranged GETs to read it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mailx.blobs.kinds import BlobKind, BlobRef, parse_blob_id
from mailx.store import blobs as store

MESSAGE_TYPE = "message/rfc822"
CHUNK = 1 << 20


class BlobMissing(Exception):
    """The blob vanished (expired or deleted) between finding and reading it."""


@dataclass(frozen=True)
class Blob:
    """A blob that exists: its size, the type it was stored with, and a way to read any range.

    Part blobs are cut out of their message when found, so `data` holds them already; stored
    blobs are read from S3 on demand, only the octets asked for.
    """

    ref: BlobRef
    size: int
    type: str
    name: str | None = None
    data: bytes | None = None

    @property
    def blob_id(self) -> str:
        return self.ref.blob_id

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """Octets [start, end), clamped to the blob; BlobMissing if it has gone since."""
        start, stop = _clamp(self.size, start, end)
        if self.data is not None:
            return self.data[start:stop]
        if start >= stop:
            return b""
        whole = start == 0 and stop == self.size
        data = store.get_range(self.ref.key, 0 if whole else start, None if whole else stop)
        if data is None:
            raise BlobMissing(self.blob_id)
        return data

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The same octets as read(), in chunks of at most 1 MiB (for digests of large messages)."""
        start, stop = _clamp(self.size, start, end)
        if self.data is not None or stop - start <= CHUNK:
            yield self.read(start, stop)
            return
        stream = store.iter_range(self.ref.key, start, stop, chunk_size=CHUNK)
        if stream is None:
            raise BlobMissing(self.blob_id)
        yield from stream


def _clamp(size: int, start: int, end: int | None) -> tuple[int, int]:
    stop = size if end is None else min(end, size)
    start = min(max(start, 0), size)
    return start, max(start, stop)


def _find_part(ref: BlobRef) -> Blob | None:
    from mailx.mime.content import extract_part  # deferred: only part blobs need the MIME parser

    raw = store.get(ref.key)
    if raw is None or ref.part_id is None:
        return None
    part = extract_part(raw.data, ref.part_id)
    if part is None:
        return None
    return Blob(ref, len(part.data), part.type, part.name, part.data)


def find_ref(ref: BlobRef) -> Blob | None:
    """The Blob behind REF, or None when it does not exist (or has expired)."""
    if ref.kind is BlobKind.PART:
        return _find_part(ref)
    found = store.head(ref.key)
    if found is None:
        return None
    size, content_type = found
    return Blob(ref, size, MESSAGE_TYPE if ref.kind is BlobKind.EMAIL else content_type)


def find(account_id: str, blob_id: str) -> Blob | None:
    """The blob BLOB_ID of ACCOUNT_ID, or None: another account's blob is simply not found."""
    ref = parse_blob_id(account_id, blob_id)
    return None if ref is None else find_ref(ref)
