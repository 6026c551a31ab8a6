"""Reading Content-Disposition headers back as a strict client does (RFC 6266)."""

from __future__ import annotations

import re

_PARAM = re.compile(r';\s*([A-Za-z*]+)=("(?:[^"\\]|\\.)*"|[^;\s]*)')


def parse_disposition(header: str) -> dict[str, str]:
    """A strict RFC 6266 reading: quoted strings honoured, so text inside one is never a parameter."""
    kind, _, rest = header.partition(";")
    params = {"": kind.strip()}
    position = 0
    rest = ";" + rest
    while position < len(rest):
        match = _PARAM.match(rest, position)
        assert match is not None, f"unparseable parameters at {rest[position:]!r}"
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[match.group(1).lower()] = value
        position = match.end()
    return params
