"""EmailBodyValue objects for text parts, with truncation (RFC 8621 §4.1.4, §4.2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailx.mime.charsets import decode_text
from mailx.mime.message import ParsedMessage
from mailx.mime.parse import BodyPart


def truncate_utf8(value: str, max_bytes: int, *, html: bool = False) -> tuple[str, bool]:
    """Cuts so the UTF-8 encoding fits in max_bytes without splitting a code point (a MUST of
    RFC 8621 §4.2); for HTML it also backs out of a tag left open at the cut (a SHOULD)."""
    if max_bytes <= 0:
        return value, False
    encoded = value.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return value, False
    cut = encoded[:max_bytes].decode("utf-8", "ignore")
    if html:
        opened = cut.rfind("<")
        if opened > cut.rfind(">"):
            cut = cut[:opened]
    return cut, True


def body_value(part: BodyPart, max_bytes: int = 0) -> dict[str, Any]:
    """Decodes one text part: transfer encoding, then charset, then CRLF to LF."""
    text, charset_problem = decode_text(part.content, part.charset)
    text = text.replace("\r\n", "\n")
    value, truncated = truncate_utf8(text, max_bytes, html=part.type == "text/html")
    return {
        "value": value,
        "isEncodingProblem": charset_problem or part.encoding_problem,
        "isTruncated": truncated,
    }


def message_body_values(
    message: ParsedMessage, part_ids: Sequence[str], *, max_bytes: int = 0
) -> dict[str, dict[str, Any]]:
    """bodyValues for the given partIds; ids that are unknown or not text/* are skipped, since
    bodyValues only ever holds text parts."""
    out: dict[str, dict[str, Any]] = {}
    for part_id in part_ids:
        part = message.part(part_id)
        if part is None or not part.type.startswith("text/") or part_id in out:
            continue
        out[part_id] = body_value(part, max_bytes)
    return out
