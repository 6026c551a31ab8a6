"""Maildir trees: reading (Maildir++ `.Folder.Sub` folders and nested `fs` layouts, `:2,` flags) and writing.

The root's cur/ and new/ are the Inbox. A Maildir++ folder name is split on `.`; a `.` or `/` inside one
name is written `%2E` / `%2F` (and `%` as `%25`) by our export and read back so. Custom keywords use
Dovecot's `dovecot-keywords` file (letters a-z). receivedAt is the file's mtime (Dovecot keeps the
IMAP INTERNALDATE there, and our export sets it), else the Date field.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from mailx.migrate import headers, keywords
from mailx.migrate.model import Failure, Folder, Message
from mailx.migrate.roles import role_for_name

KEYWORDS_FILE = "dovecot-keywords"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def decode_name(name: str) -> str:
    return name.replace("%2E", ".").replace("%2F", "/").replace("%25", "%")


def encode_name(name: str) -> str:
    return name.replace("%", "%25").replace(".", "%2E").replace("/", "%2F")


def _custom_keywords(folder: Path) -> dict[str, str]:
    """Dovecot's `N keyword` lines: letter a is keyword 0."""
    try:
        text = (folder / KEYWORDS_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return {}
    found = {}
    for line in text.splitlines():
        index, _, word = line.partition(" ")
        if index.isdigit() and int(index) < len(_LETTERS) and word.strip():
            found[_LETTERS[int(index)]] = word.strip()
    return found


def _folder(path: tuple[str, ...]) -> Folder:
    if not path:
        return Folder(("Inbox",), "inbox")
    return Folder(path, role_for_name(path[0]) if len(path) == 1 else None)


def _tree(root: Path) -> list[tuple[Folder, Path]]:
    """(folder, directory) for the root and every Maildir++ or nested folder, parents first."""
    found: list[tuple[Folder, Path]] = []
    if _is_maildir(root):
        found.append((_folder(()), root))
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name in ("cur", "new", "tmp"):
            continue
        if child.name.startswith(".") and _is_maildir(child):
            names = tuple(decode_name(p) for p in child.name[1:].split(".") if p)
            if names:
                found.append((_folder(names), child))
        elif not child.name.startswith("."):
            found += [(_folder((decode_name(child.name), *f.path)), d) for f, d in _nested(child)]
    found.sort(key=lambda item: (len(item[0].path), item[0].path))
    return found


def _nested(folder: Path) -> list[tuple[Folder, Path]]:
    """The `fs` layout (Dovecot LAYOUT=fs, mutt): a folder is a directory, children inside it."""
    found: list[tuple[Folder, Path]] = [(Folder(()), folder)] if _is_maildir(folder) else []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and child.name not in ("cur", "new", "tmp") and not child.name.startswith("."):
            found += [(Folder((decode_name(child.name), *f.path)), d) for f, d in _nested(child)]
    return found


class MaildirSource:
    """Every message of a Maildir tree, folder by folder."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise FileNotFoundError(f"no such Maildir: {root}")
        self.root = root
        self.description = f"Maildir {root}"
        self._tree = _tree(root)

    def folders(self) -> list[Folder]:
        return [folder for folder, _ in self._tree]

    def _files(self) -> Iterator[tuple[Folder, Path, Path, bool]]:
        for folder, directory in self._tree:
            for sub in ("cur", "new"):
                if (directory / sub).is_dir():
                    for entry in sorted((directory / sub).iterdir()):
                        if entry.is_file() and not entry.name.startswith("."):
                            yield folder, directory, entry, sub == "new"

    def estimate(self) -> tuple[int | None, int | None]:
        count = size = 0
        for _, _, entry, _ in self._files():
            count += 1
            size += entry.stat().st_size
        return count, size

    def messages(self, done_refs: frozenset[str]) -> Iterator[Message | Failure]:
        custom: dict[Path, dict[str, str]] = {}
        for folder, directory, entry, new in self._files():
            ref = str(entry.relative_to(self.root))
            try:
                raw = entry.read_bytes()
                mtime = entry.stat().st_mtime
            except OSError as exc:
                yield Failure(ref, "/".join(folder.path), f"unreadable: {exc}")
                continue
            if directory not in custom:
                custom[directory] = _custom_keywords(directory)
            _, sep, info = entry.name.rpartition(":2,")
            words = keywords.from_maildir(info if sep else "", custom[directory])
            if new:
                words = words - {"$seen"}
            received = datetime.fromtimestamp(mtime, UTC) if mtime > 0 else headers.date_of(raw)
            yield Message(raw, (folder,), words, received, ref)


class MaildirWriter:
    """Writes an export: the Inbox at the root, other mailboxes as Maildir++ folders."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._keywords: dict[Path, list[str]] = {}
        self._count = 0
        root.mkdir(parents=True, exist_ok=True)

    def _directory(self, folder: Folder) -> Path:
        if folder.role == "inbox" and len(folder.path) == 1:
            directory = self.root
        else:
            directory = self.root / ("." + ".".join(encode_name(n) for n in folder.path))
        for sub in ("cur", "new", "tmp"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        return directory

    def add_folder(self, folder: Folder) -> None:
        self._directory(folder)

    def _letters(self, directory: Path, words: Iterable[str]) -> str:
        known = self._keywords.setdefault(directory, list(_custom_keywords(directory).values()))
        letters = []
        for word in sorted(words):
            if word in keywords.MAILDIR_LETTERS:
                letters.append(keywords.MAILDIR_LETTERS[word])
                continue
            if word not in known and len(known) < len(_LETTERS):
                known.append(word)
                lines = "".join(f"{i} {w}\n" for i, w in enumerate(known))
                (directory / KEYWORDS_FILE).write_text(lines, encoding="utf-8")
            if word in known:
                letters.append(_LETTERS[known.index(word)])
        return "".join(sorted(letters))

    def add(self, folder: Folder, raw: bytes, words: Iterable[str], received_at: datetime | None) -> Path:
        """Write one message into cur/ (tmp/ then rename, as Maildir requires), mtime = receivedAt."""
        directory = self._directory(folder)
        self._count += 1
        unique = f"{int(time.time())}.M{self._count}P{os.getpid()}.{socket.gethostname().replace('/', '_')}"
        name = f"{unique},S={len(raw)}:2,{self._letters(directory, words)}"
        tmp = directory / "tmp" / unique
        tmp.write_bytes(raw)
        if received_at is not None:
            stamp = received_at.timestamp()
            os.utime(tmp, (stamp, stamp))
        final = directory / "cur" / name
        os.replace(tmp, final)
        return final
