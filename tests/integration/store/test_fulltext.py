"""The full-text index's compaction (mailx.store.fulltext): merges, deletions, lost races and crashes
never lose or duplicate a document. Checked through Email/query over HTTP on moto."""

from __future__ import annotations

from typing import Any

import pytest

from mailx.store import fulltext
from tests.helpers.jmap_calls import jmap
from tests.helpers.messages import mail, put


def _search(client: Any, alice: Any, word: str) -> tuple[list[str], int]:
    args = {"accountId": alice.account_id, "filter": {"body": word}, "calculateTotal": True, "limit": 1000}
    [[_, result, _]] = jmap(client, ["Email/query", args, "q"])
    return result["ids"], result["total"]


def _documents(account_id: str) -> list[str]:
    """Every live email id the index holds (segments' doc chunks minus deletions, plus the live tail)."""
    snapshot = fulltext.read(account_id)
    ids = [d.email_id for d in snapshot.live_tail()]
    for segment in snapshot.manifest.segments:
        chunks = fulltext.doc_chunks(account_id, [(segment.id, c) for c in range(len(segment.firsts))])
        for (_, chunk), docs in chunks.items():
            for i, (key, email_id, _) in enumerate(docs):
                number = chunk * fulltext.DOCS_PER_CHUNK + i
                if number not in segment.deleted and key not in snapshot.tombstones:
                    ids.append(email_id)
    return ids


def test_merges_keep_every_document_once(client: Any, alice: Any, tiny_index: None) -> None:
    made = [put(alice, mail(f"m{n}@x", f"Note {n}", body="common words"), n) for n in range(20)]
    manifest = fulltext.read(alice.account_id).manifest
    assert manifest.segments and any(s.docs > fulltext.COMPACT_AT for s in manifest.segments)  # merged
    assert sorted(_documents(alice.account_id)) == sorted(made)
    ids, total = _search(client, alice, "common")
    assert total == 20 and ids == made[::-1]


def test_destroyed_documents_are_dropped_and_segments_rewritten(
    client: Any, alice: Any, tiny_index: None
) -> None:
    made = [put(alice, mail(f"d{n}@x", f"Note {n}", body="common words"), n) for n in range(12)]
    gone = made[:8]
    [[_, result, _]] = jmap(client, ["Email/set", {"accountId": alice.account_id, "destroy": gone}, "d"])
    assert sorted(result["destroyed"]) == sorted(gone)
    while fulltext.compact(alice.account_id, at_least=0):
        pass
    snapshot = fulltext.read(alice.account_id)
    assert not snapshot.tombstones and not snapshot.tail
    assert all(len(s.deleted) < fulltext.REWRITE_DELETED * s.docs for s in snapshot.manifest.segments)
    assert sorted(_documents(alice.account_id)) == sorted(made[8:])
    assert _search(client, alice, "common") == (made[8:][::-1], 4)


def test_a_compaction_that_loses_the_race_removes_what_it_wrote(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [put(alice, mail(f"r{n}@x", f"Note {n}", body="common words"), n) for n in range(5)]
    monkeypatch.setattr(fulltext, "_commit_manifest", lambda *_args: False)
    written: list[str] = []
    real_build = fulltext.build_segment

    def build(account_id: str, docs: Any) -> Any:
        segment = real_build(account_id, docs)
        written.append(segment.id if segment else "")
        return segment

    monkeypatch.setattr(fulltext, "build_segment", build)
    assert fulltext.compact(alice.account_id, at_least=1) is False
    [segment_id] = written
    assert fulltext.doc_chunks(alice.account_id, [(segment_id, 0)]) == {}  # its items are gone
    assert _search(client, alice, "common") == (made[::-1], 5)


def test_a_crash_after_the_commit_neither_loses_nor_doubles(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [put(alice, mail(f"c{n}@x", f"Note {n}", body="common words"), n) for n in range(5)]
    real_delete = fulltext._delete_items

    def crash(keys: Any) -> None:
        keys = list(keys)
        if any(sort.startswith(fulltext.TAIL) for _, sort in keys):
            raise RuntimeError("crashed before deleting the consumed tail")
        real_delete(keys)

    monkeypatch.setattr(fulltext, "_delete_items", crash)
    with pytest.raises(RuntimeError):
        fulltext.compact(alice.account_id, at_least=1)
    # The tail items are still there but listed as consumed: every message is found exactly once
    snapshot = fulltext.read(alice.account_id)
    assert len(snapshot.tail) == 5 and not snapshot.live_tail() and len(snapshot.manifest.segments) == 1
    assert _search(client, alice, "common") == (made[::-1], 5)
    # And the next compaction deletes them
    monkeypatch.setattr(fulltext, "_delete_items", real_delete)
    put(alice, mail("c9@x", "Note 9", body="common words"), 9)
    assert fulltext.compact(alice.account_id, at_least=1)
    assert [d.email_id for d in fulltext.read(alice.account_id).tail] == []
    assert _search(client, alice, "common")[1] == 6


def test_both_tail_writers_keep_at_most_max_terms(alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fulltext, "MAX_TERMS", 3)
    # An ingest (in its transaction) and a reindex (outside one) both cut a message's terms
    put(alice, mail("t@x", "alpha", body="bravo charlie delta echo"), 0)
    many = {"one": 32, "two": 32, "three": 32, "four": 32, "five": 32}
    fulltext.write_tail(alice.account_id, [fulltext.TailDoc("2020-01-01T00:00:00Z#Mx", "Mx", "Tx", many)])
    tail = fulltext.read(alice.account_id).tail
    assert len(tail) == 2 and all(len(doc.masks) == 3 for doc in tail)
    assert sorted(next(d for d in tail if d.email_id == "Mx").masks) == ["five", "four", "one"]
