"""A text condition's value as the index reads it: exact terms, prefixes and phrases (docs/search.md).

White space separates words that must all be present; text in '...' or "..." is a phrase (backslash
escapes ' " \\ inside it). A word that folds into several tokens (`bob@example`, `東京都`) is a phrase
too. The last unquoted word of the value matches as a prefix (`invoi` finds `invoice`), and so does a
lone CJK character. Matching is by whole tokens after folding (terms.py), never substrings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mailx.search import terms as t

MIN_PREFIX = 2  # a shorter last word is matched exactly (a one-letter prefix would read the dictionary)


@dataclass(frozen=True)
class Phrase:
    """Tokens that must occur in a row in one field; the last may be a prefix."""

    tokens: tuple[str, ...]
    last_prefix: bool = False


@dataclass(frozen=True)
class TextQuery:
    """What one condition value asks for: every term and prefix present, every phrase in a row."""

    terms: frozenset[str]
    prefixes: frozenset[str]
    phrases: tuple[Phrase, ...]

    @property
    def empty(self) -> bool:
        return not (self.terms or self.prefixes or self.phrases)

    def words(self) -> list[tuple[str, bool]]:
        """(term, is prefix) for everything the index must look up."""
        return [(w, False) for w in sorted(self.terms)] + [(p, True) for p in sorted(self.prefixes)]


def pieces(value: str) -> list[tuple[str, bool]]:
    """The words and quoted phrases of a value as (text, quoted), in order (also `header`'s syntax)."""
    out: list[tuple[str, bool]] = []
    current: list[str] = []
    quote: str | None = None
    chars = iter(value)
    for ch in chars:
        if quote is not None:
            if ch == "\\":
                current.append(next(chars, ""))
            elif ch == quote:
                out.append(("".join(current), True))
                current, quote = [], None
            else:
                current.append(ch)
        elif ch in "'\"":
            if current:
                out.append(("".join(current), False))
            current, quote = [], ch
        elif ch.isspace():
            if current:
                out.append(("".join(current), False))
            current = []
        else:
            current.append(ch)
    if current:
        out.append(("".join(current), quote is not None))
    return out


def _is_single_cjk(token: str) -> bool:
    return len(token) == 1 and t.is_cjk(token)


def parse(value: str) -> TextQuery:
    """The query of one condition value; an empty or token-less value matches everything."""
    parts = [(t.tokens(text), quoted) for text, quoted in pieces(value)]
    parts = [(toks, quoted) for toks, quoted in parts if toks]
    last = max((i for i, (_, quoted) in enumerate(parts) if not quoted), default=-1)
    exact: set[str] = set()
    prefixes: set[str] = set()
    phrases: list[Phrase] = []
    for i, (toks, _quoted) in enumerate(parts):
        prefix_last = i == last and (len(toks[-1]) >= MIN_PREFIX or t.is_cjk(toks[-1][0]))
        for j, token in enumerate(toks):
            if (j == len(toks) - 1 and prefix_last) or _is_single_cjk(token):
                prefixes.add(token)
            else:
                exact.add(token)
        if len(toks) > 1:
            phrases.append(Phrase(tuple(toks), prefix_last))
    return TextQuery(frozenset(exact), frozenset(prefixes), tuple(phrases))


def _in_row(sequence: list[str], phrase: Phrase) -> bool:
    size = len(phrase.tokens)
    head, last = phrase.tokens[:-1], phrase.tokens[-1]
    for i in range(len(sequence) - size + 1):
        if tuple(sequence[i : i + size - 1]) != head:
            continue
        found = sequence[i + size - 1]
        if found == last or (phrase.last_prefix and found.startswith(last)):
            return True
    return False


def phrases_match(query: TextQuery, fields: Mapping[str, str], mask: int) -> bool:
    """Every phrase of QUERY occurs in a row in one of the fields selected by MASK."""
    if not query.phrases:
        return True
    sequences = [t.tokens(text) for name, text in fields.items() if t.FIELDS.get(name, 0) & mask and text]
    return all(any(_in_row(seq, phrase) for seq in sequences) for phrase in query.phrases)


def word_mask(masks: Mapping[str, int], word: tuple[str, bool]) -> int:
    """The fields a (term, is prefix) word occurs in, by a message's {term: field mask}."""
    term, prefix = word
    if not prefix:
        return masks.get(term, 0)
    out = 0
    for found, mask in masks.items():
        if found.startswith(term):
            out |= mask
    return out


def matches(query: TextQuery, fields: Mapping[str, str], mask: int) -> bool:
    """The whole query against a message's field texts (the path without the index, and the oracle)."""
    masks = t.doc_terms(fields)
    return all(word_mask(masks, w) & mask for w in query.words()) and phrases_match(query, fields, mask)


def highlight_spans(query_list: Iterable[TextQuery], text: str) -> list[tuple[int, int]]:
    """Character spans of TEXT whose tokens are words of the queries (for <mark>), merged, in order."""
    wanted: set[str] = set()
    prefixes: set[str] = set()
    for query in query_list:
        wanted |= query.terms
        prefixes |= query.prefixes
        for phrase in query.phrases:
            wanted.update(phrase.tokens[:-1] if phrase.last_prefix else phrase.tokens)
    out: list[tuple[int, int]] = []
    for token, start, end in t.spans(text, extras=False):
        if token in wanted or any(token.startswith(p) for p in prefixes):
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(end, out[-1][1]))
            else:
                out.append((start, end))
    return out
