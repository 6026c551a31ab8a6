"""The MIME part tree of a message, lenient, with RFC 8621 §4.1.4 part properties (RFC 2045, RFC 2046)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser, Parser
from email.policy import Compat32
from typing import Any

from mailx.mime.bounds import MAX_MIME_DEPTH, MAX_MIME_PARTS
from mailx.mime.encoded import (
    BoundedParams,
    decode_anywhere,
    header_params,
    nfc,
    param,
    strip_comments,
    unfold,
)
from mailx.mime.transfer import decode_transfer

Headers = tuple[tuple[str, str], ...]

_TYPE = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+/[!#$%&'*+\-.^_`|~0-9a-z]+")
_OPAQUE = "application/x-mailx-opaque"


def raw_value(value: str) -> str:
    """RFC 8621 §4.1.2.1 Raw form: invalid UTF-8 becomes U+FFFD and NUL octets are dropped.

    Values from bytes carry undecodable octets as surrogate escapes; values re-read from a stored
    header block are already clean, and the same round trip leaves them unchanged."""
    if not value.isascii():
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value.replace("\x00", "")


class _RawPolicy(Compat32):
    """Keeps each header value exactly as sent (leading space and folding included), because the
    RFC 8621 Raw form and the stored header block need the original text."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, _, rest = sourcelines[0].partition(":")
        value = (rest + "".join(sourcelines[1:])).rstrip("\r\n")
        return name, raw_value(value)

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_POLICY = _RawPolicy()


def mime_type(entity: Message) -> str:
    """The lowercased type/subtype with CFWS and parameters removed; RFC 2045 §5.2 defaults."""
    value = entity.get("content-type")
    if value is None:
        return entity.get_default_type()
    head = strip_comments(unfold(str(value)).split(";", 1)[0])
    cleaned = "".join(head.split()).lower()
    return cleaned if _TYPE.fullmatch(cleaned) else "text/plain"


class _Entity(BoundedParams):
    """Makes the parser treat message/* as an opaque leaf: JMAP does not descend into attached
    messages (RFC 8621 §4.1.4) and needs their exact octets for download and Email/parse."""

    def get_content_type(self) -> str:
        ctype = mime_type(self)
        return _OPAQUE if ctype.startswith("message/") else ctype


@dataclass(frozen=True, slots=True)
class BodyPart:
    """One EmailBodyPart; `content` holds the decoded octets of a leaf."""

    part_id: str | None
    headers: Headers
    type: str
    charset: str | None
    disposition: str | None
    cid: str | None
    language: tuple[str, ...] | None
    location: str | None
    name: str | None
    size: int
    sub_parts: tuple[BodyPart, ...] | None
    content: bytes = b""
    encoding_problem: bool = False

    def leaves(self) -> Iterator[BodyPart]:
        """Depth-first leaf parts, the order partIds are numbered in."""
        if self.sub_parts is None:
            yield self
            return
        for sub in self.sub_parts:
            yield from sub.leaves()

    def walk(self) -> Iterator[BodyPart]:
        """Every part, containers included, depth-first."""
        yield self
        for sub in self.sub_parts or ():
            yield from sub.walk()


class TooManyParts(Exception):
    """The message has more than MAX_MIME_PARTS parts (raised while parsing, so no more are built)."""


def read_entity(raw: bytes, *, max_parts: int = MAX_MIME_PARTS) -> Message:
    """Parses bytes into the email package's tree using the raw-preserving policy.

    Raises TooManyParts as soon as the parser makes part MAX_PARTS + 1: 40 MiB of empty parts would
    otherwise be 6 million Message objects, gigabytes."""
    made = [-1]  # FeedParser calls the factory once on its own, to probe for a policy argument

    def factory(*args: Any, **kwargs: Any) -> _Entity:
        made[0] += 1
        if made[0] > max_parts:
            raise TooManyParts(f"more than {max_parts} parts")
        return _Entity(*args, **kwargs)

    return BytesParser(factory, policy=_POLICY).parsebytes(raw)


def read_headers_only(raw: bytes) -> Message:
    """The header section alone; the body stays one string payload, never split into parts."""
    return BytesParser(_Entity, policy=_POLICY).parsebytes(raw, headersonly=True)


