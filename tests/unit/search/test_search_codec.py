"""The index's byte formats round-trip (mailx.search.codec)."""

from __future__ import annotations

from mailx.search import codec


def test_terms_round_trip() -> None:
    masks = {"invoice": 33, "東京": 32, "x\ty": 1}
    assert codec.unpack_terms(codec.pack_terms(masks)) == masks


def test_postings_round_trip_newest_first() -> None:
    postings = [(0, 1), (5, 32), (300, 127), (70_000, 2)]
    decoded, end = codec.decode_postings(codec.encode_postings(postings))
    assert decoded == dict(postings) and end == len(codec.encode_postings(postings))


def test_buckets_split_by_size_and_find_terms_and_prefixes() -> None:
    postings = {f"term{n:05d}": [(n, 1), (n + 1, 2)] for n in range(20_000)}
    bounds, bodies = codec.build_buckets(postings)
    assert len(bodies) > 1 and bounds == sorted(bounds) and bounds[0] == "term00000"
    last = len([b for b in bounds if b <= "term12345"]) - 1
    found = codec.bucket_postings(bodies[last], [("term12345", False), ("term1234", True)])
    assert found[("term12345", False)] == {12345: 1, 12346: 2}
    assert set(found[("term1234", True)]) >= {12345, 12346}


def test_doc_chunks_round_trip() -> None:
    docs = [("2024-04-01T10:00:00Z#Ma", "Ma", "Ta")]
    assert codec.unpack_docs(codec.pack_docs(docs)) == docs
