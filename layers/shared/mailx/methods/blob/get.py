"""RFC 9404 §4.2: Blob/get, with ranges, text or base64 data, digests and the exact warning flags."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mailx.blobs import Blob, BlobMissing, find
from mailx.limits import LIMITS
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError
from mailx.protocol.standard_get import parse_get
from mailx.protocol.validate import invalid, opt_unsigned_int

DATA, TEXT, BASE64, SIZE = "data", "data:asText", "data:asBase64", "size"
DIGESTS = {"digest:sha": "sha1", "digest:sha-256": "sha256"}
PROPERTIES = frozenset({"id", DATA, TEXT, BASE64, SIZE, *DIGESTS})
DEFAULT_PROPERTIES = (DATA, SIZE)
# One call's data must fit a Lambda response (6 MB) with room for the rest of the request: the raw
# octets are checked before reading, the JSON they become (base64 or escaped text) after.
MAX_DATA_OCTETS = 3_000_000
MAX_DATA_JSON = 4_500_000


@dataclass(frozen=True)
class _Range:
    """The selected range: offset and length as given, `length` None meaning "to the end"."""

    offset: int
    length: int | None

    def bounds(self, size: int) -> tuple[int, int]:
        start = min(self.offset, size)
        stop = size if self.length is None else min(size, self.offset + self.length)
        return start, max(start, stop)

    def truncated(self, size: int) -> bool:
        """RFC 9404 §4.2: the range asks for octets past the end (without length: only a start past it)."""
        if self.length is None:
            return self.offset > size
        return self.offset + self.length > size


def _data_properties(blob: Blob, octets: bytes, wanted: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        text: str | None = octets.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if (DATA in wanted or TEXT in wanted) and text is None:
        out["isEncodingProblem"] = True
    if TEXT in wanted or (DATA in wanted and text is not None):
        out[TEXT] = text
    if BASE64 in wanted or (DATA in wanted and text is None):
        out[BASE64] = base64.b64encode(octets).decode("ascii")
    return out


def _digest(blob: Blob, algorithm: str, start: int, stop: int) -> str:
    digest = hashlib.new(algorithm)
    for chunk in blob.chunks(start, stop):
        digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def _render(blob: Blob, wanted: list[str], selected: _Range) -> dict[str, Any]:
    start, stop = selected.bounds(blob.size)
    out: dict[str, Any] = {"id": blob.blob_id}
    if selected.truncated(blob.size):
        out["isTruncated"] = True
    if any(p in wanted for p in (DATA, TEXT, BASE64)):
        out.update(_data_properties(blob, blob.read(start, stop), wanted))
    for name, algorithm in DIGESTS.items():
        if name in wanted:
            out[name] = _digest(blob, algorithm, start, stop)
    if SIZE in wanted:
        out[SIZE] = blob.size
    return out


def _too_large(detail: str) -> MethodError:
    return MethodError(
        REQUEST_TOO_LARGE,
        f"{detail}; ask for fewer ids or a smaller offset/length, or use the download URL",
    )


def _check_budget(blobs: list[Blob], wanted: list[str], selected: _Range) -> None:
    if not any(p in wanted for p in (DATA, TEXT, BASE64)):
        return
    total = sum(stop - start for start, stop in (selected.bounds(b.size) for b in blobs))
    if total > MAX_DATA_OCTETS:
        raise _too_large(f"the selected data is {total} octets; at most {MAX_DATA_OCTETS} per call")


def blob_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """A standard /get over blobs; blobs have no state, so the response has none (RFC 9404 §4.2 examples).

    `ids` null would mean "every blob", which no client can want: invalidArguments says so.
    """
    parsed = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=PROPERTIES)
    if parsed.ids is None:
        raise invalid("'ids' is required for Blob/get: blobs cannot be listed")
    wanted = list(parsed.properties) if parsed.properties is not None else list(DEFAULT_PROPERTIES)
    selected = _Range(opt_unsigned_int(args, "offset") or 0, opt_unsigned_int(args, "length"))
    found: list[Blob] = []
    not_found: list[str] = []
    for blob_id in parsed.ids:
        blob = find(parsed.account_id, blob_id)
        if blob is None:
            not_found.append(blob_id)
        else:
            found.append(blob)
    _check_budget(found, wanted, selected)
    listed: list[dict[str, Any]] = []
    for blob in found:
        try:
            listed.append(_render(blob, wanted, selected))
        except BlobMissing:
            not_found.append(blob.blob_id)
    if len(json.dumps(listed)) > MAX_DATA_JSON:
        raise _too_large("the data would not fit in one response")
    return {"accountId": parsed.account_id, "list": listed, "notFound": not_found}
