"""The compact listing data stored at ingest, so Email/get answers without the raw message (RFC 8621 §4.1).

Stored shape (JSON, nulls and empty values omitted inside parts):

    {"v": 1, "blobId": str, "size": int, "headerBlock": str,
     "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo",
     "subject", "sentAt": the §4.1.3 convenience values, already parsed,
     "preview": str, "hasAttachment": bool,
     "bodyStructure": part, "textBody": [partId], "htmlBody": [partId], "attachments": [partId],
     "unverifiableHeaders"?: true}

    part = {"partId"?, "size"?, "type", "charset"?, "disposition"?, "cid"?, "language"?,
            "location"?, "name"?, "h"?: raw header block of the part, "subParts"?: [part]}

The three lists hold partIds only (leaf partIds are unique); the root part has no "h" because its
headers are the message's `headerBlock`. Per-part blobIds are derived, never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from mailx.mime.charsets import decode_text
from mailx.mime.headers import CONVENIENCE, header_value
from mailx.mime.message import ParsedMessage, parse_message
from mailx.mime.parse import BodyPart, Headers
from mailx.mime.preview import make_preview
from mailx.mime.subject import base_subject

SUMMARY_VERSION = 1
# Set (only) when the header section has lines receivers may read differently from us: such a
# message cannot be sent, as its From cannot be checked (mime.header_section).
UNVERIFIABLE_HEADERS = "unverifiableHeaders"
_CID_REF = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)


def _block(headers: Headers) -> str:
    return "".join(f"{name}:{value}\r\n" for name, value in headers)


def part_summary(part: BodyPart, *, root: bool = False) -> dict[str, Any]:
    """One part in stored form: JMAP names, nulls left out."""
    out: dict[str, Any] = {}
    if part.part_id is not None:
        out["partId"] = part.part_id
        out["size"] = part.size
    out["type"] = part.type
    for key, value in (
        ("charset", part.charset),
        ("disposition", part.disposition),
        ("cid", part.cid),
        ("language", list(part.language) if part.language else None),
        ("location", part.location),
        ("name", part.name),
    ):
        if value is not None:
            out[key] = value
    if not root and part.headers:
        out["h"] = _block(part.headers)
    if part.sub_parts is not None:
        out["subParts"] = [part_summary(sub) for sub in part.sub_parts]
    return out


def _referenced_cids(message: ParsedMessage) -> set[str]:
    found: set[str] = set()
    for part in message.html_body:
        if part.type == "text/html" and b"cid:" in part.content.lower():
            text, _ = decode_text(part.content, part.charset)
            found.update(unquote(ref) for ref in _CID_REF.findall(text))
    return found


_ATTACHED_MESSAGES = frozenset({"message/rfc822", "message/global"})


def has_attachment(message: ParsedMessage) -> bool:
    """True when a client should offer something for download (RFC 8621 §4.1.4 leaves it to the server):
    an attached message (message/rfc822 or message/global, even `inline`: it is a mail of its own), or
    any other part of `attachments` except an image the HTML body shows by `cid:` (so a newsletter with
    embedded pictures is not flagged, while a picture only attached, or shown inline without a
    reference, is)."""
    embedded = _referenced_cids(message)
    for part in message.attachments:
        if part.type in _ATTACHED_MESSAGES:
            return True
        if part.type.startswith("image/") and part.cid is not None and part.cid in embedded:
            continue
        return True
    return False


def summarise(message: ParsedMessage, *, blob_id: str) -> dict[str, Any]:
    """The stored summary for an already parsed message."""
    summary: dict[str, Any] = {"v": SUMMARY_VERSION, "blobId": blob_id, "size": message.size}
    summary["headerBlock"] = message.header_block()
    for prop, header in CONVENIENCE.items():
        summary[prop] = header_value(message.headers, header)
    summary["preview"] = make_preview(message.text_body)
    summary["hasAttachment"] = has_attachment(message)
    summary["bodyStructure"] = part_summary(message.body_structure, root=True)
    summary["textBody"] = [p.part_id for p in message.text_body]
    summary["htmlBody"] = [p.part_id for p in message.html_body]
    summary["attachments"] = [p.part_id for p in message.attachments]
    if message.unverifiable_headers:
        summary[UNVERIFIABLE_HEADERS] = True
    return summary


def email_summary(raw: bytes, *, blob_id: str) -> dict[str, Any]:
    """Everything Email/get's listing properties need, computed once at ingest and stored, so
    reading a mailbox never fetches the message from S3. Never raises."""
    return summarise(parse_message(raw), blob_id=blob_id)


@dataclass(frozen=True, slots=True)
class ThreadKeys:
    """The ids threading matches on, without <> and de-duplicated, plus the RFC 5256 base subject."""

    message_ids: tuple[str, ...]
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    base_subject: str


def _ids(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value if isinstance(v, str) and v.strip()))


def thread_keys(summary: dict[str, Any]) -> ThreadKeys:
    """What the threading code needs from a summary, in one place."""
    return ThreadKeys(
        message_ids=_ids(summary.get("messageId")),
        in_reply_to=_ids(summary.get("inReplyTo")),
        references=_ids(summary.get("references")),
        base_subject=base_subject(summary.get("subject") or ""),
    )
