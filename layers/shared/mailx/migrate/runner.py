"""The import: read the source, upload in parallel, Email/import in batches, record each step.

The main thread reads the source and files each message (mailboxes created as needed); uploads run in
`maxConcurrentUpload` threads; each full batch becomes one Email/import call in an import thread
(one by default: an account's ingests serialise on its state item), so reading, uploading and
importing overlap and the service's ingest is what sets the pace.

Where the server has Blob/upload (RFC 9404), a batch's messages go up together in one Blob/upload
request rather than one upload request each: a request and a sign-in per batch instead of per message
is most of the cost of uploading small messages. Messages too big for one request use `uploadUrl`.
Either way the blobIds are recorded before Email/import, so a retried import stays idempotent.
A message that fails is recorded and the run goes on; nothing already imported is touched.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mailx.migrate.jmap import Client, JmapError, inline_cost
from mailx.migrate.model import DELETED, Failure, Message, Source, utc
from mailx.migrate.progress import Progress
from mailx.migrate.state import State
from mailx.migrate.target import Mailboxes, Outcome, import_batch


@dataclass
class Summary:
    """Counts of one run, for the final lines and the report file."""

    imported: int = 0
    duplicates: int = 0
    failures: list[Failure] = field(default_factory=list)
    per_mailbox: Counter[str] = field(default_factory=Counter)
    octets: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skippedDuplicates": self.duplicates,
            "failed": len(self.failures),
            "failures": [{"ref": f.ref, "folder": f.folder, "error": f.error} for f in self.failures],
            "perMailbox": dict(sorted(self.per_mailbox.items())),
            "octets": self.octets,
            "seconds": round(self.seconds, 3),
        }

    def text(self) -> str:
        rate = self.imported / self.seconds if self.seconds else 0.0
        lines = [
            f"imported {self.imported}, skipped {self.duplicates} already imported, "
            f"failed {len(self.failures)} ({self.octets:,} octets in {self.seconds:.1f} s, {rate:.1f} msg/s)"
        ]
        lines += [f"  {name}: {count}" for name, count in sorted(self.per_mailbox.items())]
        if self.failures:
            lines.append("failures:")
            lines += [f"  {f.ref} ({f.folder}): {f.error}" for f in self.failures]
        return "\n".join(lines)


@dataclass
class _Pending:
    message: Message
    mailbox_ids: list[str]
    keywords: list[str]
    upload: Future[str]
    reused: bool  # the blobId came from the state file (an earlier run uploaded it)


@dataclass
class _UploadGroup:
    """Messages waiting to go up together in one Blob/upload request, with the futures of their blobIds."""

    raws: list[bytes] = field(default_factory=list)
    futures: list[Future[str]] = field(default_factory=list)
    cost: int = 0


@dataclass
class Options:
    batch_size: int = 50
    batch_octets: int = 16_000_000
    import_threads: int = 1
    upload_threads: int | None = None


class Importer:
    """One run of one source into one account."""

    def __init__(self, client: Client, mailboxes: Mailboxes, state: State, options: Options | None = None):
        self.client = client
        self.mailboxes = mailboxes
        self.state = state
        self.options = options or Options()
        self.summary = Summary()
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._group = _UploadGroup()

    def _fail(self, ref: str, folder: str, error: str, progress: Progress, octets: int = 0) -> None:
        with self._lock:
            self.summary.failures.append(Failure(ref, folder, error))
        progress.advance(1, octets)

    def run(self, source: Source, progress: Progress) -> Summary:
        began = time.monotonic()
        count, octets = source.estimate()
        progress.start(count, octets)
        for folder in source.folders():
            try:
                self.mailboxes.resolve(folder)  # empty folders are mirrored too
            except JmapError as exc:
                self._fail("/".join(folder.path), "/".join(folder.path), str(exc), progress, 0)
        uploads = ThreadPoolExecutor(self.options.upload_threads or self.client.max_concurrent_upload)
        imports = ThreadPoolExecutor(self.options.import_threads)
        in_flight = threading.BoundedSemaphore(self.options.import_threads + 2)
        batches: list[Future[None]] = []
        batch: list[_Pending] = []
        size = 0
        try:
            for item in source.messages(frozenset(self.state.refs)):
                pending = self._prepare(item, uploads, progress)
                if pending is None:
                    continue
                batch.append(pending)
                size += len(pending.message.raw)
                if len(batch) >= self._batch_size() or size >= self.options.batch_octets:
                    self._send_group(uploads)
                    in_flight.acquire()
                    batches.append(imports.submit(self._import, batch, progress, in_flight))
                    batch, size = [], 0
            if batch:
                self._send_group(uploads)
                in_flight.acquire()
                batches.append(imports.submit(self._import, batch, progress, in_flight))
            for done in batches:
                done.result()
        finally:
            uploads.shutdown(wait=True)
            imports.shutdown(wait=True)
        self.summary.seconds = time.monotonic() - began
        return self.summary

    def _batch_size(self) -> int:
        return min(self.options.batch_size, self.client.max_objects_in_set)

    def _prepare(
        self, item: Message | Failure, uploads: ThreadPoolExecutor, progress: Progress
    ) -> _Pending | None:
        """Skip what is done, file the message, start its upload; None when nothing more is to be done."""
        if isinstance(item, Failure):
            self._fail(item.ref, item.folder, item.error, progress)
            return None
        where = ", ".join("/".join(f.path) for f in item.folders)
        if item.key in self.state.imported or item.key in self._seen:
            with self._lock:
                self.summary.duplicates += 1
            progress.advance(1, len(item.raw))
            return None
        self._seen.add(item.key)
        if len(item.raw) > self.client.max_upload:
            limit = f"{self.client.max_upload:,}"
            self._fail(
                item.ref,
                where,
                f"{len(item.raw):,} octets: over the server's upload limit ({limit})",
                progress,
            )
            return None
        try:
            if DELETED in item.keywords:
                mailbox_ids = [self.mailboxes.trash()]
            else:
                mailbox_ids = list(dict.fromkeys(self.mailboxes.resolve(f) for f in item.folders))
        except JmapError as exc:
            self._fail(item.ref, where, str(exc), progress)
            return None
        words = sorted(item.keywords - {DELETED})
        known = self.state.uploaded.get(item.key)
        upload: Future[str]
        if known:
            upload = Future()
            upload.set_result(known)
        elif self.client.fits_inline(len(item.raw)):
            upload = self._join_group(item.raw, uploads)
        else:
            upload = uploads.submit(self.client.upload, item.raw)
        return _Pending(item, mailbox_ids, words, upload, bool(known))

    def _join_group(self, raw: bytes, uploads: ThreadPoolExecutor) -> Future[str]:
        """Add RAW to the Blob/upload request being gathered (sending the full one first)."""
        cost = inline_cost(len(raw))
        if self._group.raws and self._group.cost + cost > self.client.inline_budget():
            self._send_group(uploads)
        upload: Future[str] = Future()
        self._group.raws.append(raw)
        self._group.futures.append(upload)
        self._group.cost += cost
        return upload

    def _send_group(self, uploads: ThreadPoolExecutor) -> None:
        """Start the gathered Blob/upload; called before a batch that may wait on it is imported."""
        group, self._group = self._group, _UploadGroup()
        if group.raws:
            uploads.submit(self._upload_group, group)

    def _upload_group(self, group: _UploadGroup) -> None:
        """One Blob/upload for the group; if the request fails as a whole, each blob goes to uploadUrl.

        Every future is settled whatever happens: the import thread waits on them.
        """
        try:
            answers = self._group_answers(group)
        except Exception as exc:  # a bug must fail these messages, not hang the run
            answers = [JmapError(f"upload failed: {exc}")] * len(group.raws)
        for future, answer in zip(group.futures, answers, strict=True):
            if isinstance(answer, JmapError):
                future.set_exception(answer)
            else:
                future.set_result(answer)

    def _group_answers(self, group: _UploadGroup) -> list[str | JmapError]:
        try:
            return self.client.upload_many(group.raws)
        except JmapError:
            answers: list[str | JmapError] = []
            for raw in group.raws:
                try:
                    answers.append(self.client.upload(raw))
                except JmapError as exc:
                    answers.append(exc)
            return answers

    def _import(
        self, batch: list[_Pending], progress: Progress, in_flight: threading.BoundedSemaphore
    ) -> None:
        try:
            self._import_batch(batch, progress)
        except Exception as exc:  # a bug or an outage must not lose the rest of the run
            for pending in batch:
                self._fail(pending.message.ref, self._where(pending), f"import failed: {exc}", progress)
        finally:
            in_flight.release()

    @staticmethod
    def _where(pending: _Pending) -> str:
        return ", ".join("/".join(f.path) for f in pending.message.folders)

    def _import_batch(self, batch: list[_Pending], progress: Progress) -> None:
        ready: list[tuple[_Pending, str]] = []
        for pending in batch:
            try:
                ready.append((pending, pending.upload.result()))
            except JmapError as exc:
                self._fail(pending.message.ref, self._where(pending), f"upload failed: {exc}", progress)
        fresh = [(p.message.key, blob) for p, blob in ready if not p.reused]
        if fresh:
            self.state.record_uploads(fresh)
        outcomes = self._call(ready)
        retry = [(p, o) for (p, _), o in zip(ready, outcomes, strict=True) if o.missing_blob and p.reused]
        if retry:  # the upload of an earlier run expired before it was imported: upload once more
            again = [(p, self.client.upload(p.message.raw)) for p, _ in retry]
            self.state.record_uploads([(p.message.key, blob) for p, blob in again])
            redone = dict(zip([id(p) for p, _ in again], self._call(again), strict=True))
            outcomes = [redone.get(id(p), o) for (p, _), o in zip(ready, outcomes, strict=True)]
        done: list[tuple[str, str, str]] = []
        for (pending, _), outcome in zip(ready, outcomes, strict=True):
            message = pending.message
            if outcome.email_id is None:
                self._fail(
                    message.ref,
                    self._where(pending),
                    outcome.error or "not imported",
                    progress,
                    len(message.raw),
                )
                continue
            done.append((message.key, outcome.email_id, message.ref))
            with self._lock:
                if outcome.duplicate:  # an earlier, interrupted run got it in: counted once, there
                    self.summary.duplicates += 1
                    progress.advance(1, len(message.raw))
                    continue
                self.summary.imported += 1
                self.summary.octets += len(message.raw)
                for mailbox_id in pending.mailbox_ids:
                    self.summary.per_mailbox[
                        "/".join(self.mailboxes.names.get(mailbox_id, (mailbox_id,)))
                    ] += 1
            progress.advance(1, len(message.raw))
        if done:
            self.state.record_imports(done)

    def _call(self, ready: list[tuple[_Pending, str]]) -> list[Outcome]:
        items = []
        for pending, blob_id in ready:
            item: dict[str, Any] = {
                "blobId": blob_id,
                "mailboxIds": {m: True for m in pending.mailbox_ids},
                "keywords": {k: True for k in pending.keywords},
            }
            received = utc(pending.message.received_at)
            if received:
                item["receivedAt"] = received
            items.append(item)
        if not items:
            return []
        for attempt in range(3):
            try:
                return import_batch(self.client, items)
            except JmapError:
                if attempt == 2:
                    raise
                time.sleep(1.0 + attempt)
        raise AssertionError("unreachable")
