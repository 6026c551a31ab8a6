"""EmailBodyPart objects of an Email/set create, checked and arranged into a MIME tree (RFC 8621 §4.6)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mailx.mime.compose_fields import (
    ComposeError,
    checked_str,
    controls_to_spaces,
    has_controls,
    render_field,
)
from mailx.mime.headers import HeaderProperty, parse_header_property

Forbid = Callable[[str], str | None]

_TYPE = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+/[!#$%&'*+\-.^_`|~0-9a-z]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_LANGUAGE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
PART_KEYS = frozenset(
    {"partId", "blobId", "size", "headers", "name", "type", "charset", "disposition", "cid"}
    | {"language", "location", "subParts"}
)
# The EmailBodyPart properties that write a header field, so header:* may not set it again.
_WRITES = {
    "disposition": "content-disposition",
    "name": "content-disposition",
    "cid": "content-id",
    "language": "content-language",
    "location": "content-location",
}
_GENERATED = {
    "content-type": "is written from type, charset and name",
    "content-transfer-encoding": "must not be given: the server chooses the transfer encoding",
    "mime-version": "is written by the server",
}


@dataclass(slots=True)
class PartSpec:
    """A body part to write; `type` is None only for a blob part typed by its blob."""

    path: str
    type: str | None = None
    fields: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # lowercased field name -> property path
    charset: str | None = None
    disposition: str | None = None
    cid: str | None = None
    language: tuple[str, ...] | None = None
    location: str | None = None
    name: str | None = None
    text: str | None = None
    blob_id: str | None = None
    sub_parts: list[PartSpec] | None = None

    def leaves(self) -> Iterator[PartSpec]:
        """Leaf parts, depth-first: the order they are written and numbered in."""
        if self.sub_parts is None:
            yield self
            return
        for sub in self.sub_parts:
            yield from sub.leaves()


def part_forbid(lowered: str) -> str | None:
    """Why a header field may not be set on a body part, or None."""
    return _GENERATED.get(lowered)


def add_field(prop: HeaderProperty, value: Any, path: str, spec: PartSpec, forbid: Forbid) -> None:
    """One header property: refused when forbidden here or when another property set the field."""
    lowered = prop.name.lower()
    reason = forbid(lowered)
    if reason is not None:
        raise ComposeError(path, f"{prop.name} {reason}")
    if lowered in spec.names:
        raise ComposeError(path, f"{prop.name} is already set by {spec.names[lowered]}")
    spec.names[lowered] = path
    spec.fields.extend(render_field(prop, value, path))


def add_headers_list(value: Any, path: str, spec: PartSpec, forbid: Forbid) -> None:
    """The `headers` list, taken as Raw fields. RFC 8621 §4.6 says clients MUST NOT send it; it is
    accepted (a server MAY fix up a create) as long as no other property sets the same field."""
    if not isinstance(value, list):
        raise ComposeError(path, "must be an array of EmailHeader objects")
    mine: dict[str, str] = {}
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ComposeError(f"{path}/{i}", "must be an EmailHeader object")
        name = checked_str(item.get("name"), f"{path}/{i}/name")
        prop = parse_header_property(f"header:{name}")
        if prop is None or ":" in name:
            raise ComposeError(f"{path}/{i}/name", "must be a header field name")
        lowered = name.lower()
        reason = forbid(lowered)
        if reason is not None:
            raise ComposeError(f"{path}/{i}/name", f"{name} {reason}")
        if lowered in spec.names:
            raise ComposeError(f"{path}/{i}/name", f"{name} is already set by {spec.names[lowered]}")
        mine.setdefault(lowered, path)
        spec.fields.extend(render_field(prop, item.get("value"), f"{path}/{i}/value"))
    spec.names.update(mine)


def add_header_properties(obj: Mapping[str, Any], base: str, spec: PartSpec, forbid: Forbid) -> None:
    """Every header:* property and the `headers` list of an Email or EmailBodyPart."""
    for key, value in obj.items():
        if key.startswith("header:"):
            prop = parse_header_property(key)
            if prop is None:
                raise ComposeError(base + key, "is not a valid header property, or the form is not allowed")
            add_field(prop, value, base + key, spec, forbid)
        elif key == "headers" and value is not None:
            add_headers_list(value, base + key, spec, forbid)


def _opt(obj: Mapping[str, Any], key: str, path: str, pattern: re.Pattern[str] | None = None) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    text = checked_str(value, f"{path}/{key}", "a string or null")
    if pattern is not None and not pattern.fullmatch(text):
        raise ComposeError(f"{path}/{key}", "is not well formed")
    if pattern is None and (
        not text or any(ch.isspace() or ch in "<>();" for ch in text) or has_controls(text)
    ):
        raise ComposeError(f"{path}/{key}", "must not be empty or hold white space, controls or <>();")
    return text


def _language(value: Any, path: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(t, str) and _LANGUAGE.fullmatch(t) for t in value):
        raise ComposeError(path, "must be an array of language tags")
    return tuple(value) or None


def _file_name(value: Any, path: str) -> str | None:
    if value is None:
        return None
    # Readers trim file names, and header values cannot carry controls.
    return controls_to_spaces(checked_str(value, path, "a string or null")).strip() or None


def read_content(obj: Mapping[str, Any], spec: PartSpec) -> None:
    """type, charset, disposition, cid, language, location and name, checked."""
    path = spec.path
    for key, lowered in _WRITES.items():
        if obj.get(key) is not None and lowered in spec.names:
            raise ComposeError(
                f"{path}/{key}", f"the field it writes is already set by {spec.names[lowered]}"
            )
    kind = obj.get("type")
    if kind is not None:
        kind = checked_str(kind, f"{path}/type").lower()
        if not _TYPE.fullmatch(kind):
            raise ComposeError(f"{path}/type", "must be a media type such as text/plain")
    spec.type = kind
    spec.charset = _opt(obj, "charset", path, _TOKEN)
    disposition = _opt(obj, "disposition", path, _TOKEN)
    spec.disposition = disposition.lower() if disposition else None
    spec.cid = _opt(obj, "cid", path)
    spec.location = _opt(obj, "location", path)
    spec.language = _language(obj.get("language"), f"{path}/language")
    spec.name = _file_name(obj.get("name"), f"{path}/name")


def read_body_values(value: Any) -> dict[str, str]:
    """bodyValues: partId -> text; isEncodingProblem and isTruncated must be false or omitted."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ComposeError("bodyValues", "must be an object mapping partIds to EmailBodyValue objects")
    out: dict[str, str] = {}
    for part_id, body_value in value.items():
        path = f"bodyValues/{part_id}"
        if not isinstance(body_value, dict):
            raise ComposeError(path, "must be an EmailBodyValue object")
        for flag in ("isEncodingProblem", "isTruncated"):
            if body_value.get(flag) is not None and body_value.get(flag) is not False:
                raise ComposeError(f"{path}/{flag}", "must be false or omitted")
        out[part_id] = checked_str(body_value.get("value"), f"{path}/value")
    return out


def unknown_keys(obj: Mapping[str, Any], allowed: frozenset[str], base: str) -> None:
    """Names that are neither allowed here nor header:* properties are refused."""
    for key in obj:
        if key not in allowed and not key.startswith("header:"):
            raise ComposeError(base + key, "is not a property that can be set when creating")
