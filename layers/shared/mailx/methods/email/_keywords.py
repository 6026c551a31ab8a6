"""RFC 8621 §4.1.1 keywords: what a keyword may be, and how a `keywords` map from a client is read.

Leniency (docs/clients.md): the RFC says every value in a keywords map is `true` and a patch removes
a keyword with `null`; widely used webmail sends `false` for "not set" (mark as unread is
`{"keywords/$seen": false}`). `false` is read as "not set" wherever a keywords map or keyword patch is
accepted. Any other value (a string, a number) is still invalidProperties.
"""

from __future__ import annotations

import re
from typing import Any

_KEYWORD = re.compile(r"[\x21-\x7e]{1,255}")
_KEYWORD_FORBIDDEN = frozenset('(){]%*"\\')


def is_keyword(value: Any) -> bool:
    """RFC 8621 §4.1.1: 1-255 of %x21-%x7e, none of ( ) { ] % * " \\."""
    return isinstance(value, str) and bool(_KEYWORD.fullmatch(value)) and not _KEYWORD_FORBIDDEN & set(value)


def is_flag(value: Any) -> bool:
    """A keywords-map value we accept: `true` (set) or the lenient `false` (not set)."""
    return value is True or value is False


def keywords_from_map(value: Any) -> list[str] | None:
    """The keywords (lowercase, in order) a keywords map sets; None when it is malformed."""
    if not isinstance(value, dict) or not all(is_keyword(k) and is_flag(v) for k, v in value.items()):
        return None
    return list(dict.fromkeys(k.lower() for k, v in value.items() if v is True))
