"""Email and EmailBodyPart properties rendered from a stored summary (RFC 8621 §4.1, §4.2)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from mailx.mime.headers import CONVENIENCE, header_list, header_value, parse_header_property
from mailx.mime.parse import Headers, read_header_block

DEFAULT_BODY_PROPERTIES = (
    "partId",
    "blobId",
    "size",
    "name",
    "type",
    "charset",
    "disposition",
    "cid",
    "language",
    "location",
)
BODY_PROPERTIES = frozenset(DEFAULT_BODY_PROPERTIES) | {"headers", "subParts"}
_PART_PATH = re.compile(r"[0-9]+(?:_[0-9]+)*")
_PLAIN = ("size", "preview", "hasAttachment")
_LISTS = frozenset({"textBody", "htmlBody", "attachments"})


# The Email properties rendered here (plus any valid header:* name); bodyValues comes from
# body_values(), and id, blobId, threadId, mailboxIds, keywords, receivedAt from the store.
EMAIL_PROPERTIES = frozenset(CONVENIENCE) | set(_PLAIN) | _LISTS | {"headers", "bodyStructure"}


def is_body_property(prop: str) -> bool:
    """Whether an Email/get bodyProperties entry is valid, so the caller can answer
    invalidArguments for the others (header:* names included, RFC 8621 §4.1.4)."""
    return prop in BODY_PROPERTIES or parse_header_property(prop) is not None


def part_blob_id(email_blob_id: str, part_id: str) -> str:
    """A part's blobId: the message's blob id and the partId joined by "_", which whole-message
    blob ids never contain, so the pair can be split back unambiguously."""
    return f"{email_blob_id}_{part_id}"


def split_part_blob_id(blob_id: str) -> tuple[str, str] | None:
    """(message blob id, partId) for a part blobId, or None for any other blob id.

    The partId may be a path such as "3_1": part 1 of the message attached as part 3, which is
    what the part blobIds of an Email/parse of an attached message look like."""
    email_blob_id, sep, part_id = blob_id.partition("_")
    if not sep or not email_blob_id or not _PART_PATH.fullmatch(part_id):
        return None
    return email_blob_id, part_id


class _Rendering:
    """Caches re-read header blocks while one Email is rendered."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        self._headers: dict[int, Headers] = {}

    def headers_of(self, part: dict[str, Any] | None) -> Headers:
        block = self.summary.get("headerBlock", "") if part is None else part.get("h", "")
        key = id(part)
        if key not in self._headers:
            self._headers[key] = read_header_block(block) if block else ()
        return self._headers[key]

    def message_headers(self) -> Headers:
        return self.headers_of(None)

    def part(self, part: dict[str, Any], props: Sequence[str], *, tree: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        root = part is self.summary.get("bodyStructure")
        for prop in props:
            if prop == "blobId":
                part_id = part.get("partId")
                out[prop] = part_blob_id(self.summary["blobId"], part_id) if part_id else None
            elif prop == "headers":
                out[prop] = header_list(self.headers_of(None if root else part))
            elif prop == "size":
                out[prop] = part.get("size", 0)
            elif prop == "subParts":
                continue
            elif prop.startswith("header:"):
                header = parse_header_property(prop)
                if header is not None:
                    out[prop] = header_value(self.headers_of(None if root else part), header)
            elif prop in BODY_PROPERTIES:
                out[prop] = part.get(prop)
        if tree and part.get("subParts") is not None:
            out["subParts"] = [self.part(sub, props, tree=True) for sub in part["subParts"]]
        elif "subParts" in props:
            out["subParts"] = None
        return out


def _walk(part: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield part
    for sub in part.get("subParts") or ():
        yield from _walk(sub)


def leaf_index(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Stored parts by partId."""
    return {p["partId"]: p for p in _walk(summary.get("bodyStructure") or {}) if "partId" in p}


def email_properties(
    summary: dict[str, Any], properties: Sequence[str], *, body_properties: Sequence[str] | None = None
) -> dict[str, Any]:
    """Renders the parsed-message properties asked for, from the summary alone. Properties that
    belong to the store (id, blobId, threadId, mailboxIds, keywords, receivedAt), bodyValues
    (which needs the raw message) and names this layer does not know are left out for the
    caller to merge; header:* names should be validated with parse_header_property first."""
    rendering = _Rendering(summary)
    body_props = DEFAULT_BODY_PROPERTIES if body_properties is None else tuple(body_properties)
    index: dict[str, dict[str, Any]] | None = None
    out: dict[str, Any] = {}
    for prop in properties:
        if prop in CONVENIENCE or prop in _PLAIN:
            out[prop] = summary.get(prop)
        elif prop == "headers":
            out[prop] = header_list(rendering.message_headers())
        elif prop.startswith("header:"):
            header = parse_header_property(prop)
            if header is not None:
                out[prop] = header_value(rendering.message_headers(), header)
        elif prop == "bodyStructure":
            out[prop] = rendering.part(summary["bodyStructure"], body_props, tree=True)
        elif prop in _LISTS:
            index = leaf_index(summary) if index is None else index
            parts = (index[i] for i in summary.get(prop, ()) if i in index)
            out[prop] = [rendering.part(p, body_props, tree=False) for p in parts]
    return out


def body_value_part_ids(
    summary: dict[str, Any], *, fetch_text: bool, fetch_html: bool, fetch_all: bool
) -> list[str]:
    """The text/* partIds whose values Email/get must return for its fetch*BodyValues
    arguments (RFC 8621 §4.2), in a stable order without repeats."""
    index = leaf_index(summary)
    wanted: list[str] = []
    if fetch_all:
        wanted.extend(index)
    if fetch_text:
        wanted.extend(summary.get("textBody", ()))
    if fetch_html:
        wanted.extend(summary.get("htmlBody", ()))
    ordered = dict.fromkeys(wanted)
    return [i for i in ordered if i in index and str(index[i].get("type", "")).startswith("text/")]
