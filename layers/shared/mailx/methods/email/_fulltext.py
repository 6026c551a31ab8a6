"""RFC 8621 §4.4 Email/query answered from the full-text index (docs/search.md "Full-text index").

A filter is answered here when its text conditions (text, body, subject, from, to, cc, bcc) bound the
results: every match must satisfy some text condition that is not under NOT (a condition, an AND with
one, an OR of such). The index gives the candidate documents — the intersection of the postings of each
condition's words in the fields it names — and, for every candidate, whether each text condition's
words are present. The Email items of the candidates (read by key, newest first, only as many as the
page needs) settle the rest: mailbox, keyword, date and size conditions, destroyed Emails, and quoted
phrases (checked against the stored search text). A filter of text conditions without phrases is
decided by the index alone, so its total is counted without reading any Email.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailx.methods.email._filters import TEXT_MASKS, THREAD_CONDITIONS, Matcher, conditions
from mailx.protocol.query_filter import Filter, FilterOperator, evaluate
from mailx.search.codec import Word
from mailx.search.fields import message_fields
from mailx.search.query import TextQuery, phrases_match, word_mask
from mailx.store import email_index, emails, fulltext
from mailx.store.emails import EmailRecord
from mailx.store.fulltext import Doc

DocId = tuple[str, int]  # (segment id, document number); tail documents use segment id ""
_SUMMARY_NAMES = frozenset({"hasAttachment", "header"})


def _texts(filter_: Filter | None) -> Iterator[tuple[str, TextQuery]]:
    for condition in conditions(filter_):
        for name, value in condition.items():
            if name in TEXT_MASKS and isinstance(value, TextQuery):
                yield name, value


def _bounded(filter_: Filter | None) -> bool:
    """Whether every match must satisfy a (non-negated, non-empty) text condition."""
    if filter_ is None:
        return False
    if isinstance(filter_, FilterOperator):
        kids = [_bounded(c) for c in filter_.conditions]
        if filter_.operator == "AND":
            return any(kids)
        return filter_.operator == "OR" and bool(kids) and all(kids)
    return any(name in TEXT_MASKS and not value.empty for name, value in filter_.items())


def answers(filter_: Filter | None) -> bool:
    """Whether the index answers this filter (text-bounded, and no thread-keyword condition)."""
    names = {name for condition in conditions(filter_) for name in condition}
    return _bounded(filter_) and not names & THREAD_CONDITIONS


class Search:
    """One query's reading of the index: the postings of its words, candidates, resolved documents."""

    def __init__(self, account_id: str, filter_: Filter | None) -> None:
        self.account_id = account_id
        self.filter = filter_
        self.queries = list(_texts(filter_))
        words = sorted({w for _, q in self.queries for w in q.words()})
        snapshot = fulltext.read(account_id)
        found = fulltext.lookup(account_id, snapshot, words)
        self.postings: dict[Word, dict[DocId, int]] = {w: {} for w in words}
        for segment_id, by_word in found.postings.items():
            for word, docs in by_word.items():
                target = self.postings[word]
                for number, mask in docs.items():
                    target[(segment_id, number)] = mask
        self.docs: dict[DocId, Doc] = {}
        for i, tail in enumerate(snapshot.live_tail()):
            self.docs[("", i)] = Doc(tail.key, tail.email_id, tail.thread_id)
            for word in words:
                mask = word_mask(tail.masks, word)
                if mask:
                    self.postings[word][("", i)] = mask
        self.chunks_read = set(found.chunks)
        for (segment_id, chunk), run in found.chunks.items():
            self._add_chunk(segment_id, chunk, run)
        self.phrases = any(q.phrases for _, q in self.queries)
        names = {name for condition in conditions(filter_) for name in condition}
        self.index_decides = not self.phrases and names <= set(TEXT_MASKS)
        self.summary = bool(names & _SUMMARY_NAMES) or self.phrases
        self.verified: dict[DocId, EmailRecord | None] = {}  # candidates read: the Email if it matches

    def _add_chunk(self, segment_id: str, chunk: int, run: Sequence[tuple[str, str, str]]) -> None:
        for i, (key, email_id, thread_id) in enumerate(run):
            self.docs[(segment_id, chunk * fulltext.DOCS_PER_CHUNK + i)] = Doc(key, email_id, thread_id)

    def _word_docs(self, name: str, query: TextQuery) -> set[DocId] | None:
        mask = TEXT_MASKS[name]
        out: set[DocId] | None = None
        for word in query.words():
            here = {d for d, m in self.postings[word].items() if m & mask}
            out = here if out is None else out & here
        return out

    def candidates(self, node: Filter | None = None, top: bool = True) -> set[DocId] | None:
        """A superset of the matches (None: unbounded) from the postings."""
        node = self.filter if top else node
        if node is None:
            return None
        if isinstance(node, FilterOperator):
            kids = [self.candidates(c, top=False) for c in node.conditions]
            if node.operator == "AND":
                finite = [k for k in kids if k is not None]
                return set.intersection(*finite) if finite else None
            if node.operator == "OR" and kids and all(k is not None for k in kids):
                return set().union(*[k for k in kids if k is not None])
            return None
        sets = [self._word_docs(n, v) for n, v in node.items() if n in TEXT_MASKS and not v.empty]
        finite = [s for s in sets if s is not None]
        return set.intersection(*finite) if finite else None

    def words_hold(self, doc: DocId, name: str, query: TextQuery) -> bool:
        mask = TEXT_MASKS[name]
        return all(self.postings[w].get(doc, 0) & mask for w in query.words())

    def decided(self, doc: DocId) -> bool:
        """The filter on DOC from the index alone (only when index_decides)."""

        def one(condition: Mapping[str, Any]) -> bool:
            return all(self.words_hold(doc, n, v) for n, v in condition.items())

        return evaluate(self.filter, one)

    def holds(self, doc: DocId, record: EmailRecord, stored: Mapping[str, str] | None) -> bool:
        """The whole filter on one candidate, its Email record and (for phrases) its search text."""
        matcher = Matcher()

        def one_text(name: str, query: TextQuery) -> bool:
            if not self.words_hold(doc, name, query):
                return False
            if not query.phrases:
                return True
            fields = message_fields(record.summary, stored or {})
            return phrases_match(query, fields, TEXT_MASKS[name])

        def one(condition: Mapping[str, Any]) -> bool:
            return all(
                one_text(n, v) if n in TEXT_MASKS else matcher.one(record, n, v) for n, v in condition.items()
            )

        return evaluate(self.filter, one)

    def resolve(self, docs: Sequence[DocId]) -> None:
        """Read the doc chunks (one BatchGetItem per 100) that name these documents."""
        wanted = {(s, n // fulltext.DOCS_PER_CHUNK) for s, n in docs if s and (s, n) not in self.docs}
        wanted -= self.chunks_read
        if not wanted:
            return
        for (segment_id, chunk), run in fulltext.doc_chunks(self.account_id, wanted).items():
            self._add_chunk(segment_id, chunk, run)
        self.chunks_read |= wanted

    def verify(self, batch: Sequence[DocId]) -> list[tuple[DocId, EmailRecord]]:
        """The candidates of BATCH whose Email exists and matches, in BATCH's order (each candidate's
        Email is read once per query: a page and then its total do not read it twice)."""
        unread = [d for d in batch if d not in self.verified]
        if unread:
            ids = [self.docs[d].email_id for d in unread]
            records = emails.get_many(self.account_id, ids, with_summary=self.summary)
            stored: dict[str, dict[str, str]] = {}
            if self.phrases:
                stored = email_index.texts(self.account_id, [r.blob_id for r in records.values()])
            for doc in unread:
                record = records.get(self.docs[doc].email_id)
                matched = record is not None and self.holds(doc, record, stored.get(record.blob_id))
                self.verified[doc] = record if matched else None
        return [(d, r) for d in batch if (r := self.verified[d]) is not None]


def _ordered(search: Search, candidates: set[DocId], per_segment: int) -> tuple[list[DocId], bool]:
    """Candidates newest first as far as the order is certain after resolving PER_SEGMENT of each
    segment's (their numbers are already newest first); and whether that is all of them."""
    by_segment: dict[str, list[int]] = {}
    for segment_id, number in candidates:
        by_segment.setdefault(segment_id, []).append(number)
    chosen: list[DocId] = []
    lasts: list[DocId] = []  # the last resolved document of each segment with more left
    for segment_id, numbers in by_segment.items():
        numbers.sort()
        head = [(segment_id, n) for n in (numbers if not segment_id else numbers[:per_segment])]
        chosen += head
        if segment_id and len(numbers) > per_segment:
            lasts.append(head[-1])
    search.resolve(chosen)  # one BatchGetItem of every doc chunk needed
    floor = max((search.docs[d].key for d in lasts if d in search.docs), default="")
    complete = not lasts
    known = [d for d in chosen if d in search.docs]
    ordered = sorted(known, key=lambda d: search.docs[d].key, reverse=True)
    return [d for d in ordered if search.docs[d].key >= floor], complete


@dataclass(frozen=True)
class Page:
    ids: list[str]
    total: int | None  # None when not asked for


def page(account_id: str, filter_: Filter | None, position: int, limit: int, *, collapse: bool,
         total: bool) -> Page:  # fmt: skip
    """The ids at [position, position+limit) newest first, reading about a page of candidates."""
    search = Search(account_id, filter_)
    candidates = search.candidates() or set()
    if search.index_decides:
        candidates = {d for d in candidates if search.decided(d)}
    want = position + limit
    per_segment = max(want, 1)
    results: list[str] = []
    seen_ids: set[str] = set()
    threads: set[str] = set()
    done: set[DocId] = set()
    while len(results) < want:  # limit 0 reads no Email
        ordered, complete = _ordered(search, candidates, per_segment)
        fresh = [d for d in ordered if d not in done]
        for start in range(0, len(fresh), 100):
            batch = fresh[start : start + 100]
            done.update(batch)
            for _, record in search.verify(batch):
                if record.email_id in seen_ids or (collapse and record.thread_id in threads):
                    continue
                seen_ids.add(record.email_id)
                threads.add(record.thread_id)
                results.append(record.email_id)
            if len(results) >= want:
                break
        if complete:
            break
        per_segment *= 4
    count: int | None = None
    if total:
        count = _count(search, candidates, collapse)
    return Page(results[position:want], count)


def _count(search: Search, candidates: set[DocId], collapse: bool) -> int:
    """calculateTotal: from the index when it decides the filter (thread ids from the doc chunks when
    collapsing), else by reading every candidate's Email (cost grows with the text matches)."""
    if search.index_decides:
        if not collapse:
            return len(candidates)
        search.resolve(sorted(candidates))
        return len({search.docs[d].thread_id for d in candidates if d in search.docs})
    matched = all_matches(search, candidates)
    return len({r.thread_id for r in matched}) if collapse else len(matched)


def all_matches(search: Search, candidates: set[DocId] | None = None) -> list[EmailRecord]:
    """Every matching Email, newest first (for other sorts, anchors, totals and queryChanges)."""
    pool = sorted(candidates if candidates is not None else search.candidates() or set())
    search.resolve(pool)
    ordered = sorted((d for d in pool if d in search.docs), key=lambda d: search.docs[d].key, reverse=True)
    out: list[EmailRecord] = []
    seen: set[str] = set()
    for start in range(0, len(ordered), 100):
        for _, record in search.verify(ordered[start : start + 100]):
            if record.email_id not in seen:
                seen.add(record.email_id)
                out.append(record)
    return out


def matches(account_id: str, filter_: Filter | None, *, summary: bool) -> list[EmailRecord]:
    """Every Email matching FILTER_ (which answers() accepted), newest first."""
    search = Search(account_id, filter_)
    search.summary = search.summary or summary
    return all_matches(search)
