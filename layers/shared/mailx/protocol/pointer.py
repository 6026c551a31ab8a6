"""RFC 6901 JSON Pointer, with the RFC 8620 §3.7 `*` extension used by result references."""

from __future__ import annotations

from typing import Any

WILDCARD = "*"
# Nodes one evaluation may visit. `*` over aliased values (a reference to a response that itself
# repeats an earlier one) could otherwise fan out exponentially before any size check sees it.
MAX_POINTER_VISITS = 100_000


class PointerError(ValueError):
    """The pointer is malformed, or names something that does not exist in the document."""


class PointerTooLarge(PointerError):
    """Evaluating the pointer would visit more than MAX_POINTER_VISITS values."""


def unescape_token(token: str) -> str:
    """Decode `~1` to `/` and `~0` to `~` (in that order, RFC 6901 §4); any other `~` is an error."""
    if "~" not in token:
        return token
    out: list[str] = []
    i = 0
    while i < len(token):
        char = token[i]
        if char == "~":
            nxt = token[i + 1 : i + 2]
            if nxt not in ("0", "1"):
                raise PointerError(f"invalid escape in pointer token {token!r}")
            out.append("~" if nxt == "0" else "/")
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def escape_token(token: str) -> str:
    """Encode a property name as a pointer token, so ids and keywords can be put in paths safely."""
    return token.replace("~", "~0").replace("/", "~1")


def parse_pointer(path: str) -> list[str]:
    """Split a pointer into unescaped reference tokens; the empty pointer is the whole document."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise PointerError(f"pointer {path!r} must be empty or start with '/'")
    return [unescape_token(part) for part in path[1:].split("/")]


def array_index(token: str, length: int) -> int:
    """Decode an RFC 6901 array index: no sign, no leading zeros; `-` never exists."""
    if not token.isascii() or not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PointerError(f"{token!r:.40} is not an array index")
    if len(token) > len(str(length)):  # never int() a 5,000-digit token (Python refuses > 4,300)
        raise PointerError(f"array index {token:.40}... is out of range (length {length})")
    index = int(token)
    if index >= length:
        raise PointerError(f"array index {index} is out of range (length {length})")
    return index


def evaluate_tokens(document: Any, tokens: list[str], visits: list[int] | None = None) -> Any:
    """Walk the tokens; on an array, `*` maps the rest of the path over every item and flattens.

    VISITS counts down the nodes this evaluation may still touch (PointerTooLarge at zero)."""
    visits = [MAX_POINTER_VISITS] if visits is None else visits
    current = document
    for position, token in enumerate(tokens):
        visits[0] -= 1
        if visits[0] < 0:
            raise PointerTooLarge(f"the path visits more than {MAX_POINTER_VISITS} values")
        if isinstance(current, list):
            if token == WILDCARD:
                return _map_wildcard(current, tokens[position + 1 :], visits)
            current = current[array_index(token, len(current))]
        elif isinstance(current, dict):
            if token not in current:
                raise PointerError(f"property {token!r:.80} does not exist")
            current = current[token]
        else:
            raise PointerError(f"cannot descend into a {type(current).__name__} with {token!r:.80}")
    return current


def _map_wildcard(items: list[Any], rest: list[str], visits: list[int]) -> list[Any]:
    # RFC 8620 §3.7: results that are themselves arrays are spliced in, not nested.
    out: list[Any] = []
    for item in items:
        value = evaluate_tokens(item, rest, visits)
        if isinstance(value, list):
            visits[0] -= len(value)
            if visits[0] < 0:
                raise PointerTooLarge(f"the path yields more than {MAX_POINTER_VISITS} values")
            out.extend(value)
        else:
            out.append(value)
    return out


def evaluate_pointer(document: Any, path: str) -> Any:
    """Evaluate a JMAP result-reference path against a response's arguments object."""
    return evaluate_tokens(document, parse_pointer(path))
