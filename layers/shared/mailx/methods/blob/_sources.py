"""RFC 9404 §4.1 DataSourceObjects: inline text, inline base64, or a range of an existing blob."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from mailx.blobs import Blob, find
from mailx.protocol.context import CallContext
from mailx.protocol.errors import SetError
from mailx.protocol.validate import MAX_SAFE_INT, is_id_or_creation_ref

TEXT = "data:asText"
BASE64 = "data:asBase64"
BLOB_KEYS = frozenset({"blobId", "offset", "length"})


@dataclass(frozen=True)
class Slice:
    """Octets [start, stop) of an existing blob, read only once the whole creation is known to fit."""

    blob: Blob
    start: int
    stop: int


Source = bytes | Slice


class MissingBlob(Exception):
    """A blobId source names no blob of this account."""

    def __init__(self, blob_id: str) -> None:
        super().__init__(blob_id)
        self.blob_id = blob_id


def _bad(index: int, why: str) -> SetError:
    return SetError.invalid_properties(["data"], f"data/{index}: {why}")


def _inline(index: int, key: str, value: Any) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str):
        raise _bad(index, f"'{key}' must be a string or null")
    if key == TEXT:
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:
            raise _bad(index, "'data:asText' is not valid UTF-8") from None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(index, "'data:asBase64' is not valid base64") from None


def _offset(index: int, source: dict[str, Any], key: str) -> int | None:
    value = source.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INT:
        raise _bad(index, f"'{key}' must be an UnsignedInt or null")
    return value


class _Reader:
    """Parses one creation's sources; blobs are looked up once per call, however often they recur."""

    def __init__(self, call: CallContext, account_id: str, seen: dict[str, Blob | None]) -> None:
        self.call = call
        self.account_id = account_id
        self.seen = seen

    def blob(self, given: str) -> Blob:
        blob_id = self.call.resolve_id(given)
        if blob_id is None:
            raise MissingBlob(given)
        if blob_id not in self.seen:
            self.seen[blob_id] = find(self.account_id, blob_id)
        blob = self.seen[blob_id]
        if blob is None:
            raise MissingBlob(given)
        return blob

    def slice(self, index: int, source: dict[str, Any]) -> Slice:
        given = source.get("blobId")
        if not isinstance(given, str) or not is_id_or_creation_ref(given):
            raise _bad(index, "'blobId' must be an Id")
        offset = _offset(index, source, "offset") or 0
        length = _offset(index, source, "length")
        blob = self.blob(given)
        stop = blob.size if length is None else offset + length
        if offset > blob.size or stop > blob.size:
            raise _bad(
                index, f"octets {offset} to {stop} are not all inside blob {given!r} ({blob.size} octets)"
            )
        return Slice(blob, offset, stop)

    def source(self, index: int, source: Any) -> Source:
        if not isinstance(source, dict):
            raise _bad(index, "must be a DataSourceObject")
        kinds = [key for key in (TEXT, BASE64) if key in source] + (["blobId"] if "blobId" in source else [])
        if len(kinds) != 1:
            raise _bad(index, "must have exactly one of 'data:asText', 'data:asBase64' or 'blobId'")
        allowed = BLOB_KEYS if kinds[0] == "blobId" else {kinds[0]}
        unknown = sorted(set(source) - allowed)
        if unknown:
            raise _bad(index, f"unexpected {', '.join(repr(k) for k in unknown)}")
        if kinds[0] == "blobId":
            return self.slice(index, source)
        return _inline(index, kinds[0], source[kinds[0]])


def parse_sources(
    call: CallContext, account_id: str, data: list[Any], seen: dict[str, Blob | None]
) -> list[Source]:
    """Every source of one creation; SetError invalidProperties, or MissingBlob for an unknown blob.

    Unknown blobs are collected so that blobNotFound can name all of them, as RFC 8621 §4.6 asks.
    """
    reader = _Reader(call, account_id, seen)
    sources: list[Source] = []
    missing: list[str] = []
    for index, source in enumerate(data):
        try:
            sources.append(reader.source(index, source))
        except MissingBlob as exc:
            missing.append(exc.blob_id)
    if missing:
        raise SetError.blob_not_found(list(dict.fromkeys(missing)), "some blobIds in 'data' do not exist")
    return sources


def source_size(source: Source) -> int:
    """How many octets a source adds."""
    return len(source) if isinstance(source, bytes) else source.stop - source.start


def source_octets(source: Source) -> bytes:
    """A source's octets (a ranged read for a blob; BlobMissing if it has just expired)."""
    return source if isinstance(source, bytes) else source.blob.read(source.start, source.stop)
