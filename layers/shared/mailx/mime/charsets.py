"""Charset labels and lenient decoding for MIME text (RFC 2045 §5.1, RFC 2046 §4.1.2, RFC 8621 §4.1.4)."""

from __future__ import annotations

import codecs
from functools import lru_cache

# Labels seen in the wild that Python does not know, or knows as a narrower charset than the
# senders meant. Latin-1 and ASCII labels map to windows-1252 as browsers do (WHATWG Encoding):
# mailers that say iso-8859-1 routinely send the 0x80-0x9F punctuation of windows-1252.
_ALIASES: dict[str, str] = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "iso-ir-100": "cp1252",
    "cp819": "cp1252",
    "ibm819": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-9": "cp1254",
    "iso8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "cn-gb": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "big5": "big5hkscs",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
}

# Labels meaning "the sender did not know"; decoded by guessing, always flagged as a problem.
_UNKNOWN_LABELS = frozenset({"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "8bit", "default"})

# Python codecs that are not character sets a sender could mean, or that interpret their input.
_REFUSED_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})

_ASCII_LABELS = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "646"})


def normalise_label(label: str | None) -> str:
    """Lowercases and unquotes a charset label so alias lookups are stable."""
    if not label:
        return ""
    return label.strip().strip("\"'").strip().lower()


@lru_cache(maxsize=256)
def python_codec(label: str) -> str | None:
    """The Python codec for a MIME charset label, or None when the label is unknown or unsafe."""
    name = normalise_label(label)
    if not name or name in _UNKNOWN_LABELS:
        return None
    if name in _ASCII_LABELS:
        return "ascii"
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name in _REFUSED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return _ALIASES.get(info.name, info.name)


@lru_cache(maxsize=1)
def _c1_table() -> dict[int, str]:
    # windows-1252 leaves five octets undefined; map every C1 octet it does define, keep the rest.
    table: dict[int, str] = {}
    for octet in range(0x80, 0xA0):
        try:
            table[octet] = bytes([octet]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return table


def decode_cp1252(data: bytes) -> str:
    """Decodes windows-1252 without ever failing: undefined octets keep their Latin-1 meaning."""
    return data.decode("latin-1").translate(_c1_table())


def _guess(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_cp1252(data)


def decode_text(data: bytes, label: str | None) -> tuple[str, bool]:
    """Decodes text in its declared charset; the flag is RFC 8621's isEncodingProblem.

    Unknown labels are guessed (UTF-8, then windows-1252) and flagged. Undeclared or US-ASCII text
    carrying 8-bit octets is usually unlabelled UTF-8: that guess is accepted silently when it
    decodes cleanly, otherwise windows-1252 is used and the problem flagged.
    """
    codec = python_codec(label or "us-ascii")
    if codec is None:
        return _guess(data), True
    if codec == "ascii":
        if data.isascii():
            return data.decode("ascii"), False
        try:
            return data.decode("utf-8"), False
        except UnicodeDecodeError:
            return decode_cp1252(data), True
    if codec == "cp1252":
        return decode_cp1252(data), False
    try:
        return data.decode(codec), False
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace"), True
    except Exception:  # a codec may reject input in its own way; never let it escape
        return _guess(data), True


def decode_known(data: bytes, label: str) -> str | None:
    """Decodes bytes for an RFC 2047 word, or None when the charset is unknown (word kept as is)."""
    codec = python_codec(label)
    if codec is None:
        return None
    if codec == "cp1252":
        return decode_cp1252(data)
    try:
        return data.decode(codec, errors="replace")
    except Exception:
        return None
