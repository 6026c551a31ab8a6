"""Email/set create: a JMAP Email object to RFC 5322 octets, pure (RFC 8621 §4.6, RFC 5322 §3.6)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from mailx.mime.compose_fields import ComposeError, fold
from mailx.mime.compose_mime import Blob, entity, render
from mailx.mime.compose_parts import (
    PartSpec,
    add_field,
    add_header_properties,
    read_body_values,
    unknown_keys,
)
from mailx.mime.compose_tree import body_tree
from mailx.mime.headers import CONVENIENCE, as_message_ids

__all__ = ["Blob", "BlobNotFound", "ComposeError", "ComposedEmail", "compose_email"]

# Set by the store, not written into the message; the method layer deals with them.
_STORE_KEYS = frozenset({"mailboxIds", "keywords", "receivedAt"})
_BODY_KEYS = frozenset({"bodyStructure", "bodyValues", "textBody", "htmlBody", "attachments", "headers"})
_EMAIL_KEYS = frozenset(CONVENIENCE) | _STORE_KEYS | _BODY_KEYS


class BlobNotFound(Exception):
    """Blob ids referenced by body parts that do not exist; the method layer answers the SetError
    blobNotFound with `notFound` (RFC 8621 §4.6)."""

    def __init__(self, blob_ids: Sequence[str]) -> None:
        super().__init__("blobs not found: " + ", ".join(blob_ids))
        self.blob_ids = list(blob_ids)


@dataclass(frozen=True, slots=True)
class ComposedEmail:
    """The message octets and its Message-ID (without angle brackets; "" if a client's raw
    Message-ID field holds none)."""

    raw: bytes
    message_id: str


def _email_forbid(lowered: str) -> str | None:
    if lowered.startswith("content-"):
        return "is a Content-* field: those go on body parts, not on the Email"
    if lowered == "mime-version":
        return "is written by the server"
    return None


def _email_fields(create: Mapping[str, Any]) -> PartSpec:
    """The header properties of the Email itself, in the client's order."""
    top = PartSpec("")
    for key, value in create.items():
        if key in CONVENIENCE:
            add_field(replace(CONVENIENCE[key], prop=key), value, key, top, _email_forbid)
    add_header_properties(create, "", top, _email_forbid)
    return top


def _fetch(root: PartSpec, fetch_blob: Callable[[str], Blob | None]) -> dict[str, Blob]:
    blob_ids = list(dict.fromkeys(leaf.blob_id for leaf in root.leaves() if leaf.blob_id is not None))
    found: dict[str, Blob] = {}
    missing: list[str] = []
    for blob_id in blob_ids:
        blob = fetch_blob(blob_id)
        if blob is None:
            missing.append(blob_id)
        else:
            found[blob_id] = blob
    if missing:
        raise BlobNotFound(missing)
    return found


def _written(fields: list[str], name: str) -> str | None:
    """The value of the last field of this name actually written, or None."""
    prefix = name.lower() + ":"
    values = [f[len(prefix) :] for f in fields if f[: len(prefix)].lower() == prefix]
    return values[-1] if values else None


def compose_email(
    create: Mapping[str, Any],
    *,
    fetch_blob: Callable[[str], Blob | None],
    now: datetime,
    message_id_domain: str,
) -> ComposedEmail:
    """Builds the RFC 5322 message for an Email/set create. Raises ComposeError (invalidProperties,
    naming the property path) for a §4.6 violation, then BlobNotFound listing every missing blob.

    Date comes from sentAt (or `now`), Message-ID from messageId (or a random id at
    message_id_domain); Bcc is kept, as a draft must keep it until it is sent."""
    unknown_keys(create, _EMAIL_KEYS, "")
    top = _email_fields(create)
    root = body_tree(create, read_body_values(create.get("bodyValues")))
    for lowered, path in root.names.items():
        if lowered in top.names:
            raise ComposeError(path, f"the header field is already set on the Email by {top.names[lowered]}")
    blobs = _fetch(root, fetch_blob)
    content, body = render(root, blobs)
    fields = list(top.fields)
    if _written(fields + root.fields, "Date") is None:
        moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        fields.append("Date: " + format_datetime(moment))
    written_id = _written(fields + root.fields, "Message-ID")
    if written_id is None:
        message_id = f"{secrets.token_hex(16)}@{message_id_domain}"
        fields.append(fold("Message-ID", f" <{message_id}>", "messageId"))
    else:
        message_id = (as_message_ids(written_id) or [""])[0]
    fields.append("MIME-Version: 1.0")
    return ComposedEmail(entity(fields + content, body), message_id)
