"""What a source yields: folders (a path of names and maybe a role) and messages with their octets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

Path = tuple[str, ...]

# Roles of RFC 8621 §2 (RFC 6154 special-use) the importer maps; others are ignored.
ROLES = frozenset({"inbox", "drafts", "sent", "trash", "junk", "archive", "all", "flagged", "important"})
# The keyword a source uses for "marked for deletion": no JMAP keyword exists (RFC 8621 §4.1.1), so
# such messages are filed in the Trash mailbox instead of their folder (docs/migrate.md).
DELETED = "\\deleted"


@dataclass(frozen=True)
class Folder:
    """A source mailbox: its names from the top (("Work", "2024")) and its role, if the source says."""

    path: Path
    role: str | None = None


@dataclass
class Message:
    """One source message. `folders` are where it is filed (several for Takeout labels or a JMAP Email)."""

    raw: bytes
    folders: tuple[Folder, ...]
    keywords: frozenset[str] = frozenset()
    received_at: datetime | None = None
    ref: str = ""  # where it came from, for reports: "file:offset", "folder/uid", an Email id
    key: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.key = message_key(self.raw, self.folders)


def message_key(raw: bytes, folders: tuple[Folder, ...]) -> str:
    """The import's identity of a message: a digest of its octets and the source folders it is in."""
    digest = hashlib.sha256()
    for name in sorted("/".join(f.path) for f in folders):
        digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(b"\1")
    digest.update(raw)
    return digest.hexdigest()[:40]


@dataclass(frozen=True)
class Failure:
    """A message that could not be read or imported, and why."""

    ref: str
    folder: str
    error: str


class Source(Protocol):
    """Anything the importer can read from."""

    description: str

    def folders(self) -> list[Folder]:
        """Every folder, parents before children (empty folders too)."""
        ...

    def estimate(self) -> tuple[int | None, int | None]:
        """(messages, octets) if cheaply known, for the progress bar."""
        ...

    def messages(self, done_refs: frozenset[str]) -> Iterator[Message | Failure]:
        """The messages; a source that can tell a message's ref before fetching skips those in done_refs."""
        ...


def utc(moment: datetime | None) -> str | None:
    """RFC 3339 UTCDate in whole seconds, as the service stores it."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
