"""The S3 blob store, keeping the predecessor's key layout.

- `emails/{accountId}/{emailId}.eml`: every stored message, byte-exact; blobId = emailId.
- `uploads/{accountId}/{blobId}`: uploaded blobs, expired by a bucket lifecycle rule (and by the
  `expires-at` metadata that reads check, since lifecycle deletion is lazy).
- `outbound/{accountId}/{submissionId}.eml`: a send's copy of its message (mail.outbound).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from mailx import aws
from mailx.config import get_settings


@dataclass(frozen=True)
class StoredBlob:
    """Bytes from S3 with the type they were stored with."""

    data: bytes
    content_type: str


def email_key(account_id: str, email_id: str) -> str:
    return f"emails/{account_id}/{email_id}.eml"


def summary_key(account_id: str, blob_id: str) -> str:
    """Where a summary too large for its DynamoDB item is kept (store.emails); never a blob id,
    as "." is not a JMAP Id character."""
    return f"emails/{account_id}/{blob_id}.summary.json"


def search_text_key(account_id: str, blob_id: str) -> str:
    """Where a search text too large for its DynamoDB item is kept (store.email_index)."""
    return f"emails/{account_id}/{blob_id}.text.z"


def upload_key(account_id: str, blob_id: str) -> str:
    return f"uploads/{account_id}/{blob_id}"


def _bucket() -> str:
    return get_settings().bucket_name


def put(key: str, data: bytes | IO[bytes], content_type: str, *, expires_at: int | None = None) -> None:
    """Write an object; EXPIRES_AT (epoch seconds) is kept as metadata for reads to honour."""
    metadata = {"expires-at": str(expires_at)} if expires_at else {}
    aws.s3().put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type, Metadata=metadata)


def delete_prefix(prefix: str, spent: Callable[[], bool]) -> bool:
    """Delete every object under PREFIX, 1,000 per request; False when SPENT() said stop before the end."""
    s3 = aws.s3()
    while True:  # one page at least before looking at the clock, so every call makes progress
        page = s3.list_objects_v2(Bucket=_bucket(), Prefix=prefix, MaxKeys=1000)
        keys: list[Any] = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if not keys:
            return True
        s3.delete_objects(Bucket=_bucket(), Delete={"Objects": keys, "Quiet": True})
        if spent():
            return False


def _is_missing(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in {"NoSuchKey", "404", "NotFound"}


def _call(operation: str, key: str) -> dict[str, Any] | None:
    """GET or HEAD an object: its response, or None when it is missing or past its `expires-at`."""
    from botocore.exceptions import ClientError

    try:
        response: dict[str, Any] = getattr(aws.s3(), operation)(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if _is_missing(exc):
            return None
        raise
    if _expired(response.get("Metadata", {})):
        if "Body" in response:
            response["Body"].close()
        return None
    return response


def get(key: str) -> StoredBlob | None:
    """The object's bytes and type, or None when it is missing or past its expiry."""
    response = _call("get_object", key)
    if response is None:
        return None
    return StoredBlob(response["Body"].read(), response.get("ContentType") or "application/octet-stream")


def get_at_most(key: str, limit: int) -> StoredBlob | int | None:
    """The object when it is at most LIMIT octets; else its size, its body left unread (one GET either
    way, no HEAD first). None when it is missing or expired."""
    response = _call("get_object", key)
    if response is None:
        return None
    size = int(response.get("ContentLength", 0))
    if size > limit:
        response["Body"].close()
        return size
    return StoredBlob(response["Body"].read(), response.get("ContentType") or "application/octet-stream")


def head(key: str) -> tuple[int, str] | None:
    """(size, content type) without reading the body, or None when missing or expired."""
    response = _call("head_object", key)
    if response is None:
        return None
    return int(response["ContentLength"]), response.get("ContentType") or "application/octet-stream"


def copy(source_key: str, dest_key: str) -> None:
    """Server-side copy (no bytes through Lambda)."""
    aws.s3().copy_object(Bucket=_bucket(), Key=dest_key, CopySource={"Bucket": _bucket(), "Key": source_key})


def delete(key: str) -> None:
    aws.s3().delete_object(Bucket=_bucket(), Key=key)


def delete_many(keys: Sequence[str]) -> None:
    """Delete up to 1,000 objects in one request (a missing one is no error, as with delete)."""
    objects: list[Any] = [{"Key": key} for key in keys]
    response = aws.s3().delete_objects(Bucket=_bucket(), Delete={"Objects": objects, "Quiet": True})
    for error in response.get("Errors") or []:
        raise RuntimeError(f"S3 could not delete {error.get('Key')}: {error.get('Code')}")


def presigned_get(
    key: str,
    *,
    filename_disposition: str,
    content_type: str,
    expires_in: int = 300,
    cache_control: str | None = None,
) -> str:
    """A short-lived URL that serves the object with our type, Content-Disposition and caching."""
    params: dict[str, Any] = {
        "Bucket": _bucket(),
        "Key": key,
        "ResponseContentType": content_type,
        "ResponseContentDisposition": filename_disposition,
    }
    if cache_control:
        params["ResponseCacheControl"] = cache_control
    return aws.s3().generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)


def _expired(metadata: Mapping[str, str]) -> bool:
    expires = metadata.get("expires-at")
    return bool(expires) and int(expires or 0) <= time.time()


def _open_range(key: str, start: int, end: int | None) -> Any:
    """The streaming body of octets [start, end), or None when missing or expired."""
    from botocore.exceptions import ClientError

    kwargs: dict[str, Any] = {"Bucket": _bucket(), "Key": key}
    if start > 0 or end is not None:
        kwargs["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
    try:
        response = aws.s3().get_object(**kwargs)
    except ClientError as exc:
        if _is_missing(exc):
            return None
        raise
    if _expired(response.get("Metadata", {})):
        response["Body"].close()
        return None
    return response["Body"]


def get_range(key: str, start: int = 0, end: int | None = None) -> bytes | None:
    """Octets [start, end) of an object through one ranged GET; None when missing or expired.

    The caller keeps the range inside the object (S3 answers 416 otherwise) and non-empty.
    """
    body = _open_range(key, start, end)
    if body is None:
        return None
    try:
        data: bytes = body.read()
        return data
    finally:
        body.close()


def iter_range(
    key: str, start: int = 0, end: int | None = None, *, chunk_size: int = 1 << 20
) -> Iterator[bytes] | None:
    """Like get_range, as chunks, so a digest of a 40 MB message never holds it all in memory."""
    body = _open_range(key, start, end)
    if body is None:
        return None
    return _chunks(body, chunk_size)


def _chunks(body: Any, chunk_size: int) -> Iterator[bytes]:
    try:
        while chunk := body.read(chunk_size):
            yield chunk
    finally:
        body.close()


def copy_as(source_key: str, dest_key: str, *, content_type: str, expires_at: int | None) -> None:
    """Server-side copy with new metadata: the copy gets its own type and expiry, not the source's."""
    metadata = {"expires-at": str(expires_at)} if expires_at else {}
    aws.s3().copy_object(
        Bucket=_bucket(),
        Key=dest_key,
        CopySource={"Bucket": _bucket(), "Key": source_key},
        MetadataDirective="REPLACE",
        ContentType=content_type,
        Metadata=metadata,
    )


def ensure_bucket() -> None:
    """Create the bucket if missing (local runtime and tests only)."""
    from botocore.exceptions import ClientError

    client = aws.s3()
    try:
        client.head_bucket(Bucket=_bucket())
    except ClientError:
        client.create_bucket(Bucket=_bucket())
