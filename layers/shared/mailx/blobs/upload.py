"""Storing uploaded blobs (RFC 8620 §6.1, RFC 9404 §4.1): the size cap, concurrency and expiry."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from mailx.blobs.disposition import media_type_or_default
from mailx.blobs.kinds import new_upload_id
from mailx.limits import LIMITS
from mailx.store import blobs as store
from mailx.store.config_store import effective_settings


class UploadTooLarge(Exception):
    """More octets than maxSizeUpload (HTTP 413, `limit: maxSizeUpload`)."""


class TooManyUploads(Exception):
    """More concurrent uploads for one account than maxConcurrentUpload."""


@dataclass(frozen=True)
class Uploaded:
    """A stored upload: exactly the fields of the RFC 8620 §6.1 upload response."""

    account_id: str
    blob_id: str
    type: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"accountId": self.account_id, "blobId": self.blob_id, "type": self.type, "size": self.size}


_in_flight: dict[str, int] = defaultdict(int)
_lock = threading.Lock()


class UploadSlot:
    """Best-effort maxConcurrentUpload per account, within this process (as the API's maxConcurrentRequests).

    Lambda runs one request per instance, so on AWS this only bites in the local runtime; the limit is
    still advertised truthfully because nothing lets more run at once in one process.
    """

    def __init__(self, account_id: str, limit: int = LIMITS.max_concurrent_upload) -> None:
        self.account_id = account_id
        self.limit = limit

    def __enter__(self) -> UploadSlot:
        with _lock:
            if _in_flight[self.account_id] >= self.limit:
                raise TooManyUploads(f"at most {self.limit} uploads may run at once for an account")
            _in_flight[self.account_id] += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with _lock:
            _in_flight[self.account_id] -= 1
            if _in_flight[self.account_id] <= 0:
                del _in_flight[self.account_id]


def expiry() -> int:
    """Epoch seconds at which a blob uploaded now may be dropped (UPLOAD_TTL_SECONDS from now)."""
    return int(time.time()) + effective_settings().upload_ttl_seconds


def check_size(size: int) -> None:
    """UploadTooLarge when SIZE octets are more than maxSizeUpload."""
    if size > LIMITS.max_size_upload:
        raise UploadTooLarge(f"the upload is over {LIMITS.max_size_upload} octets (maxSizeUpload)")


def save_blob(account_id: str, data: bytes, media_type: str) -> Uploaded:
    """Store DATA as a new unreferenced blob of ACCOUNT_ID (the caller has checked size and type)."""
    blob_id = new_upload_id()
    store.put(store.upload_key(account_id, blob_id), data, media_type, expires_at=expiry())
    return Uploaded(account_id, blob_id, media_type, len(data))


def store_upload(account_id: str, data: bytes, content_type: str | None) -> Uploaded:
    """The upload endpoint's store: maxSizeUpload, and a missing or malformed type as octet-stream."""
    check_size(len(data))
    return save_blob(account_id, data, media_type_or_default(content_type))
