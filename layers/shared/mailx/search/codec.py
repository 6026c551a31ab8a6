"""Byte formats of the index (docs/search.md "Layout"): term lists, posting buckets, doc chunks.

Everything is zlib-compressed. A posting list is a varint count, then per document the varint gap
from the previous document number and one byte of field mask. Document numbers are positions in a
segment's newest-first order, so a list decodes newest first.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence

BUCKET_BYTES = 48_000  # raw postings per bucket item before compression (one term may exceed it alone)


def _varint(value: int, out: bytearray) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def pack_terms(masks: Mapping[str, int]) -> bytes:
    """A message's {term: field mask}, compressed (the tail item of a message not yet in a segment)."""
    text = "\n".join(f"{term}\t{mask}" for term, mask in sorted(masks.items()))
    return zlib.compress(text.encode(), 6)


def unpack_terms(data: bytes) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in zlib.decompress(data).decode().split("\n"):
        term, _, mask = line.rpartition("\t")
        if term:
            out[term] = int(mask)
    return out


def encode_postings(postings: Sequence[tuple[int, int]]) -> bytes:
    """(document number, mask) pairs in ascending document order."""
    out = bytearray()
    _varint(len(postings), out)
    previous = -1
    for doc, mask in postings:
        _varint(doc - previous - 1, out)
        out.append(mask)
        previous = doc
    return bytes(out)


def decode_postings(data: bytes, at: int = 0) -> tuple[dict[int, int], int]:
    """{document number: mask} and the offset after the list."""
    count, at = _read_varint(data, at)
    out: dict[int, int] = {}
    previous = -1
    for _ in range(count):
        gap, at = _read_varint(data, at)
        previous += gap + 1
        out[previous] = data[at]
        at += 1
    return out, at


def build_buckets(postings: Mapping[str, Sequence[tuple[int, int]]]) -> tuple[list[str], list[bytes]]:
    """Terms in order, cut into buckets of about BUCKET_BYTES: (first term of each, compressed bodies)."""
    bounds: list[str] = []
    bodies: list[bytes] = []
    current = bytearray()
    for term in sorted(postings):
        entry = bytearray()
        raw = term.encode()
        _varint(len(raw), entry)
        entry += raw
        entry += encode_postings(postings[term])
        if current and len(current) + len(entry) > BUCKET_BYTES:
            bodies.append(zlib.compress(bytes(current), 6))
            current = bytearray()
        if not current:
            bounds.append(term)
        current += entry
    if current:
        bodies.append(zlib.compress(bytes(current), 6))
    return bounds, bodies


def read_bucket(body: bytes) -> Iterator[tuple[str, bytes, int]]:
    """(term, the decompressed bucket, offset of its postings) for every term of a bucket."""
    data = zlib.decompress(body)
    at = 0
    while at < len(data):
        size, at = _read_varint(data, at)
        term = data[at : at + size].decode()
        at += size
        yield term, data, at
        count, after = _read_varint(data, at)
        for _ in range(count):
            _, after = _read_varint(data, after)
            after += 1
        at = after


Word = tuple[str, bool]  # (term, is a prefix)


def bucket_postings(body: bytes, wanted: Iterable[Word]) -> dict[Word, dict[int, int]]:
    """{word: {doc: mask}} for the wanted words; a prefix gathers every term it starts."""
    words = list(wanted)
    found: dict[Word, dict[int, int]] = {}
    for term, data, at in read_bucket(body):
        for word, prefix in words:
            if term == word or (prefix and term.startswith(word)):
                postings, _ = decode_postings(data, at)
                merged = found.setdefault((word, prefix), {})
                for doc, mask in postings.items():
                    merged[doc] = merged.get(doc, 0) | mask
    return found


def pack_docs(docs: Sequence[tuple[str, str, str]]) -> bytes:
    """(sort key `{receivedAt}#{emailId}`, email id, thread id) of a run of documents."""
    return zlib.compress(json.dumps([list(d) for d in docs], separators=(",", ":")).encode(), 6)


def unpack_docs(data: bytes) -> list[tuple[str, str, str]]:
    return [(str(a), str(b), str(c)) for a, b, c in json.loads(zlib.decompress(data))]


def pack_json(value: object) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(), 6)


def unpack_json(data: bytes) -> object:
    return json.loads(zlib.decompress(data))
