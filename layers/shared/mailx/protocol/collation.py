"""RFC 8620 §5.5 Comparator `collation`: RFC 4790 / RFC 5051 collations as sort keys."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

OCTET = "i;octet"
ASCII_CASEMAP = "i;ascii-casemap"
UNICODE_CASEMAP = "i;unicode-casemap"

# RFC 8620 §5.5: when no collation is given the default MUST be unicode-aware and SHOULD be
# case-insensitive.
DEFAULT_COLLATION = UNICODE_CASEMAP

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def octet_key(value: str) -> bytes:
    """i;octet (RFC 4790 §9.3): compare the UTF-8 octets as they are."""
    return value.encode("utf-8", "surrogatepass")


def ascii_casemap_key(value: str) -> bytes:
    """i;ascii-casemap (RFC 4790 §9.2): fold only a-z to A-Z, then compare octets."""
    return value.translate(_ASCII_UPPER).encode("utf-8", "surrogatepass")


def unicode_casemap_key(value: str) -> bytes:
    """i;unicode-casemap (RFC 5051), approximated by full case folding around NFKD.

    RFC 5051 titlecases each character after decomposition; case folding gives the same
    equivalence classes for practical purposes and is what Python offers natively.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", value).casefold())
    return folded.encode("utf-8", "surrogatepass")


COLLATIONS: dict[str, Callable[[str], bytes]] = {
    OCTET: octet_key,
    ASCII_CASEMAP: ascii_casemap_key,
    UNICODE_CASEMAP: unicode_casemap_key,
}


def collation_key(name: str | None) -> Callable[[str], bytes]:
    """The sort-key function for a collation name (None → the server default).

    Raises KeyError for an unknown name; parse_query turns that into unsupportedSort first.
    """
    return COLLATIONS[name or DEFAULT_COLLATION]


def collation_equal(name: str | None, left: str, right: str) -> bool:
    """Equality under a collation, e.g. for filter conditions that match whole values."""
    key = collation_key(name)
    return key(left) == key(right)


def collation_contains(name: str | None, haystack: str, needle: str) -> bool:
    """Substring match under a collation (RFC 4790 "substring" operation), for text filters."""
    key = collation_key(name)
    return key(needle) in key(haystack)
