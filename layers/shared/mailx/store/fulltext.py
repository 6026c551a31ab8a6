"""The per-account full-text index in DynamoDB: a manifest, a tail, tombstones and immutable segments.

Layout (docs/search.md "Full-text index"), all in the `emailindex` table:

- `{accountId}#fts` partition: the manifest (`#manifest`: the segments, their term bounds and doc
  chunk heads, deleted documents, and the tail keys the last compaction consumed), one tail item per
  Email not yet in a segment (`t#{receivedAt}#{emailId}`: its terms with field masks, written in the
  same transaction as the Email) and one tombstone per Email gone since (`x#{receivedAt}#{emailId}`,
  written with the destroy or thread re-id). One Query reads all of it: tombstones, then the tail,
  then the manifest — in that order, so a compaction that commits while the Query runs can only make a
  document appear twice (results are unique by id), never vanish.
- `{accountId}#fts#{segmentId}` partitions: a segment's posting buckets (`b00000`…: terms in order,
  each with its documents newest first and a field mask) and doc chunks (`d00000`…: sort key, email
  id, thread id of DOCS_PER_CHUNK documents in the segment's newest-first order).

Compaction (`compact`) turns the tail and tombstones into a new segment and deleted marks, and merges
segments of one size tier; it runs after a commit whose Email state is a multiple of COMPACT_EVERY.
"""

from __future__ import annotations

import bisect
import logging
import math
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from pynamodb.exceptions import PutError

from mailx.ids import new_id
from mailx.search import codec
from mailx.search.codec import Word
from mailx.store import tables
from mailx.store.models import EmailIndexItem
from mailx.store.transactions import Txn

logger = logging.getLogger("mailx.fulltext")

MANIFEST = "#manifest"
TAIL = "t#"
TOMBSTONE = "x#"
COMPACT_AT = 32  # tail documents and tombstones that make a compaction worth it
COMPACT_EVERY = 16  # a commit whose Email state is a multiple of this looks whether to compact
MAX_CONSUMED = 2000  # tail items one compaction takes (the manifest lists them)
DOCS_PER_CHUNK = 256
FANOUT = 8  # segments of one size tier merged together
MAX_SEGMENT_DOCS = 16_384  # merges stop here: a merge reads and writes at most this many documents' index
REWRITE_DELETED = 0.3  # a segment with this share of deleted documents is rewritten without them
RETIRED_GRACE = 900  # seconds a replaced segment stays readable for queries that read the old manifest
MAX_TERMS = 50_000  # distinct terms indexed per message (CJK-heavy giants only; docs/search.md)


def partition(account_id: str) -> str:
    return f"{account_id}#fts"


def segment_partition(account_id: str, segment_id: str) -> str:
    return f"{account_id}#fts#{segment_id}"


def doc_key(received_at: str, email_id: str) -> str:
    return f"{received_at}#{email_id}"


