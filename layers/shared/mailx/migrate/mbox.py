"""mbox files: reading (mboxo and mboxrd `From ` quoting, Google Takeout labels) and writing (mboxrd).

A message ends where a line starting with `From ` follows an empty line; the empty line before it is
the separator, not part of the message. Our own export prepends a marked block of headers (mailboxes,
Status, X-Status, X-Keywords) that other mail programs read, and records the message's exact length,
so importing the export gives back the original octets (docs/migrate.md).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from mailx.migrate import headers, keywords
from mailx.migrate.model import Failure, Folder, Message
from mailx.migrate.roles import role_for_name

EXPORT_MARK = b"X-Mailx-Export: "
_MBOXRD = re.compile(rb"^>(>*From )")
_MBOXO = re.compile(rb"^>(From )")
_QUOTE = re.compile(rb"^(>*From )")
_FROM_FORMATS = ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S %z %Y", "%a %b %d %H:%M %Y")

# Takeout's system labels: a role folder, a keyword, or nothing at all.
_TAKEOUT_FOLDERS = {
    "inbox": ("Inbox", "inbox"),
    "sent": ("Sent", "sent"),
    "drafts": ("Drafts", "drafts"),
    "draft": ("Drafts", "drafts"),
    "spam": ("Junk", "junk"),
    "trash": ("Trash", "trash"),
    "archived": ("Archive", "archive"),
}
_TAKEOUT_KEYWORDS = {"starred": "$flagged", "important": "$important", "opened": "$seen"}
_TAKEOUT_IGNORED = {"unread"}


def _from_line_date(line: bytes) -> datetime | None:
    parts = line.decode("ascii", "replace").split(None, 2)
    if len(parts) < 3:
        return None
    text = " ".join(parts[2].split())
    for form in _FROM_FORMATS:
        try:
            moment = datetime.strptime(text, form)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def split(stream: BinaryIO, *, quoting: str = "mboxrd") -> Iterator[tuple[int, bytes, bytes]]:
    """(offset, From line, octets) per message, the quoting undone and the separator dropped."""
    unquote = _MBOXRD if quoting == "mboxrd" else _MBOXO
    offset = 0
    start = 0
    from_line = b""
    body: list[bytes] = []
    blank_before = True
    started = False
    for line in stream:
        if line.startswith(b"From ") and blank_before:
            if started:
                yield start, from_line, _finish(body)
            started, start, from_line, body = True, offset, line, []
        elif started:
            body.append(unquote.sub(rb"\1", line))
        blank_before = line in (b"\n", b"\r\n")
        offset += len(line)
    if started:
        yield start, from_line, _finish(body)


def _finish(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the empty line that separates messages
    return b"".join(lines)


def _unwrap(raw: bytes) -> tuple[bytes, dict[str, str]] | None:
    """Our export's block removed: (the original octets, the block's fields), or None if unmarked."""
    if not raw.startswith(EXPORT_MARK):
        return None
    lines = raw.split(b"\n")
    params = dict(
        p.strip().split("=", 1) for p in lines[0][len(EXPORT_MARK) :].decode().split(";") if "=" in p
    )
    count, length = int(params["lines"]), int(params["length"])
    block = lines[1 : 1 + count]
    consumed = sum(len(line) + 1 for line in lines[: 1 + count])
    fields = {}
    for line in block:
        name, _, value = line.decode("utf-8", "replace").partition(":")
        fields[name.strip().lower()] = value.strip()
    return raw[consumed : consumed + length], fields


def split_labels(value: str) -> list[str]:
    """X-Gmail-Labels: comma-separated, a label with a comma is double-quoted."""
    labels, current, quoted = [], "", False
    for char in value:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            labels.append(current.strip())
            current = ""
        else:
            current += char
    labels.append(current.strip())
    return [headers.decoded(label) for label in labels if label]


def takeout(labels: list[str]) -> tuple[tuple[Folder, ...], frozenset[str]]:
    """Gmail labels to folders and keywords: system labels by meaning, user labels by their `/` path.

    Gmail marks read mail with "Opened" and unread with "Unread"; "Category ..." tabs and "Chat" carry
    no mailbox; a message with no folder label was archived.
    """
    folders: list[Folder] = []
    words: set[str] = set()
    for label in labels:
        lowered = label.lower()
        if lowered in _TAKEOUT_FOLDERS:
            name, role = _TAKEOUT_FOLDERS[lowered]
            folders.append(Folder((name,), role))
        elif lowered in _TAKEOUT_KEYWORDS:
            words.add(_TAKEOUT_KEYWORDS[lowered])
        elif lowered in _TAKEOUT_IGNORED or lowered.startswith("category ") or lowered == "chat":
            continue
        else:
            folders.append(Folder(tuple(p for p in label.split("/") if p)))
    if "unread" not in {label.lower() for label in labels}:
        words.add("$seen")
    if not folders:
        folders.append(Folder(("Archive",), "archive"))
    return tuple(dict.fromkeys(folders)), keywords.clean(words)


def _exported_folders(value: str) -> tuple[Folder, ...]:
    items = json.loads(value)
    return tuple(Folder(tuple(item["path"]), item.get("role")) for item in items)


_FIELDS = frozenset({"status", "x-status", "x-keywords", "x-gmail-labels"})


def to_message(from_line: bytes, raw: bytes, default: Folder, ref: str) -> Message:
    """One mbox entry as a Message: folders and flags from our block, Takeout labels, or the defaults."""
    unwrapped = _unwrap(raw)
    received = _from_line_date(from_line)
    if unwrapped is not None:
        original, block = unwrapped
        folders = _exported_folders(block.get("x-mailx-mailboxes", "[]")) or (default,)
        words = keywords.from_status(
            block.get("status", ""), block.get("x-status", ""), block.get("x-keywords", "")
        )
        return Message(original, folders, words, received, ref)
    found = headers.fields(raw, _FIELDS)
    labelled: tuple[Folder, ...]
    words = keywords.from_status(
        found.get("status", ""), found.get("x-status", ""), found.get("x-keywords", "")
    )
    labelled = (default,)
    if "x-gmail-labels" in found:
        labelled, label_words = takeout(split_labels(found["x-gmail-labels"]))
        words |= label_words
    return Message(raw, labelled, words, received or headers.date_of(raw), ref)


class MboxSource:
    """Messages of one mbox file; without labels they go to one folder named after the file."""

    def __init__(self, path: Path, *, quoting: str = "mboxrd", mailbox: str | None = None) -> None:
        self.path = path
        self.quoting = quoting
        name = mailbox or path.stem
        self.default = Folder(tuple(p for p in name.split("/") if p) or ("Inbox",), role_for_name(name))
        self.description = f"mbox {path}"
        self._folders: list[Folder] = []

    def estimate(self) -> tuple[int | None, int | None]:
        with self.path.open("rb") as stream:
            count = sum(1 for _ in split(stream, quoting=self.quoting))
        return count, self.path.stat().st_size

    def folders(self) -> list[Folder]:
        return []  # an mbox names its folders message by message (labels, our export's block)

    def messages(self, done_refs: frozenset[str]) -> Iterator[Message | Failure]:
        with self.path.open("rb") as stream:
            for offset, from_line, raw in split(stream, quoting=self.quoting):
                ref = f"{self.path.name}@{offset}"
                try:
                    yield to_message(from_line, raw, self.default, ref)
                except (ValueError, KeyError) as exc:
                    yield Failure(ref, "/".join(self.default.path), f"unreadable entry: {exc}")


def from_line(received_at: datetime | None) -> bytes:
    moment = (received_at or datetime.now(UTC)).astimezone(UTC)
    return b"From MAILER-DAEMON " + time.asctime(moment.timetuple()).encode() + b"\n"


def entry(raw: bytes, folders: Iterable[Folder], words: Iterable[str], received_at: datetime | None) -> bytes:
    """One mboxrd entry of our export: From line, marked block, the quoted octets, the separator."""
    status, x_status, x_keywords = keywords.to_status(words)
    boxes = json.dumps([{"path": list(f.path), "role": f.role} for f in folders], ensure_ascii=True)
    block = [
        f"X-Mailx-Mailboxes: {boxes}",
        f"Status: {status}",
        f"X-Status: {x_status}",
        f"X-Keywords: {x_keywords}",
    ]
    mark = f"X-Mailx-Export: lines={len(block)}; length={len(raw)}"
    text = "\n".join([mark, *block]).encode() + b"\n" + raw
    quoted = b"".join(_QUOTE.sub(rb">\1", line) for line in text.splitlines(keepends=True))
    if not quoted.endswith(b"\n"):
        quoted += b"\n"
    return from_line(received_at) + quoted + b"\n"
