"""RFC 8621 §4.2: Email/get — listing properties from DynamoDB only, bodyValues from one S3 GET each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailx.limits import LIMITS
from mailx.mime import body_value_part_ids, body_values, email_properties, parse_header_property
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError
from mailx.protocol.standard_get import get_response, parse_get
from mailx.protocol.validate import invalid, opt_bool, opt_str_list, opt_unsigned_int
from mailx.store import blobs, emails
from mailx.store.emails import EmailRecord

# RFC 8621 §4.1: everything but header:* forms, which are validated one by one.
METADATA = ("id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt")
PARSED = (
    "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject",
    "sentAt", "headers", "bodyStructure", "bodyValues", "textBody", "htmlBody", "attachments",
    "hasAttachment", "preview",
)  # fmt: skip
# RFC 8621 §4.2: the properties returned when the client names none.
DEFAULT_PROPERTIES = (
    "id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt", "messageId", "inReplyTo",
    "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject", "sentAt", "hasAttachment",
    "preview", "bodyValues", "textBody", "htmlBody", "attachments",
)  # fmt: skip
BODY_PROPERTIES = (
    "partId", "blobId", "size", "headers", "name", "type", "charset", "disposition", "cid", "language",
    "location", "subParts",
)  # fmt: skip
_KNOWN = frozenset(METADATA) | frozenset(PARSED)


def _check(names: Sequence[str], known: frozenset[str], argument: str) -> None:
    unknown = [n for n in names if n not in known and parse_header_property(n) is None]
    if unknown:
        raise invalid(f"unknown {argument}: {', '.join(sorted(set(unknown)))}")


def _metadata(record: EmailRecord, name: str) -> Any:
    values: dict[str, Any] = {
        "id": record.email_id,
        "blobId": record.blob_id,
        "threadId": record.thread_id,
        "mailboxIds": dict.fromkeys(record.mailbox_ids, True),
        "keywords": dict.fromkeys(record.keywords, True),
        "size": record.size,
        "receivedAt": record.received_at,
    }
    return values[name]


class _Options:
    """The Email-specific arguments of one call, validated."""

    def __init__(self, args: dict[str, Any], properties: list[str] | None) -> None:
        self.properties = list(DEFAULT_PROPERTIES) if properties is None else properties
        _check(self.properties, _KNOWN, "properties")
        body = opt_str_list(args, "bodyProperties")
        if body is not None:
            _check(body, frozenset(BODY_PROPERTIES), "bodyProperties")
        self.body_properties = body
        self.fetch_text = opt_bool(args, "fetchTextBodyValues", False)
        self.fetch_html = opt_bool(args, "fetchHTMLBodyValues", False)
        self.fetch_all = opt_bool(args, "fetchAllBodyValues", False)
        self.max_bytes = opt_unsigned_int(args, "maxBodyValueBytes") or 0


def _body_values(account_id: str, record: EmailRecord, options: _Options) -> dict[str, Any]:
    part_ids = body_value_part_ids(
        record.summary,
        fetch_text=options.fetch_text,
        fetch_html=options.fetch_html,
        fetch_all=options.fetch_all,
    )
    if not part_ids:
        return {}  # no S3 read when nothing is asked for, or the message has no text parts
    stored = blobs.get(blobs.email_key(account_id, record.blob_id))
    if stored is None:
        return {}
    return body_values(stored.data, part_ids, max_bytes=options.max_bytes)


def _render(account_id: str, record: EmailRecord, options: _Options) -> dict[str, Any]:
    parsed = email_properties(record.summary, options.properties, body_properties=options.body_properties)
    out: dict[str, Any] = {"id": record.email_id}
    for name in options.properties:
        if name in METADATA:
            out[name] = _metadata(record, name)
        elif name == "bodyValues":
            out[name] = _body_values(account_id, record, options)
        else:
            out[name] = parsed.get(name)
    return out


def email_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Email/get: one BatchGetItem per 100 ids; S3 only for the bodyValues asked for."""
    request = parse_get(args, call, LIMITS.max_objects_in_get)
    options = _Options(args, request.properties)
    account_id = request.account_id
    state = call.services.state(account_id, "Email")
    ids = request.ids
    if ids is None:
        ids = emails.list_ids(account_id, LIMITS.max_objects_in_get)
        if len(ids) > LIMITS.max_objects_in_get:
            raise MethodError(REQUEST_TOO_LARGE, "the account has more Emails than maxObjectsInGet; pass ids")
    found = emails.get_many(account_id, ids)
    listed = [_render(account_id, found[i], options) for i in ids if i in found]
    return get_response(account_id, state, listed, [i for i in ids if i not in found])
