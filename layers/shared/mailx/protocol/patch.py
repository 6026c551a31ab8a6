"""RFC 8620 §5.3 (with errata): apply a PatchObject to a record."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from typing import Any

from mailx.protocol.errors import INVALID_PATCH, SetError
from mailx.protocol.pointer import PointerError, parse_pointer


def _invalid(description: str) -> SetError:
    return SetError(INVALID_PATCH, description)


def parse_patch(patch: Any) -> list[tuple[tuple[str, ...], Any]]:
    """Decode and validate the keys: each is a pointer with an implicit leading `/`.

    Also enforces that no pointer is a prefix of another (e.g. `alerts/1/offset` with `alerts`),
    which would make the result depend on the order the patches were applied in.
    """
    if not isinstance(patch, dict):
        raise _invalid("a PatchObject must be a JSON object")
    parsed: list[tuple[tuple[str, ...], Any]] = []
    for key, value in patch.items():
        try:
            tokens = tuple(parse_pointer("/" + key))
        except PointerError as exc:
            raise _invalid(f"bad patch path {key!r}: {exc}") from None
        parsed.append((tokens, value))
    # After sorting, a pointer that is a prefix of others is immediately followed by one of them.
    ordered = sorted(tokens for tokens, _ in parsed)
    for shorter, longer in itertools.pairwise(ordered):
        if longer[: len(shorter)] == shorter:
            raise _invalid(f"patch path {'/'.join(shorter)!r} is a prefix of {'/'.join(longer)!r}")
    return parsed


def _parent(record: dict[str, Any], tokens: tuple[str, ...]) -> dict[str, Any]:
    parent: Any = record
    for depth, token in enumerate(tokens[:-1]):
        if isinstance(parent, list):
            break
        if not isinstance(parent, dict) or token not in parent:
            raise _invalid(f"{'/'.join(tokens[: depth + 1])!r} does not exist on the record")
        parent = parent[token]
    if isinstance(parent, list):
        raise _invalid(f"{'/'.join(tokens)!r} points inside an array; replace the whole array instead")
    if not isinstance(parent, dict):
        raise _invalid(f"{'/'.join(tokens[:-1])!r} is not an object")
    return parent


def apply_patch(
    record: dict[str, Any],
    patch: dict[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a patched deep copy of `record`; the input is never modified.

    A null value resets a top-level property to its default from `defaults` when the type
    defines one, and otherwise removes the property (a no-op if it is absent). Raises
    SetError("invalidPatch") for malformed keys, prefix conflicts, missing parents and
    pointers into arrays. Whether a property may be patched at all is the caller's business
    (that is invalidProperties, not invalidPatch).
    """
    parsed = parse_patch(patch)
    result = copy.deepcopy(record)
    for tokens, value in parsed:
        parent = _parent(result, tokens)
        last = tokens[-1]
        if value is not None:
            parent[last] = copy.deepcopy(value)
        elif len(tokens) == 1 and defaults is not None and last in defaults:
            parent[last] = copy.deepcopy(defaults[last])
        else:
            parent.pop(last, None)
    return result


def patched_properties(patch: dict[str, Any]) -> set[str]:
    """The top-level properties a patch touches, for per-property permission checks."""
    return {tokens[0] for tokens, _ in parse_patch(patch)}