@dataclass
class Segment:
    """One immutable segment as the manifest describes it."""

    id: str
    docs: int
    bounds: list[str]  # first term of each bucket
    firsts: list[str]  # doc key of each chunk's first (newest) document
    deleted: list[int] = field(default_factory=list)

    def live(self) -> int:
        return self.docs - len(self.deleted)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "docs": self.docs, "bounds": self.bounds, "firsts": self.firsts,
                "deleted": self.deleted}  # fmt: skip

    def buckets_for(self, word: Word) -> list[int]:
        """The buckets that can hold WORD (a prefix can span several)."""
        term, prefix = word
        first = max(0, bisect.bisect_right(self.bounds, term) - 1)
        if not prefix:
            return [first]
        last = max(first, bisect.bisect_right(self.bounds, term + "\U0010ffff") - 1)
        return list(range(first, last + 1))

    def chunk_of(self, key: str) -> int | None:
        """The doc chunk that would hold doc KEY (chunks are newest first), None if outside."""
        if not self.firsts or key > self.firsts[0]:
            return None
        # firsts descend; find the last chunk whose first key is >= KEY.
        lo, hi = 0, len(self.firsts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.firsts[mid] >= key:
                lo = mid + 1
            else:
                hi = mid
        return lo - 1


@dataclass
class Manifest:
    version: int = 0
    segments: list[Segment] = field(default_factory=list)
    retired: list[list[Any]] = field(default_factory=list)  # [id, buckets, chunks, retired at]
    pending: list[str] = field(default_factory=list)  # tail/tombstone sort keys already in segments

    def as_json(self) -> dict[str, Any]:
        return {"segments": [s.as_json() for s in self.segments], "retired": self.retired,
                "pending": self.pending}  # fmt: skip


@dataclass(frozen=True)
class TailDoc:
    key: str  # {receivedAt}#{emailId}
    email_id: str
    thread_id: str
    masks: dict[str, int]


@dataclass
class Snapshot:
    """What one read of the `fts` partition found."""

    manifest: Manifest
    tail: list[TailDoc]
    tombstones: set[str]  # doc keys

    def live_tail(self) -> list[TailDoc]:
        pending = set(self.manifest.pending)
        return [d for d in self.tail if TAIL + d.key not in pending and d.key not in self.tombstones]


# --- writes inside an Email transaction ------------------------------------------------------------


def _tail_item(account_id: str, doc: TailDoc) -> EmailIndexItem:
    """A tail item; a message with more than MAX_TERMS distinct terms keeps the first MAX_TERMS."""
    masks = doc.masks
    kept = dict(sorted(masks.items())[:MAX_TERMS]) if len(masks) > MAX_TERMS else masks
    return EmailIndexItem(key=partition(account_id), sort=TAIL + doc.key, email_id=doc.email_id,
                          thread_id=doc.thread_id, packed=codec.pack_terms(kept))  # fmt: skip


def stage_add(txn: Txn, *, email_id: str, thread_id: str, received_at: str, masks: Mapping[str, int]) -> None:
    """The Email's terms into the tail, in the transaction that creates it: searchable at commit."""
    doc = TailDoc(doc_key(received_at, email_id), email_id, thread_id, dict(masks))
    txn.put(_tail_item(txn.account_id, doc), tag="fts")


def stage_remove(txn: Txn, *, email_id: str, received_at: str) -> None:
    """A tombstone, in the transaction that destroys (or re-ids) the Email."""
    item = EmailIndexItem(key=partition(txn.account_id), sort=TOMBSTONE + doc_key(received_at, email_id))
    txn.put(item, tag="fts")


# --- reads ------------------------------------------------------------------------------------------


def _manifest(item: EmailIndexItem) -> Manifest:
    raw = cast(dict[str, Any], codec.unpack_json(item.packed)) if item.packed else {}
    segments = [Segment(s["id"], int(s["docs"]), list(s["bounds"]), list(s["firsts"]), list(s["deleted"]))
                for s in raw.get("segments", [])]  # fmt: skip
    return Manifest(
        int(item.version or 0), segments, list(raw.get("retired", [])), list(raw.get("pending", []))
    )


def read(account_id: str) -> Snapshot:
    """The manifest, tail and tombstones: one Query (more pages only if the tail has grown large)."""
    tables.bind()
    manifest = Manifest()
    tail: list[TailDoc] = []
    tombstones: set[str] = set()
    for item in EmailIndexItem.query(partition(account_id), scan_index_forward=False, consistent_read=True):
        if item.sort == MANIFEST:
            manifest = _manifest(item)
        elif item.sort.startswith(TAIL):
            masks = codec.unpack_terms(item.packed) if item.packed else {}
            tail.append(TailDoc(item.sort[len(TAIL) :], item.email_id or "", item.thread_id or "", masks))
        elif item.sort.startswith(TOMBSTONE):
            tombstones.add(item.sort[len(TOMBSTONE) :])
    return Snapshot(manifest, tail, tombstones)


def _batch_get(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    tables.bind()
    found: dict[tuple[str, str], bytes] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), 100):
        for item in EmailIndexItem.batch_get(unique[start : start + 100], consistent_read=True):
            found[(item.key, item.sort)] = item.packed or b""
    return found


