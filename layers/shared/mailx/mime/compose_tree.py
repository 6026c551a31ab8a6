"""The body of a new draft: bodyStructure, or textBody/htmlBody/attachments arranged (RFC 8621 §4.6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailx.mime.bounds import MAX_MIME_DEPTH, MAX_MIME_PARTS
from mailx.mime.compose_fields import ComposeError, checked_str
from mailx.mime.compose_parts import (
    PART_KEYS,
    PartSpec,
    add_header_properties,
    part_forbid,
    read_content,
    unknown_keys,
)

_LISTS = ("textBody", "htmlBody", "attachments")


class _Builder:
    """Reads EmailBodyPart objects into PartSpecs, tracking the partIds already used."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.used: dict[str, str] = {}
        self.count = 0

    def part(
        self, obj: Any, path: str, *, default_type: str | None, leaf_only: bool, depth: int = 0
    ) -> PartSpec:
        if not isinstance(obj, dict):
            raise ComposeError(path, "must be an EmailBodyPart object")
        self.count += 1
        if depth >= MAX_MIME_DEPTH:
            raise ComposeError(f"{path[:200]}/subParts", f"parts may nest at most {MAX_MIME_DEPTH} deep")
        if self.count > MAX_MIME_PARTS:
            raise ComposeError(path[:200], f"a message may have at most {MAX_MIME_PARTS} parts")
        unknown_keys(obj, PART_KEYS, f"{path}/")
        spec = PartSpec(path)
        add_header_properties(obj, f"{path}/", spec, part_forbid)
        read_content(obj, spec)
        if obj.get("subParts") is not None:
            if leaf_only:
                raise ComposeError(
                    f"{path}/subParts", "parts of textBody, htmlBody and attachments are leaves"
                )
            self._multipart(obj, spec, depth)
        else:
            self._leaf(obj, spec, default_type)
        return spec

    def _multipart(self, obj: dict[str, Any], spec: PartSpec, depth: int) -> None:
        spec.type = spec.type or "multipart/mixed"
        if not spec.type.startswith("multipart/"):
            raise ComposeError(f"{spec.path}/type", "a part with subParts must be multipart/*")
        for key in ("partId", "blobId", "charset"):
            if obj.get(key) is not None:
                raise ComposeError(f"{spec.path}/{key}", "a multipart part has no content of its own")
        subs = obj["subParts"]
        if not isinstance(subs, list) or not subs:
            raise ComposeError(f"{spec.path}/subParts", "must be a non-empty array of EmailBodyPart objects")
        spec.sub_parts = [
            self.part(sub, f"{spec.path}/subParts/{i}", default_type=None, leaf_only=False, depth=depth + 1)
            for i, sub in enumerate(subs)
        ]

    def _leaf(self, obj: dict[str, Any], spec: PartSpec, default_type: str | None) -> None:
        path = spec.path
        part_id, blob_id = obj.get("partId"), obj.get("blobId")
        if part_id is not None and blob_id is not None:
            raise ComposeError(f"{path}/blobId", "a part gives a partId or a blobId, not both")
        if spec.type is not None and spec.type.startswith("multipart/"):
            raise ComposeError(f"{path}/subParts", "a multipart part needs subParts")
        if part_id is not None:
            self._text(obj, spec, checked_str(part_id, f"{path}/partId"), default_type)
        elif blob_id is not None:
            spec.blob_id = checked_str(blob_id, f"{path}/blobId")
            spec.type = spec.type or default_type
        else:
            raise ComposeError(
                f"{path}/partId", "a part needs a partId (with a bodyValues entry) or a blobId"
            )

    def _text(self, obj: dict[str, Any], spec: PartSpec, part_id: str, default_type: str | None) -> None:
        path = spec.path
        if part_id not in self.values:
            raise ComposeError(f"{path}/partId", f"there is no bodyValues entry for partId {part_id!r}")
        if part_id in self.used:
            raise ComposeError(
                f"{path}/partId", f"partId {part_id!r} is already used by {self.used[part_id]}"
            )
        if obj.get("charset") is not None:
            raise ComposeError(
                f"{path}/charset", "must be omitted with a partId: the server picks the charset"
            )
        if obj.get("size") is not None:
            raise ComposeError(f"{path}/size", "must be omitted with a partId")
        spec.type = spec.type or default_type or "text/plain"
        if not spec.type.startswith("text/"):
            raise ComposeError(f"{path}/type", "a part with a partId holds text, so it must be text/*")
        self.used[part_id] = f"{path}/partId"
        spec.text = self.values[part_id]


def _single(create: Mapping[str, Any], key: str, kind: str, builder: _Builder) -> PartSpec | None:
    value = create.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 1:
        raise ComposeError(key, "must contain exactly one body part")
    spec = builder.part(value[0], f"{key}/0", default_type=kind, leaf_only=True)
    if spec.type != kind:
        raise ComposeError(f"{key}/0/type", f"must be {kind}")
    return spec


def _from_lists(create: Mapping[str, Any], builder: _Builder) -> PartSpec | None:
    """The usual shapes: text and HTML as multipart/alternative; images the HTML embeds by cid
    (a cid and no "attachment" disposition) with it in multipart/related; everything else in
    multipart/mixed after the body, marked "attachment" unless the client said otherwise, so
    that the §4.1.4 algorithm reads the same three lists back."""
    text = _single(create, "textBody", "text/plain", builder)
    html = _single(create, "htmlBody", "text/html", builder)
    value = create.get("attachments")
    if value is not None and not isinstance(value, list):
        raise ComposeError("attachments", "must be an array of EmailBodyPart objects")
    parts = [
        builder.part(item, f"attachments/{i}", default_type=None, leaf_only=True)
        for i, item in enumerate(value or ())
    ]
    related = [p for p in parts if html is not None and p.cid is not None and p.disposition != "attachment"]
    mixed = [p for p in parts if not any(p is r for r in related)]
    for part in mixed:
        part.disposition = part.disposition or "attachment"
    html_root = html
    if html is not None and related:
        html_root = PartSpec("htmlBody", "multipart/related", sub_parts=[html, *related])
    body = html_root if text is None else text
    if text is not None and html_root is not None:
        body = PartSpec("htmlBody", "multipart/alternative", sub_parts=[text, html_root])
    if mixed:
        return PartSpec("attachments", "multipart/mixed", sub_parts=[body, *mixed] if body else mixed)
    return body


def body_tree(create: Mapping[str, Any], values: dict[str, str]) -> PartSpec:
    """The root part to write: the given bodyStructure, the tree built from the three lists, or an
    empty text/plain part when the create has no body at all."""
    builder = _Builder(values)
    if create.get("bodyStructure") is not None:
        for key in _LISTS:
            if create.get(key) is not None:
                raise ComposeError(key, "must not be given together with bodyStructure")
        return builder.part(create["bodyStructure"], "bodyStructure", default_type=None, leaf_only=False)
    root = _from_lists(create, builder)
    return root if root is not None else PartSpec("bodyStructure", "text/plain", text="")
