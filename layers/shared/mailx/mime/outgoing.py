"""Preparing the wire copy of a message we send: Bcc removed byte-exact (RFC 5322 §3.6.3, RFC 5321 §7.2).

RFC 5322 §3.6.3 lets the Bcc field go entirely from the copies sent to To and Cc recipients; we remove it
from every copy, so no recipient learns of another. Only the header section is touched, field by field,
with folded continuation lines (RFC 5322 §2.2.3) belonging to the field before them; every other octet,
line endings included, is kept as it was.
"""

from __future__ import annotations

import re

# A field name is printable US-ASCII except ":" (RFC 5322 §2.2); the name may be followed by white space
# before the colon in obsolete syntax (§4.5).
_BCC = re.compile(rb"bcc[ \t]*:", re.IGNORECASE)


def _lines(data: bytes) -> list[bytes]:
    """Lines with their own terminators (CRLF, LF or a lone CR), so joining them gives DATA back."""
    return data.splitlines(keepends=True)


def _header_end(raw: bytes) -> int:
    """The offset where the header section ends (the empty line itself belongs to the body)."""
    offset = 0
    for line in _lines(raw):
        if line in (b"\r\n", b"\n", b"\r"):
            return offset
        offset += len(line)
    return len(raw)


def strip_bcc(raw: bytes) -> bytes:
    """RAW without any Bcc header field (any case, folded lines included); every other byte unchanged."""
    end = _header_end(raw)
    kept: list[bytes] = []
    dropping = False
    for line in _lines(raw[:end]):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = _BCC.match(line) is not None
        if not dropping:
            kept.append(line)
    return b"".join(kept) + raw[end:]