@dataclass
class Lookup:
    """The postings of some words in every segment, without deleted or tombstoned documents."""

    postings: dict[str, dict[Word, dict[int, int]]]  # segment id -> word -> {doc number: field mask}
    chunks: dict[tuple[str, int], list[tuple[str, str, str]]]  # doc chunks read on the way


def _bucket_plan(
    account_id: str, segments: Sequence[Segment], words: Sequence[Word]
) -> dict[tuple[str, str], list[Word]]:
    plan: dict[tuple[str, str], list[Word]] = {}
    for segment in segments:
        key = segment_partition(account_id, segment.id)
        for word in words:
            for bucket in segment.buckets_for(word):
                plan.setdefault((key, f"b{bucket:05d}"), []).append(word)
    return plan


def lookup(account_id: str, snapshot: Snapshot, words: Iterable[Word]) -> Lookup:
    """One BatchGetItem (per 100 items): the buckets WORDS fall in, and the doc chunks that place the
    tombstones not yet compacted, so that they can be taken out."""
    segments = snapshot.manifest.segments
    wanted = list(dict.fromkeys(words))
    plan = _bucket_plan(account_id, segments, wanted)
    stones: dict[tuple[str, int], set[str]] = {}
    for key in snapshot.tombstones:
        for segment in segments:
            chunk = segment.chunk_of(key)
            if chunk is not None:
                stones.setdefault((segment.id, chunk), set()).add(key)
    chunk_keys = {(segment_partition(account_id, s), f"d{c:05d}"): (s, c) for s, c in stones}
    bodies = _batch_get([*plan, *chunk_keys])
    chunks = {pair: codec.unpack_docs(bodies[key]) for key, pair in chunk_keys.items() if key in bodies}
    removed: dict[str, set[int]] = {s.id: set(s.deleted) for s in segments}
    for (segment_id, chunk), docs in chunks.items():
        for i, (doc_key_, _, _) in enumerate(docs):
            if doc_key_ in stones[(segment_id, chunk)]:
                removed[segment_id].add(chunk * DOCS_PER_CHUNK + i)
    out: dict[str, dict[Word, dict[int, int]]] = {s.id: {w: {} for w in wanted} for s in segments}
    by_partition = {segment_partition(account_id, s.id): s.id for s in segments}
    for item_key, words_here in plan.items():
        body = bodies.get(item_key)
        if body is None:
            continue
        segment_id = by_partition[item_key[0]]
        for word, found in codec.bucket_postings(body, words_here).items():
            target = out[segment_id][word]
            for doc, mask in found.items():
                if doc not in removed[segment_id]:
                    target[doc] = target.get(doc, 0) | mask
    return Lookup(out, chunks)


def doc_chunks(
    account_id: str, wanted: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], list[tuple[str, str, str]]]:
    """{(segment id, chunk): [(doc key, email id, thread id)]}: one BatchGetItem per 100 chunks."""
    pairs = sorted(set(wanted))
    keys = [(segment_partition(account_id, s), f"d{c:05d}") for s, c in pairs]
    bodies = _batch_get(keys)
    return {
        pair: codec.unpack_docs(bodies[key]) for pair, key in zip(pairs, keys, strict=True) if key in bodies
    }


# --- segments -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    """A document of a segment: its sort key ({receivedAt}#{emailId}, newest first descending) and ids."""

    key: str
    email_id: str
    thread_id: str


