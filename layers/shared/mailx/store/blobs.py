"""The S3 blob store, keeping the predecessor's key layout.

- `emails/{accountId}/{emailId}.eml`: every stored message, byte-exact; blobId = emailId.
- `uploads/{accountId}/{blobId}`: uploaded blobs, expired by a bucket lifecycle rule (and by the
  `expires-at` metadata that reads check, since lifecycle deletion is lazy).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import IO

from mailx import aws
from mailx.config import get_settings


@dataclass(frozen=True)
class StoredBlob:
    """Bytes from S3 with the type they were stored with."""

    data: bytes
    content_type: str


def email_key(account_id: str, email_id: str) -> str:
    return f"emails/{account_id}/{email_id}.eml"


def upload_key(account_id: str, blob_id: str) -> str:
    return f"uploads/{account_id}/{blob_id}"


def _bucket() -> str:
    return get_settings().bucket_name


def put(key: str, data: bytes | IO[bytes], content_type: str, *, expires_at: int | None = None) -> None:
    """Write an object; EXPIRES_AT (epoch seconds) is kept as metadata for reads to honour."""
    metadata = {"expires-at": str(expires_at)} if expires_at else {}
    aws.s3().put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type, Metadata=metadata)


def _is_missing(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in {"NoSuchKey", "404", "NotFound"}


def get(key: str) -> StoredBlob | None:
    """The object's bytes and type, or None when it is missing or past its expiry."""
    from botocore.exceptions import ClientError

    try:
        response = aws.s3().get_object(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if _is_missing(exc):
            return None
        raise
    expires = response.get("Metadata", {}).get("expires-at")
    if expires and int(expires) <= time.time():
        return None
    return StoredBlob(response["Body"].read(), response.get("ContentType") or "application/octet-stream")


def head(key: str) -> tuple[int, str] | None:
    """(size, content type) without reading the body, or None when missing or expired."""
    from botocore.exceptions import ClientError

    try:
        response = aws.s3().head_object(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if _is_missing(exc):
            return None
        raise
    expires = response.get("Metadata", {}).get("expires-at")
    if expires and int(expires) <= time.time():
        return None
    return int(response["ContentLength"]), response.get("ContentType") or "application/octet-stream"


def copy(source_key: str, dest_key: str) -> None:
    """Server-side copy (no bytes through Lambda)."""
    aws.s3().copy_object(Bucket=_bucket(), Key=dest_key, CopySource={"Bucket": _bucket(), "Key": source_key})


def delete(key: str) -> None:
    aws.s3().delete_object(Bucket=_bucket(), Key=key)


def presigned_get(key: str, *, filename_disposition: str, content_type: str, expires_in: int = 300) -> str:
    """A short-lived URL that serves the object with our type and Content-Disposition."""
    return aws.s3().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": _bucket(),
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": filename_disposition,
        },
        ExpiresIn=expires_in,
    )


def ensure_bucket() -> None:
    """Create the bucket if missing (local runtime and tests only)."""
    from botocore.exceptions import ClientError

    client = aws.s3()
    try:
        client.head_bucket(Bucket=_bucket())
    except ClientError:
        client.create_bucket(Bucket=_bucket())
