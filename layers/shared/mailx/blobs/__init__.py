"""Binary data (RFC 8620 §6, RFC 9404): blob ids, resolution, upload, download and copy.

Other packages read blobs through `find(account_id, blob_id)`; nothing outside this package needs to
know that uploads, whole messages and message parts live in different places.
"""

from mailx.blobs.kinds import BlobKind, BlobRef, new_upload_id, parse_blob_id
from mailx.blobs.resolve import Blob, BlobMissing, find

__all__ = ["Blob", "BlobKind", "BlobMissing", "BlobRef", "find", "new_upload_id", "parse_blob_id"]