def _write_segment(
    account_id: str, docs: Sequence[Doc], postings_: Mapping[str, list[tuple[int, int]]]
) -> Segment:
    """Write a segment's items (docs newest first, postings by their numbers) and describe it."""
    tables.bind()
    segment_id = new_id("S")
    bounds, bodies = codec.build_buckets(postings_)
    key = segment_partition(account_id, segment_id)
    firsts: list[str] = []
    with EmailIndexItem.batch_write() as batch:
        for i, body in enumerate(bodies):
            batch.save(EmailIndexItem(key=key, sort=f"b{i:05d}", packed=body))
        for c in range(0, len(docs), DOCS_PER_CHUNK):
            run = docs[c : c + DOCS_PER_CHUNK]
            firsts.append(run[0].key)
            packed = codec.pack_docs([(d.key, d.email_id, d.thread_id) for d in run])
            batch.save(EmailIndexItem(key=key, sort=f"d{c // DOCS_PER_CHUNK:05d}", packed=packed))
    return Segment(segment_id, len(docs), bounds, firsts)


def build_segment(account_id: str, docs: Iterable[TailDoc]) -> Segment | None:
    """A new segment of these documents (None when there are none)."""
    ordered = sorted(docs, key=lambda d: d.key, reverse=True)
    if not ordered:
        return None
    index: dict[str, list[tuple[int, int]]] = {}
    for number, doc in enumerate(ordered):
        for term, mask in doc.masks.items():
            index.setdefault(term, []).append((number, mask))
    return _write_segment(account_id, [Doc(d.key, d.email_id, d.thread_id) for d in ordered], index)


def _item_keys(account_id: str, segment_id: str, buckets: int, chunks: int) -> list[tuple[str, str]]:
    """The keys of a segment's posting buckets and doc chunks."""
    key = segment_partition(account_id, segment_id)
    return [(key, f"b{i:05d}") for i in range(buckets)] + [(key, f"d{i:05d}") for i in range(chunks)]


def _segment_keys(account_id: str, segment: Segment) -> list[tuple[str, str]]:
    return _item_keys(account_id, segment.id, len(segment.bounds), len(segment.firsts))


def _merge(account_id: str, sources: Sequence[Segment]) -> Segment:
    """One segment holding the live documents of SOURCES."""
    bodies = _batch_get([k for s in sources for k in _segment_keys(account_id, s)])
    docs: list[tuple[Doc, str, int]] = []  # (doc, source id, old number)
    for segment in sources:
        deleted = set(segment.deleted)
        key = segment_partition(account_id, segment.id)
        for c in range(len(segment.firsts)):
            for i, (k, e, t) in enumerate(codec.unpack_docs(bodies[(key, f"d{c:05d}")])):
                number = c * DOCS_PER_CHUNK + i
                if number not in deleted:
                    docs.append((Doc(k, e, t), segment.id, number))
    docs.sort(key=lambda d: d[0].key, reverse=True)
    renumber = {(sid, old): new for new, (_, sid, old) in enumerate(docs)}
    index: dict[str, list[tuple[int, int]]] = {}
    for segment in sources:
        key = segment_partition(account_id, segment.id)
        for b in range(len(segment.bounds)):
            for term, data, at in codec.read_bucket(bodies[(key, f"b{b:05d}")]):
                found, _ = codec.decode_postings(data, at)
                target = index.setdefault(term, [])
                for old, mask in found.items():
                    new = renumber.get((segment.id, old))
                    if new is not None:
                        target.append((new, mask))
    for term in list(index):
        if index[term]:
            index[term].sort()
        else:
            del index[term]
    return _write_segment(account_id, [d for d, _, _ in docs], index)


def _tier(docs: int) -> int:
    return int(math.log(max(docs, COMPACT_AT) / COMPACT_AT, FANOUT))


def _merge_plan(segments: Sequence[Segment]) -> list[Segment] | None:
    """Segments to merge now: FANOUT of one tier, or one with many deleted documents; None if none."""
    for segment in segments:
        if segment.deleted and len(segment.deleted) >= REWRITE_DELETED * segment.docs:
            return [segment]
    tiers: dict[int, list[Segment]] = {}
    for segment in segments:
        tiers.setdefault(_tier(segment.live()), []).append(segment)
    for tier in sorted(tiers):
        group = sorted(tiers[tier], key=lambda s: s.live())
        if len(group) >= FANOUT and sum(s.live() for s in group[:FANOUT]) <= MAX_SEGMENT_DOCS:
            return group[:FANOUT]
    return None


