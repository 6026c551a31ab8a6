"""textBody, htmlBody and attachments from bodyStructure: the algorithm of RFC 8621 §4.1.4."""

from __future__ import annotations

from dataclasses import dataclass

from mailx.mime.parse import BodyPart


@dataclass(frozen=True, slots=True)
class BodyLists:
    """The three flat part lists of RFC 8621 §4.1.4."""

    text_body: tuple[BodyPart, ...]
    html_body: tuple[BodyPart, ...]
    attachments: tuple[BodyPart, ...]


def is_inline_media_type(ctype: str) -> bool:
    """Images, audio and video may be shown inside a body (isInlineMediaType in the RFC)."""
    return ctype.startswith(("image/", "audio/", "video/"))


def _is_inline(part: BodyPart, index: int, multipart_type: str) -> bool:
    return (
        part.disposition != "attachment"
        and (part.type in ("text/plain", "text/html") or is_inline_media_type(part.type))
        and (
            index == 0 or (multipart_type != "related" and (is_inline_media_type(part.type) or not part.name))
        )
    )


def _push(target: list[BodyPart] | None, part: BodyPart) -> None:
    # The RFC's JavaScript would throw when an inner alternative pushes to a list an outer level
    # has already nulled; dropping the part there is the lenient reading.
    if target is not None:
        target.append(part)


def _place_inline(
    part: BodyPart,
    multipart_type: str,
    in_alternative: bool,
    html_body: list[BodyPart] | None,
    text_body: list[BodyPart] | None,
    attachments: list[BodyPart],
) -> tuple[list[BodyPart] | None, list[BodyPart] | None]:
    """The `else if ( isInline )` branch; returns htmlBody and textBody as the loop continues
    with them, since the RFC may null either for the rest of this multipart."""
    if multipart_type == "alternative":
        if part.type == "text/plain":
            _push(text_body, part)
        elif part.type == "text/html":
            _push(html_body, part)
        else:
            attachments.append(part)
        return html_body, text_body
    if in_alternative:
        if part.type == "text/plain":
            html_body = None
        if part.type == "text/html":
            text_body = None
    _push(text_body, part)
    _push(html_body, part)
    if (text_body is None or html_body is None) and is_inline_media_type(part.type):
        attachments.append(part)
    return html_body, text_body


def _parse_structure(
    parts: tuple[BodyPart, ...],
    multipart_type: str,
    in_alternative: bool,
    html_body: list[BodyPart] | None,
    text_body: list[BodyPart] | None,
    attachments: list[BodyPart],
) -> None:
    """parseStructure() from RFC 8621 §4.1.4, line for line. JavaScript's truthiness of an empty
    array becomes `is not None` here: only null lists are "false"."""
    # For multipartType == alternative
    text_length = len(text_body) if text_body is not None else -1
    html_length = len(html_body) if html_body is not None else -1

    for i, part in enumerate(parts):
        if part.sub_parts is not None:
            sub_multi_type = part.type.split("/", 1)[1] if "/" in part.type else ""
            _parse_structure(
                part.sub_parts,
                sub_multi_type,
                in_alternative or sub_multi_type == "alternative",
                html_body,
                text_body,
                attachments,
            )
        elif _is_inline(part, i, multipart_type):
            html_body, text_body = _place_inline(
                part, multipart_type, in_alternative, html_body, text_body, attachments
            )
        else:
            attachments.append(part)

    if multipart_type == "alternative" and text_body is not None and html_body is not None:
        # Found HTML part only
        if text_length == len(text_body) and html_length != len(html_body):
            text_body.extend(html_body[html_length:])
        # Found plaintext part only
        if html_length == len(html_body) and text_length != len(text_body):
            html_body.extend(text_body[text_length:])


def split_body(body_structure: BodyPart) -> BodyLists:
    """Runs the RFC's usage line: parseStructure([bodyStructure], 'mixed', false, …)."""
    html_body: list[BodyPart] = []
    text_body: list[BodyPart] = []
    attachments: list[BodyPart] = []
    _parse_structure((body_structure,), "mixed", False, html_body, text_body, attachments)
    return BodyLists(tuple(text_body), tuple(html_body), tuple(attachments))
