"""The three kinds of blobId this server hands out (RFC 8620 §6), told apart by their shape.

- upload: `B` + a time-ordered id, stored at `uploads/{accountId}/{blobId}` with an expiry;
- email: the email id itself (another first letter), stored at `emails/{accountId}/{emailId}.eml`;
- part: `{messageBlobId}_{partId}` (RFC 8621 §4.1.4 part blob ids), cut out of the message on read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mailx.ids import new_id
from mailx.protocol.validate import is_id
from mailx.store import blobs as store

UPLOAD_PREFIX = "B"


class BlobKind(Enum):
    """Where a blob's octets come from."""

    UPLOAD = "upload"
    EMAIL = "email"
    PART = "part"


@dataclass(frozen=True)
class BlobRef:
    """A parsed blobId: the S3 object that holds the octets, and the part to cut out (parts only)."""

    account_id: str
    blob_id: str
    kind: BlobKind
    key: str
    part_id: str | None = None


def new_upload_id() -> str:
    """A fresh upload blobId; `_` never occurs in it, so it cannot be mistaken for a part."""
    return new_id(UPLOAD_PREFIX)


def _whole(account_id: str, blob_id: str) -> BlobRef:
    if blob_id.startswith(UPLOAD_PREFIX):
        return BlobRef(account_id, blob_id, BlobKind.UPLOAD, store.upload_key(account_id, blob_id))
    return BlobRef(account_id, blob_id, BlobKind.EMAIL, store.email_key(account_id, blob_id))


def parse_blob_id(account_id: str, blob_id: str) -> BlobRef | None:
    """The BlobRef for BLOB_ID in ACCOUNT_ID, or None when it cannot name any blob of ours.

    Only valid JMAP Ids get this far, so nothing a client sends can leave the account's S3 prefix.
    """
    if not is_id(blob_id):
        return None
    # Deferred: mailx.mime is a large package and most blob requests never touch a part.
    from mailx.mime.render import split_part_blob_id

    split = split_part_blob_id(blob_id)
    if split is None:
        return _whole(account_id, blob_id)
    message_blob_id, part_id = split
    message = _whole(account_id, message_blob_id)
    return BlobRef(account_id, blob_id, BlobKind.PART, message.key, part_id)
