"""Download headers (RFC 8620 §6.2): a safe Content-Type and an RFC 6266 Content-Disposition.

Pure functions: whatever the client puts in the download URL's `name` and `type`, the headers built
here are printable ASCII with no way to end the header or the quoted string early.
"""

from __future__ import annotations

import re

DEFAULT_TYPE = "application/octet-stream"
DEFAULT_NAME = "download"
MAX_TYPE_LENGTH = 255

# RFC 6838 §4.2 restricted-name for type and subtype; parameters as RFC 2045 tokens or quoted strings.
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_TCHARS = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_QUOTED = r'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'
_PARAM = rf"\s*;\s*({_TCHARS}=(?:{_TCHARS}|{_QUOTED}))"
_PARAM_RE = re.compile(_PARAM)
_MEDIA_TYPE = re.compile(rf"({_NAME})/({_NAME})((?:{_PARAM})*)\s*;?")

# RFC 5987 attr-char: what may stand unencoded in `filename*`.
_ATTR_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~")
# Kept out of the ASCII fallback: quoting and escaping characters, path separators, `%` (which some
# browsers decode in `filename` although RFC 6266 §4.3 says not to) and `;*=`, so that a client that
# scans the header for `filename*=` can never find one inside the quoted fallback.
_FALLBACK_UNSAFE = frozenset('"\\/%;*=')


def safe_media_type(value: str | None) -> str | None:
    """VALUE as a normalised `type/subtype[; param=value]*`, or None when it is not one."""
    if value is None:
        return None
    text = value.strip()
    match = _MEDIA_TYPE.fullmatch(text)
    if match is None or len(text) > MAX_TYPE_LENGTH:
        return None
    params = "".join(f"; {param}" for param in _PARAM_RE.findall(match.group(3)))
    return f"{match.group(1).lower()}/{match.group(2).lower()}{params}"


def media_type_or_default(value: str | None) -> str:
    """safe_media_type(VALUE), falling back to application/octet-stream."""
    return safe_media_type(value) or DEFAULT_TYPE


def ascii_fallback(name: str) -> str:
    """The `filename` for clients that ignore `filename*`: printable ASCII, unsafe characters as `_`."""
    chars = ("_" if ch in _FALLBACK_UNSAFE or not " " <= ch <= "~" else ch for ch in name)
    text = "".join(chars).strip()
    return text or DEFAULT_NAME


def encode_ext_value(name: str) -> str:
    """RFC 5987 ext-value `UTF-8''…`: every octet outside attr-char percent-encoded."""
    octets = name.encode("utf-8", errors="replace")
    return "UTF-8''" + "".join(chr(b) if b in _ATTR_CHARS else f"%{b:02X}" for b in octets)


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """`attachment; filename="…"; filename*=UTF-8''…` for any NAME (RFC 6266 §4.3, RFC 8620 §6.2).

    `filename*` carries the name exactly, as RFC 8620 §6.2 requires; `filename` is the fallback for
    old clients. An empty name becomes "download", as no file can be saved under an empty name.
    """
    name = name or DEFAULT_NAME
    return f'{disposition}; filename="{ascii_fallback(name)}"; filename*={encode_ext_value(name)}'
