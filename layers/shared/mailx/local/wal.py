"""The write-ahead log that makes moto's in-memory state survive restarts of the local runtime.

Each line is one successful mutating request in moto's recorder format (method, url, headers, body,
body_encoded), so the log stays readable by moto's own `replay_recording` too. Reads never enter the
log, so it grows only with writes.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs

logger = logging.getLogger("mailx.local.wal")

# DynamoDB and SQS name their action in X-Amz-Target ("DynamoDB_20120810.GetItem"); these read only.
_READ_PREFIXES = ("Get", "BatchGet", "Query", "Scan", "Describe", "List", "TransactGet")
# SQS message traffic is not replayable (receipt handles are random per run), so it is not kept:
# replaying sends without their deletes would resurrect every message ever sent.
_SQS_MESSAGE_ACTIONS = frozenset(
    {
        "SendMessage",
        "SendMessageBatch",
        "ReceiveMessage",
        "DeleteMessage",
        "DeleteMessageBatch",
        "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch",
        "PurgeQueue",
    }
)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Hop-by-hop or recomputed on replay; everything else (Authorization included: moto routes on its
# credential scope) is replayed as sent. The local runtime only ever uses dummy credentials.
_DROPPED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "expect"})


def action_of(headers: Mapping[str, str], body: bytes) -> str | None:
    """The API action of a JSON-protocol (X-Amz-Target) or query-protocol (Action=) request."""
    target = headers.get("X-Amz-Target") or headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    content_type = headers.get("Content-Type") or headers.get("content-type") or ""
    if content_type.startswith("application/x-www-form-urlencoded") and body:
        values = parse_qs(body.decode("latin-1")).get("Action")
        return values[0] if values else None
    return None


def is_mutating(method: str, path: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether a request changes moto's state in a way a replay must repeat."""
    if path.startswith("/moto-api"):
        return False
    action = action_of(headers, body)
    if action is not None:
        return not action.startswith(_READ_PREFIXES) and action not in _SQS_MESSAGE_ACTIONS
    return method.upper() not in _READ_METHODS  # S3 (REST): GET/HEAD, presigned GETs included, read


class WalCorrupt(ValueError):
    """A complete line of the log cannot be read: replaying past it would rebuild the wrong state."""


@dataclass(frozen=True)
class Entry:
    """One recorded request."""

    method: str
    target: str  # the request target exactly as received: percent-encoded path and query
    headers: dict[str, str]
    body: bytes
    upload_id: str = ""  # S3 CreateMultipartUpload: the id moto answered, re-mapped on replay

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "method": self.method,
            "url": self.target,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode("ascii"),
            "body_encoded": True,
        }
        if self.upload_id:
            data["mailx_upload_id"] = self.upload_id
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> Entry:
        data: dict[str, Any] = json.loads(line)
        raw = data.get("body") or ""
        body = base64.b64decode(raw) if data.get("body_encoded") else str(raw).encode("utf-8")
        return cls(
            str(data["method"]),
            str(data["url"]),
            dict(data.get("headers") or {}),
            body,
            str(data.get("mailx_upload_id") or ""),
        )


def keep_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers worth replaying."""
    return {k: v for k, v in headers.items() if k.lower() not in _DROPPED_HEADERS}


class WalWriter:
    """Appends entries under a lock; each line is flushed so a crash loses at most the line in flight."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._handle: IO[str] | None = None
        self.written = 0

    def size(self) -> int:
        """Bytes in the log (flushed): where a snapshot taken now ends."""
        with self._lock:
            if self._handle is not None:
                self._handle.flush()
        return self.path.stat().st_size if self.path.exists() else 0

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _drop_torn_tail(self.path)
        self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open until close()

    def append(self, entry: Entry) -> None:
        with self._lock:
            if self._handle is None:
                return
            self._handle.write(entry.to_json() + "\n")
            self._handle.flush()
            self.written += 1

    def close(self) -> None:
        """Flush to disk and stop recording."""
        with self._lock:
            if self._handle is not None:
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._handle.close()
                self._handle = None


def _drop_torn_tail(path: Path) -> None:
    """Cut a half-written last line (a crash mid-append) so new entries start on a line of their own."""
    if not path.exists():
        return
    with open(path, "r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        cut = size
        while cut > 0:  # back to the last complete line, a chunk at a time (the log may be large)
            step = min(cut, 1 << 16)
            handle.seek(cut - step)
            found = handle.read(step).rfind(b"\n")
            if found >= 0:
                cut = cut - step + found + 1
                break
            cut -= step
        logger.warning("dropping a torn last entry (%d bytes) from %s", size - cut, path)
        handle.truncate(cut)


def read_entries(path: Path, start: int = 0, position: list[int] | None = None) -> Iterator[Entry]:
    """Every complete entry in the log from byte START (a line boundary), oldest first; a torn last line
    is skipped. POSITION, if given, holds the byte offset after the entry last yielded (for progress)."""
    if not path.exists():
        return
    with open(path, "rb") as raw:
        raw.seek(start)
        offset = start
        for number, data in enumerate(raw, start=1):
            offset += len(data)
            if position is not None:
                position[:] = [offset]
            line = data.decode("utf-8")
            if not line.endswith("\n"):
                logger.warning("skipping a torn entry at line %d (after byte %d) of %s", number, start, path)
                return
            if not line.strip():
                continue
            try:
                entry = Entry.from_json(line)
            except (ValueError, KeyError, TypeError) as exc:
                raise WalCorrupt(f"{path}, line {number} after byte {start}: {exc}") from None
            yield entry