# --- compaction ---------------------------------------------------------------------------------------


def _locate(account_id: str, segments: Sequence[Segment], keys: Iterable[str]) -> dict[str, set[int]]:
    """{segment id: document numbers} of the doc KEYS found in SEGMENTS (one read per 100 chunks)."""
    wanted: dict[tuple[str, int], set[str]] = {}
    for key in keys:
        for segment in segments:
            chunk = segment.chunk_of(key)
            if chunk is not None:
                wanted.setdefault((segment.id, chunk), set()).add(key)
    found: dict[str, set[int]] = {}
    for (segment_id, chunk), docs in doc_chunks(account_id, wanted).items():
        for i, (key, _, _) in enumerate(docs):
            if key in wanted[(segment_id, chunk)]:
                found.setdefault(segment_id, set()).add(chunk * DOCS_PER_CHUNK + i)
    return found


def _delete_items(keys: Iterable[tuple[str, str]]) -> None:
    with EmailIndexItem.batch_write() as batch:
        for key, sort in keys:
            batch.delete(EmailIndexItem(key=key, sort=sort))


def _commit_manifest(account_id: str, manifest: Manifest, read_version: int) -> bool:
    item = EmailIndexItem(key=partition(account_id), sort=MANIFEST, version=read_version + 1,
                          packed=codec.pack_json(manifest.as_json()))  # fmt: skip
    condition = EmailIndexItem.version.does_not_exist() if read_version == 0 else (
        EmailIndexItem.version == read_version
    )  # fmt: skip
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def compact(account_id: str, *, at_least: int | None = None) -> bool:
    """Fold the tail and tombstones into the segments when there are AT_LEAST of them; True if done.

    Safe against concurrent compactions (the manifest's version decides; the loser removes what it
    wrote) and against crashes at any point (consumed items stay listed in the manifest until deleted).
    """
    tables.bind()
    snapshot = read(account_id)
    manifest = snapshot.manifest
    pending = set(manifest.pending)
    tombstones = sorted(k for k in snapshot.tombstones if TOMBSTONE + k not in pending)
    tail = [d for d in snapshot.tail if TAIL + d.key not in pending]
    if len(tail) + len(tombstones) < (COMPACT_AT if at_least is None else at_least):
        return False
    tombstones = tombstones[:MAX_CONSUMED]
    gone = set(tombstones)
    dead_tail = [d for d in tail if d.key in gone]
    live_tail = [d for d in tail if d.key not in gone][: max(0, MAX_CONSUMED - len(dead_tail))]
    old_segments = [Segment(s.id, s.docs, s.bounds, s.firsts, list(s.deleted)) for s in manifest.segments]
    for segment_id, numbers in _locate(account_id, old_segments, gone).items():
        for segment in old_segments:
            if segment.id == segment_id:
                segment.deleted = sorted(set(segment.deleted) | numbers)
    written: list[Segment] = []
    segments = list(old_segments)
    new = build_segment(account_id, live_tail)
    if new is not None:
        written.append(new)
        segments.append(new)
    retired = [r for r in manifest.retired if r[3] > time.time() - RETIRED_GRACE]
    expired = [r for r in manifest.retired if r[3] <= time.time() - RETIRED_GRACE]
    plan = _merge_plan(segments)
    if new is None and plan is None and not tombstones:
        return False  # nothing to fold in or merge (asked with at_least=0)
    if plan is not None:
        merged = _merge(account_id, plan)
        written.append(merged)
        ids = {s.id for s in plan}
        segments = [s for s in segments if s.id not in ids] + ([merged] if merged.docs else [])
        retired += [[s.id, len(s.bounds), len(s.firsts), time.time()] for s in plan if s is not new]
        if new is not None and new in plan:  # never referenced by a manifest: deleted after the commit
            expired.append([new.id, len(new.bounds), len(new.firsts), 0])
    consumed = [TOMBSTONE + k for k in tombstones] + [TAIL + d.key for d in (*dead_tail, *live_tail)]
    # Items the previous compaction consumed are in its segments already: delete them before we forget.
    _delete_items([(partition(account_id), k) for k in manifest.pending])
    result = Manifest(manifest.version, segments, retired, consumed)
    if not _commit_manifest(account_id, result, manifest.version):
        for segment in written:
            _delete_items(_segment_keys(account_id, segment))
        return False
    _delete_items([(partition(account_id), k) for k in consumed])
    for segment_id, buckets, chunks, _ in expired:
        _delete_items(_item_keys(account_id, segment_id, buckets, chunks))
    return True