def read_header_block(block: str) -> Headers:
    """Re-reads a header block stored as text, with the same rules used at ingest."""
    parsed = Parser(_Entity, policy=_POLICY).parsestr(block, headersonly=True)
    return tuple(parsed.raw_items())


def _simple(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = "".join(strip_comments(unfold(value)).split(";", 1)[0].split())
    return cleaned or None


def _cid(value: str | None) -> str | None:
    cleaned = _simple(value)
    if cleaned and cleaned.startswith("<") and cleaned.endswith(">"):
        cleaned = cleaned[1:-1]
    return cleaned or None


def _language(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    tags = tuple(t for t in ("".join(p.split()) for p in strip_comments(unfold(value)).split(",")) if t)
    return tags or None


def _location(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = "".join(unfold(value).split())
    return cleaned or None


def _name(entity: Message) -> str | None:
    found = None
    if entity.get("content-disposition") is not None:
        found = param(
            header_params("content-disposition", entity["content-disposition"]),
            "content-disposition",
            "filename",
        )
    if not found and entity.get("content-type") is not None:
        found = param(header_params("content-type", entity["content-type"]), "content-type", "name")
    if not found:
        return None
    return nfc(decode_anywhere(found)).strip() or None


def _charset(entity: Message, ctype: str) -> str | None:
    """The declared charset, else US-ASCII for text (RFC 2046 §4.1.2); other types have none,
    including the implicit message/rfc822 of a digest."""
    declared = None
    if entity.get("content-type") is not None:
        declared = param(header_params("content-type", entity["content-type"]), "content-type", "charset")
    if declared:
        return declared
    return "us-ascii" if ctype.startswith("text/") else None


@dataclass(frozen=True, slots=True)
class _Leaf:
    part_id: str
    content: bytes
    problem: bool


def _part(
    entity: Message,
    headers: Headers,
    ctype: str,
    leaf: _Leaf | None,
    sub_parts: tuple[BodyPart, ...] | None = None,
) -> BodyPart:
    return BodyPart(
        part_id=leaf.part_id if leaf else None,
        headers=headers,
        type=ctype,
        charset=_charset(entity, ctype),
        disposition=(_simple(entity.get("content-disposition")) or "").lower() or None,
        cid=_cid(entity.get("content-id")),
        language=_language(entity.get("content-language")),
        location=_location(entity.get("content-location")),
        name=_name(entity),
        size=len(leaf.content) if leaf else 0,
        sub_parts=sub_parts,
        content=leaf.content if leaf else b"",
        encoding_problem=leaf.problem if leaf else False,
    )


def _payload_bytes(entity: Message) -> bytes:
    # The stored payload, not get_payload(): that re-decodes 8-bit text with the declared charset.
    payload = getattr(entity, "_payload", None)
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def build_tree(
    entity: Message, counter: list[int], headers: Headers | None = None, *, depth: int = 0
) -> BodyPart:
    """Turns the email package's tree into BodyParts, numbering leaves "1", "2", … depth-first.

    A multipart without a usable boundary cannot be split; it is read as RFC 2045 §5.2's default
    text/plain rather than as a container with no children, so its text is not lost. A container
    MAX_MIME_DEPTH deep lists no sub-parts (they stay in the downloadable message)."""
    own = tuple(entity.raw_items()) if headers is None else headers
    ctype = mime_type(entity)
    payload = getattr(entity, "_payload", None)
    if ctype.startswith("multipart/") and isinstance(payload, list):
        children = payload if depth < MAX_MIME_DEPTH else []
        subs = tuple(
            build_tree(child, counter, depth=depth + 1) for child in children if isinstance(child, Message)
        )
        return _part(entity, own, ctype, None, subs)
    if ctype.startswith("multipart/"):
        ctype = "text/plain"
    counter[0] += 1
    encoding = _simple(entity.get("content-transfer-encoding")) or ""
    content, problem = decode_transfer(_payload_bytes(entity), encoding.lower())
    return _part(entity, own, ctype, _Leaf(str(counter[0]), content, problem))
