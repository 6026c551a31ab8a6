"""Words of a message as the full-text index stores them: folded, split, CJK as bigrams (docs/search.md).

Folding is Unicode case folding after removing diacritics (NFKD, combining marks dropped), so `Café`,
`CAFE` and `café` are one term. A token is a run of letters and digits; a run of CJK characters (no
spaces between words) is indexed as overlapping bigrams plus its last character, so a one-character
query still finds every occurrence (as a prefix of the bigram it starts, or as the run's end).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

MAX_TERM = 40  # characters; a longer token (base64, hashes) is kept cut to this length
# Fields of a message, as bits of a posting's mask: `text` matches any of them (RFC 8621 §4.4.1).
FIELDS = {"subject": 1, "from": 2, "to": 4, "cc": 8, "bcc": 16, "body": 32, "attachments": 64}
ALL_FIELDS = 127
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def is_cjk(ch: str) -> bool:
    """Han, Hiragana, Katakana, Hangul: scripts written without spaces between words."""
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0x20000 <= code <= 0x2FA1F
    )


def fold(text: str) -> str:
    """Case and diacritic folding: NFKD, combining marks removed, casefold."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def _split_script(word: str, start: int) -> Iterator[tuple[str, int, int, bool]]:
    """Pieces of one word run: (text, start, end, cjk?) — CJK and other letters apart."""
    piece_start = 0
    for i in range(1, len(word) + 1):
        if i == len(word) or is_cjk(word[i]) != is_cjk(word[piece_start]):
            yield word[piece_start:i], start + piece_start, start + i, is_cjk(word[piece_start])
            piece_start = i


def spans(text: str, *, extras: bool = True) -> Iterator[tuple[str, int, int]]:
    """(folded token, start, end) over TEXT, in order; CJK runs give bigrams, and with EXTRAS also the
    last character of a run of two or more (indexed, but not part of the sequence phrases compare)."""
    for match in _WORD.finditer(text):
        for piece, start, end, cjk in _split_script(match.group(), match.start()):
            if not cjk:
                folded = fold(piece)
                if folded:
                    yield folded[:MAX_TERM], start, end
                continue
            for i in range(len(piece) - 1):
                yield fold(piece[i : i + 2]), start + i, start + i + 2
            if len(piece) == 1 or extras:
                yield fold(piece[-1]), end - 1, end


def tokens(text: str) -> list[str]:
    """The folded tokens of TEXT in order, as phrases compare them."""
    return [token for token, _, _ in spans(text, extras=False)]


def doc_terms(fields: Mapping[str, str]) -> dict[str, int]:
    """{term: mask of the fields it occurs in} for a message's fields (names from FIELDS)."""
    out: dict[str, int] = {}
    for name, text in fields.items():
        bit = FIELDS.get(name, 0)
        if not bit or not text:
            continue
        for token, _, _ in spans(text):
            out[token] = out.get(token, 0) | bit
    return out
