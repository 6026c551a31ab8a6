"""Copying a blob into another account (RFC 8620 §6.3 Blob/copy), without bytes through Lambda."""

from __future__ import annotations

from mailx.blobs.disposition import media_type_or_default
from mailx.blobs.kinds import BlobKind, new_upload_id
from mailx.blobs.resolve import find
from mailx.blobs.upload import expiry, save_blob
from mailx.store import blobs as store


def copy_blob(from_account_id: str, to_account_id: str, blob_id: str) -> str | None:
    """The blobId of BLOB_ID's octets in TO_ACCOUNT_ID, or None when it does not exist.

    Within one account every blob is already usable, so the same id comes back. Into another account
    the copy is a new unreferenced blob there (upload expiry), made by a server-side S3 copy; a part
    is cut out of its message first, as it has no object of its own.
    """
    blob = find(from_account_id, blob_id)
    if blob is None:
        return None
    if from_account_id == to_account_id:
        return blob_id
    if blob.ref.kind is BlobKind.PART and blob.data is not None:
        return save_blob(to_account_id, blob.data, media_type_or_default(blob.type)).blob_id
    new_id = new_upload_id()
    store.copy_as(
        blob.ref.key, store.upload_key(to_account_id, new_id), content_type=blob.type, expires_at=expiry()
    )
    return new_id
