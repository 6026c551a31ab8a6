"""Serving a blob download (RFC 8620 §6.2): inline when small, a presigned S3 redirect when large.

INLINE_LIMIT is 1 MB. A Lambda response is capped at 6 MB and API Gateway carries a binary body
base64-encoded (4/3 larger), so ~4.5 MB is the hard ceiling; staying far below it keeps the Lambda's
memory and billed duration small, while S3 serves anything bigger directly and faster than Lambda
could. The redirect carries the same Content-Type, Content-Disposition and Cache-Control as an
inline answer, because S3 sets them from the signed `response-*` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailx.blobs.disposition import content_disposition, media_type_or_default
from mailx.blobs.kinds import BlobKind
from mailx.blobs.resolve import Blob, BlobMissing, find
from mailx.blobs.upload import expiry
from mailx.store import blobs as store

INLINE_LIMIT = 1_000_000
PRESIGNED_SECONDS = 300
# Blob octets never change (RFC 8620 §6.2 recommends exactly this).
CACHE_CONTROL = "private, immutable, max-age=31536000"


@dataclass(frozen=True)
class Inline:
    """Answer 200 with these octets and headers."""

    data: bytes
    content_type: str
    disposition: str


@dataclass(frozen=True)
class Redirect:
    """Answer 302 to this short-lived URL."""

    url: str


def _redirect(blob: Blob, content_type: str, disposition: str) -> Redirect:
    key = blob.ref.key
    if blob.ref.kind is BlobKind.PART and blob.data is not None:
        # A part has no S3 object of its own: keep the decoded octets next to the uploads (same
        # lifecycle expiry), under the part blobId, which no upload id can ever equal.
        key = store.upload_key(blob.ref.account_id, blob.blob_id)
        store.put(key, blob.data, "application/octet-stream", expires_at=expiry())
    url = store.presigned_get(
        key,
        filename_disposition=disposition,
        content_type=content_type,
        expires_in=PRESIGNED_SECONDS,
        cache_control=CACHE_CONTROL,
    )
    return Redirect(url)


def prepare(account_id: str, blob_id: str, name: str, media_type: str | None) -> Inline | Redirect | None:
    """What to answer for a download of BLOB_ID in ACCOUNT_ID; None is 404 (missing or expired).

    NAME and MEDIA_TYPE come from the URL untouched: the type falls back to octet-stream unless it is
    a well-formed media type, and the name is encoded for Content-Disposition whatever it holds.
    """
    blob = find(account_id, blob_id)
    if blob is None:
        return None
    content_type = media_type_or_default(media_type)
    disposition = content_disposition(name or blob_id)
    if blob.size > INLINE_LIMIT:
        return _redirect(blob, content_type, disposition)
    try:
        data = blob.read()
    except BlobMissing:
        return None
    return Inline(data, content_type, disposition)
