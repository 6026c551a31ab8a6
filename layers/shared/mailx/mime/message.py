"""A parsed message: headers, bodyStructure and the §4.1.4 part lists (RFC 8621 §4.1)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailx.mime.header_section import split
from mailx.mime.parse import (
    BodyPart,
    Headers,
    TooManyParts,
    build_tree,
    read_entity,
    read_headers_only,
)
from mailx.mime.structure import BodyLists, split_body


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """Everything derived from the raw octets, built once; cheap to keep in a per-request cache."""

    size: int
    headers: Headers
    body_structure: BodyPart
    lists: BodyLists
    _index: dict[str, BodyPart] = field(default_factory=dict, repr=False, compare=False)
    # The header section has lines a receiver may read differently (mime.header_section).
    unverifiable_headers: bool = False

    @property
    def text_body(self) -> tuple[BodyPart, ...]:
        return self.lists.text_body

    @property
    def html_body(self) -> tuple[BodyPart, ...]:
        return self.lists.html_body

    @property
    def attachments(self) -> tuple[BodyPart, ...]:
        return self.lists.attachments

    def part(self, part_id: str) -> BodyPart | None:
        """The leaf with this partId, or None."""
        return self._index.get(part_id)

    def header_block(self) -> str:
        """The header section as text, in the form stored with the summary and re-read later."""
        return "".join(f"{name}:{value}\r\n" for name, value in self.headers)


def _fallback(raw: bytes) -> ParsedMessage:
    # Only reached if the email package itself fails: the octets become one text part.
    leaf = BodyPart(
        part_id="1",
        headers=(),
        type="text/plain",
        charset="us-ascii",
        disposition=None,
        cid=None,
        language=None,
        location=None,
        name=None,
        size=len(raw),
        sub_parts=None,
        content=raw,
    )
    return ParsedMessage(len(raw), (), leaf, split_body(leaf), {"1": leaf})


def parse_message(raw: bytes) -> ParsedMessage:
    """Parses any octets into a message; malformed input degrades, it never raises."""
    try:
        prepared, unverifiable, body = split(raw)
        try:
            entity = read_entity(prepared)
        except TooManyParts:
            # Listed as its headers plus one leaf holding the whole body (mime.bounds). The body is
            # not fed to the parser: headers-only mode still splits it into a list of every line.
            entity = read_headers_only(prepared[:body])
            entity.set_payload(prepared[body:].decode("ascii", "surrogateescape"))
            entity.set_type("application/octet-stream")
        del prepared
        headers = tuple(entity.raw_items())
        root = build_tree(entity, [0], headers)
        index = {leaf.part_id: leaf for leaf in root.leaves() if leaf.part_id is not None}
        return ParsedMessage(len(raw), headers, root, split_body(root), index, unverifiable)
    except Exception:
        return _fallback(raw)
