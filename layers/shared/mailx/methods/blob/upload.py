"""RFC 9404 §4.1: Blob/upload, a /set with only `create`, building blobs from DataSourceObjects."""

from __future__ import annotations

from typing import Any

from mailx.blobs import Blob, BlobMissing
from mailx.blobs.disposition import DEFAULT_TYPE, safe_media_type
from mailx.blobs.upload import save_blob
from mailx.limits import LIMITS, MAX_DATA_SOURCES, MAX_SIZE_BLOB_SET
from mailx.methods.blob._sources import parse_sources, source_octets, source_size
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, TOO_LARGE, MethodError, SetError
from mailx.protocol.validate import invalid, is_id

UPLOAD_OBJECT_PROPERTIES = frozenset({"data", "type"})


def _create_map(args: dict[str, Any]) -> dict[str, Any]:
    create = args.get("create")
    if not isinstance(create, dict):
        raise invalid("'create' is required and must be an object")
    for creation_id in create:
        if not is_id(creation_id):
            raise invalid(f"'create' has an invalid creation id {creation_id!r}")
    if len(create) > LIMITS.max_objects_in_set:
        raise MethodError(
            REQUEST_TOO_LARGE,
            f"{len(create)} blobs to create; the maximum is {LIMITS.max_objects_in_set} (maxObjectsInSet)",
        )
    return create


def _media_type(upload: dict[str, Any]) -> str:
    given = upload.get("type")
    if given is None:
        return DEFAULT_TYPE
    media_type = safe_media_type(given) if isinstance(given, str) else None
    if media_type is None:
        raise SetError.invalid_properties(["type"], "'type' must be a media type such as text/plain, or null")
    return media_type


class _Creator:
    """Creates the blobs of one Blob/upload call, sharing blob look-ups between creations."""

    def __init__(self, call: CallContext, account_id: str) -> None:
        self.call = call
        self.account_id = account_id
        self.max_size, self.max_sources = MAX_SIZE_BLOB_SET, MAX_DATA_SOURCES
        self.seen: dict[str, Blob | None] = {}

    def create(self, upload: Any) -> dict[str, Any]:
        if not isinstance(upload, dict):
            raise SetError.invalid_properties([], "an UploadObject must be an object")
        unknown = sorted(set(upload) - UPLOAD_OBJECT_PROPERTIES)
        if unknown:
            raise SetError.invalid_properties(unknown, "an UploadObject has only 'data' and 'type'")
        media_type = _media_type(upload)
        data = upload.get("data")
        if not isinstance(data, list):
            raise SetError.invalid_properties(["data"], "'data' must be an array of DataSourceObjects")
        if len(data) > self.max_sources:
            raise SetError.invalid_properties(
                ["data"], f"{len(data)} data sources; at most {self.max_sources} (maxDataSources)"
            )
        sources = parse_sources(self.call, self.account_id, data, self.seen)
        size = sum(source_size(source) for source in sources)
        if self.max_size is not None and size > self.max_size:
            raise SetError(
                TOO_LARGE, f"the blob would be {size} octets; at most {self.max_size} (maxSizeBlobSet)"
            )
        try:
            octets = b"".join(source_octets(source) for source in sources)
        except BlobMissing as exc:
            raise SetError.blob_not_found([str(exc)], "a blob in 'data' has just expired") from None
        stored = save_blob(self.account_id, octets, media_type)
        return {"id": stored.blob_id, "type": stored.type, "size": stored.size}


def blob_upload(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Create each blob in order, so a later creation may use `#id` of an earlier one in the same call.

    Blobs have no state, so the response has no oldState/newState (RFC 9404 §4.1).
    """
    account_id = call.checked_account(args)
    creator = _Creator(call, account_id)
    created: dict[str, Any] = {}
    not_created: dict[str, Any] = {}
    for creation_id, upload in _create_map(args).items():
        try:
            created[creation_id] = creator.create(upload)
        except SetError as error:
            not_created[creation_id] = error.to_json()
            continue
        call.add_created_id(creation_id, created[creation_id]["id"])  # RFC 9404: "#id" later in this call
    return {"accountId": account_id, "created": created or None, "notCreated": not_created or None}
