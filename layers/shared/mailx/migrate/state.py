"""The importer's local state file: which messages are uploaded and which are imported.

One JSON object per line, appended and flushed to disk before the step it records is relied on:
`{"k": key, "b": blobId}` after an upload, `{"k": key, "e": emailId, "r": ref}` after Email/import.
On a re-run, an imported key is skipped; an uploaded one is imported again *with the same blobId*,
which the server answers with `alreadyExists` if the first attempt got through (Email/import is
idempotent per blob, docs/email-import.md) — so a kill at any moment imports each message once.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

STATE_ENV = "XDG_STATE_HOME"


def default_path(url: str, account: str, source: str) -> Path:
    """~/.local/state/mailx/import-<digest>.jsonl: one file per (service, account, source)."""
    base = Path(os.environ.get(STATE_ENV) or Path.home() / ".local" / "state") / "mailx"
    digest = hashlib.sha256(f"{url}\0{account}\0{source}".encode()).hexdigest()[:16]
    return base / f"import-{digest}.jsonl"


class State:
    """What earlier runs (and this one) did; safe to call from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.uploaded: dict[str, str] = {}
        self.imported: dict[str, str] = {}
        self.refs: set[str] = set()
        self._lock = threading.Lock()
        if path.exists():
            self._load()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def _load(self) -> None:
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    item: dict[str, Any] = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a kill: that step is simply done again
                key = item.get("k")
                if not isinstance(key, str):
                    continue
                if isinstance(item.get("e"), str):
                    self.imported[key] = item["e"]
                    if isinstance(item.get("r"), str):
                        self.refs.add(item["r"])
                elif isinstance(item.get("b"), str):
                    self.uploaded[key] = item["b"]

    def _append(self, items: list[dict[str, str]]) -> None:
        with self._lock:
            self._file.write("".join(json.dumps(i, separators=(",", ":")) + "\n" for i in items))
            self._file.flush()
            os.fsync(self._file.fileno())

    def record_uploads(self, pairs: list[tuple[str, str]]) -> None:
        self._append([{"k": k, "b": b} for k, b in pairs])
        with self._lock:
            self.uploaded.update(pairs)

    def record_imports(self, triples: list[tuple[str, str, str]]) -> None:
        self._append([{"k": k, "e": e, "r": r} for k, e, r in triples])
        with self._lock:
            for key, email_id, ref in triples:
                self.imported[key] = email_id
                self.refs.add(ref)

    def close(self) -> None:
        self._file.close()
