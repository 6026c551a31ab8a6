"""Content-Transfer-Encoding decoding, lenient and problem-reporting (RFC 2045 §6)."""

from __future__ import annotations

import binascii
import re

_IDENTITY = frozenset({"", "7bit", "8bit", "binary"})
_UU = frozenset({"x-uuencode", "uuencode", "x-uue", "uue"})
_B64_NOISE = re.compile(rb"[^A-Za-z0-9+/=\s]")
_B64_KEEP = re.compile(rb"[^A-Za-z0-9+/=]")
_QP_BAD = re.compile(rb"=(?![0-9A-Fa-f]{2}|[ \t]*(?:\r\n|\n|\r|$))")


def decode_base64(data: bytes) -> tuple[bytes, bool]:
    """Decodes base64 keeping every whole octet it can; truncation, stray characters or padding
    in the middle are reported so bodyValues can say isEncodingProblem."""
    problem = bool(_B64_NOISE.search(data))
    chars = _B64_KEEP.sub(b"", data)
    core = chars.rstrip(b"=")
    padding = len(chars) - len(core)
    problem = problem or b"=" in core
    alphabet = core.replace(b"=", b"")
    leftover = len(alphabet) % 4
    if leftover == 1:
        alphabet = alphabet[:-1]
        problem = True
    elif leftover:
        problem = problem or padding != 4 - leftover
        alphabet += b"=" * (4 - leftover)
    try:
        return binascii.a2b_base64(alphabet), problem
    except (binascii.Error, ValueError):
        return b"", True


def decode_quoted_printable(data: bytes) -> tuple[bytes, bool]:
    """Decodes quoted-printable; an "=" that starts neither an escape nor a soft break is kept
    as is and reported."""
    problem = bool(_QP_BAD.search(data))
    try:
        return binascii.a2b_qp(data), problem
    except (binascii.Error, ValueError):
        return data, True


def decode_uuencode(data: bytes) -> tuple[bytes, bool]:
    """Decodes the x-uuencode body some older mailers still send."""
    out: list[bytes] = []
    problem = False
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`"):
            if line.strip() == b"end":
                break
            continue
        try:
            out.append(binascii.a2b_uu(line))
        except (binascii.Error, ValueError):
            problem = True
    return b"".join(out), problem or not started


def decode_transfer(data: bytes, encoding: str) -> tuple[bytes, bool]:
    """Undoes the transfer encoding; an unknown one is treated as none, as RFC 8621 §4.1.4
    says, and reported."""
    if encoding in _IDENTITY:
        return data, False
    if encoding == "base64":
        return decode_base64(data)
    if encoding == "quoted-printable":
        return decode_quoted_printable(data)
    if encoding in _UU:
        return decode_uuencode(data)
    return data, True