def tier_sizes(count: int) -> list[int]:
    """How COUNT documents would sit in segments had they been compacted one by one: full tiers of
    COMPACT_AT * FANOUT**k documents (at most FANOUT - 1 of each below the largest), the rest in the tail."""
    sizes: list[int] = []
    top = COMPACT_AT
    while top * FANOUT <= MAX_SEGMENT_DOCS:
        top *= FANOUT
    size = top
    while size >= COMPACT_AT:
        while count >= size and (size == top or sizes.count(size) < FANOUT - 1):
            sizes.append(size)
            count -= size
        size //= FANOUT
    return sizes


def write_tail(account_id: str, docs: Iterable[TailDoc]) -> None:
    """Put documents into the tail outside a transaction (reindex: their Emails exist already)."""
    tables.bind()
    with EmailIndexItem.batch_write() as batch:
        for doc in docs:
            batch.save(_tail_item(account_id, doc))


def bulk_add(account_id: str, docs: Sequence[TailDoc]) -> None:
    """Index DOCS (oldest first) straight into segments shaped as compaction would leave them, the rest
    into the tail (bench loading and reindex; every Email must already be committed)."""
    tables.bind()
    written: list[Segment] = []
    at = 0
    for size in tier_sizes(len(docs)):
        segment = build_segment(account_id, docs[at : at + size])
        if segment is not None:
            written.append(segment)
        at += size
    write_tail(account_id, docs[at:])
    if not written:
        return
    for _ in range(16):
        manifest = read(account_id).manifest
        grown = Manifest(manifest.version, manifest.segments + written, manifest.retired, manifest.pending)
        if _commit_manifest(account_id, grown, manifest.version):
            return
    raise RuntimeError(f"the full-text manifest of {account_id} keeps changing")


def maybe_compact(account_id: str, email_state: int) -> None:
    """After a commit: compact when the Email state is a multiple of COMPACT_EVERY (failures logged)."""
    if email_state <= 0 or email_state % COMPACT_EVERY:
        return
    try:
        compact(account_id)
    except Exception:
        logger.exception("full-text compaction of %s failed; the next trigger retries", account_id)


def reset(account_id: str) -> None:
    """Forget the whole index of an account (reindex starts here): segments retired, tail deleted."""
    tables.bind()
    for _ in range(8):
        snapshot = read(account_id)
        manifest = snapshot.manifest
        retired = list(manifest.retired) + [
            [s.id, len(s.bounds), len(s.firsts), time.time()] for s in manifest.segments
        ]
        keys = [TAIL + d.key for d in snapshot.tail] + [TOMBSTONE + k for k in snapshot.tombstones]
        if _commit_manifest(account_id, Manifest(manifest.version, [], retired, []), manifest.version):
            _delete_items([(partition(account_id), k) for k in keys])
            return
    raise RuntimeError(f"the full-text manifest of {account_id} keeps changing")


def partitions(account_id: str) -> Iterator[str]:
    """Every partition of the account's index, segments first (account deletion)."""
    snapshot = read(account_id)
    for segment in snapshot.manifest.segments:
        yield segment_partition(account_id, segment.id)
    for retired in snapshot.manifest.retired:
        yield segment_partition(account_id, str(retired[0]))
    yield partition(account_id)
