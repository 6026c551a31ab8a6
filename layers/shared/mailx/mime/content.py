"""Decoded part octets for download and bodyValues for Email/get and Email/parse (RFC 8621 §4.1.4, §4.2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mailx.mime.bodyvalues import message_body_values
from mailx.mime.message import parse_message


@dataclass(frozen=True, slots=True)
class ExtractedPart:
    """A leaf part's octets after transfer decoding, with what a download response needs."""

    data: bytes
    type: str
    name: str | None


def extract_part(raw: bytes, part_id: str) -> ExtractedPart | None:
    """The blob behind a part blobId; for message/rfc822 parts these are the attached message's
    own octets, ready for Email/parse. A path "3_1" reads part 1 of the message attached as
    part 3. None when there is no such leaf."""
    part = None
    for step in part_id.split("_"):
        if part is not None:
            if not part.type.startswith("message/"):
                return None
            raw = part.content
        part = parse_message(raw).part(step)
        if part is None:
            return None
    if part is None:
        return None
    return ExtractedPart(part.content, part.type, part.name)


def body_values(raw: bytes, part_ids: Sequence[str], *, max_bytes: int = 0) -> dict[str, dict[str, Any]]:
    """{partId: EmailBodyValue} for the text parts among part_ids; max_bytes 0 means no limit."""
    return message_body_values(parse_message(raw), part_ids, max_bytes=max_bytes)
