"""RFC 8621 §4.9: Email/parse — Email objects from blobs (uploads, stored Emails, attached messages).

What is parsable: the octets must open with a header field (RFC 5322 §2.2), and a part blob must be a
message/* part. MIME parsing is lenient beyond that, so a damaged message still parses (as Email/get
would show it); an image or a text part is `notParsable`. Each blob costs one S3 read and one parse.
"""

from __future__ import annotations

import re
from typing import Any

from mailx.blobs import Blob, BlobKind, BlobMissing, find
from mailx.limits import LIMITS
from mailx.methods.email.get import _Options as EmailOptions  # the Email/get argument checks, shared
from mailx.mime import body_value_part_ids, email_properties, parse_message
from mailx.mime.bodyvalues import message_body_values
from mailx.mime.summary import summarise
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError
from mailx.protocol.validate import invalid, is_id_or_creation_ref, opt_str_list

# RFC 8621 §4.9: the properties returned when the client names none.
DEFAULT_PROPERTIES = (
    "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject",
    "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments",
)  # fmt: skip
# Metadata that belongs to a stored Email: always null for a parsed blob (threadId too: we do not guess).
NULL_METADATA = frozenset({"id", "mailboxIds", "keywords", "receivedAt", "threadId"})
# One call may read this many octets of messages in all; beyond it the client should ask in parts.
MAX_PARSE_OCTETS = 40_000_000
# A header field name (printable ASCII but ':'), optional blanks, then the colon (RFC 5322 §2.2, §4.5.3).
_FIRST_FIELD = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")


def is_message(blob: Blob, raw: bytes) -> bool:
    """Whether BLOB (with octets RAW) can be parsed as an Email: see the module docstring."""
    if blob.ref.kind is BlobKind.PART and not blob.type.lower().startswith("message/"):
        return False
    return _FIRST_FIELD.match(raw) is not None


def _blob_ids(call: CallContext, args: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(as given, resolved) pairs; an unknown `#creationId` resolves to None (not found)."""
    value = args.get("blobIds")
    if not isinstance(value, list) or not all(is_id_or_creation_ref(v) for v in value):
        raise invalid("'blobIds' is required and must be an array of Ids")
    if len(value) > LIMITS.max_objects_in_get:
        raise MethodError(REQUEST_TOO_LARGE, f"at most {LIMITS.max_objects_in_get} blobIds per call")
    return [(given, call.resolve_id(given)) for given in dict.fromkeys(value)]


def render(blob_id: str, raw: bytes, options: EmailOptions) -> dict[str, Any]:
    """The Email for RAW: parsed properties as Email/get renders them, store metadata null."""
    message = parse_message(raw)
    summary = summarise(message, blob_id=blob_id)
    parsed = email_properties(summary, options.properties, body_properties=options.body_properties)
    out: dict[str, Any] = {}
    for name in options.properties:
        if name in NULL_METADATA:
            out[name] = None
        elif name == "blobId":
            out[name] = blob_id
        elif name == "size":
            out[name] = len(raw)
        elif name == "bodyValues":
            part_ids = body_value_part_ids(
                summary,
                fetch_text=options.fetch_text,
                fetch_html=options.fetch_html,
                fetch_all=options.fetch_all,
            )
            out[name] = message_body_values(message, part_ids, max_bytes=options.max_bytes)
        else:
            out[name] = parsed.get(name)
    return out


def email_parse(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Email/parse: `parsed` by blobId as given, then `notParsable` and `notFound`."""
    account_id = call.checked_account(args)
    wanted = _blob_ids(call, args)
    properties = opt_str_list(args, "properties")
    options = EmailOptions(args, list(DEFAULT_PROPERTIES) if properties is None else properties)
    parsed: dict[str, dict[str, Any]] = {}
    not_parsable: list[str] = []
    not_found: list[str] = []
    budget = MAX_PARSE_OCTETS
    for given, blob_id in wanted:
        blob = None if blob_id is None else find(account_id, blob_id)
        if blob is None:
            not_found.append(given)
            continue
        budget -= blob.size
        if budget < 0:
            raise MethodError(
                REQUEST_TOO_LARGE, f"more than {MAX_PARSE_OCTETS} octets to parse; ask for fewer"
            )
        try:
            raw = blob.read()
        except BlobMissing:
            not_found.append(given)
            continue
        if is_message(blob, raw):
            parsed[given] = render(blob.blob_id, raw, options)
        else:
            not_parsable.append(given)
    return {
        "accountId": account_id,
        "parsed": parsed or None,
        "notParsable": not_parsable or None,
        "notFound": not_found or None,
    }
