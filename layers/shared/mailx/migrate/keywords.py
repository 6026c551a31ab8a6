"""Flags of each source format to JMAP keywords (RFC 8621 §4.1.1) and back."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailx.migrate.model import DELETED

_KEYWORD = re.compile(r"[\x21-\x7e]{1,255}")
_FORBIDDEN = frozenset('(){]%*"\\')

IMAP_SYSTEM = {
    "\\seen": "$seen",
    "\\flagged": "$flagged",
    "\\answered": "$answered",
    "\\draft": "$draft",
    "\\deleted": DELETED,
}
# Maildir info flags (cr.yp.to/proto/maildir.html), in the order a filename must list them (ASCII).
MAILDIR_FLAGS = {
    "D": "$draft",
    "F": "$flagged",
    "P": "$forwarded",
    "R": "$answered",
    "S": "$seen",
    "T": DELETED,
}
MAILDIR_LETTERS = {keyword: letter for letter, keyword in MAILDIR_FLAGS.items()}


def valid(keyword: str) -> bool:
    """What Email/import accepts as a keyword."""
    return _KEYWORD.fullmatch(keyword) is not None and not _FORBIDDEN.intersection(keyword)


def clean(words: Iterable[str]) -> frozenset[str]:
    """Lowercased keywords, with the deleted marker kept and anything Email/import would refuse dropped."""
    kept = set()
    for word in words:
        lowered = word.strip().lower()
        if lowered == DELETED or valid(lowered):
            kept.add(lowered)
    return frozenset(kept)


def from_imap(flags: Iterable[str]) -> frozenset[str]:
    """IMAP flags: the system flags mapped, \\Recent dropped, keywords ($Forwarded, $Junk, ...) kept."""
    words = []
    for flag in flags:
        lowered = flag.lower()
        if lowered in IMAP_SYSTEM:
            words.append(IMAP_SYSTEM[lowered])
        elif not lowered.startswith("\\"):
            words.append(lowered)
    return clean(words)


def from_maildir(info: str, custom: dict[str, str]) -> frozenset[str]:
    """The letters after `:2,`: upper case are the standard flags, a-z index dovecot-keywords."""
    words = []
    for letter in info:
        if letter in MAILDIR_FLAGS:
            words.append(MAILDIR_FLAGS[letter])
        elif letter in custom:
            words.append(custom[letter])
    return clean(words)


def from_status(status: str, x_status: str, x_keywords: str) -> frozenset[str]:
    """mbox flags: Status (R read), X-Status (A answered, F flagged, T draft, D deleted), X-Keywords."""
    words = []
    if "R" in status:
        words.append("$seen")
    for letter, word in (("A", "$answered"), ("F", "$flagged"), ("T", "$draft"), ("D", DELETED)):
        if letter in x_status:
            words.append(word)
    words += [w for w in re.split(r"[\s,]+", x_keywords) if w]
    return clean(words)


def to_status(keywords: Iterable[str]) -> tuple[str, str, str]:
    """(Status, X-Status, X-Keywords) values for an mbox export."""
    words = set(keywords)
    status = "RO" if "$seen" in words else "O"
    x_status = "".join(
        letter for letter, word in (("A", "$answered"), ("F", "$flagged"), ("T", "$draft")) if word in words
    )
    rest = sorted(words - {"$seen", "$answered", "$flagged", "$draft"})
    return status, x_status, " ".join(rest)
