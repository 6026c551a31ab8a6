"""An IMAP server as a source (stdlib imaplib): every folder, RFC 6154 special-use as roles, flags as
keywords, INTERNALDATE as receivedAt, the octets by BODY.PEEK[] (nothing is marked read).

A message's ref is `folder;UIDVALIDITY;UID`, so a resumed run skips what it imported without fetching
it again. `imaps://` is TLS with certificate checks; plain `imap://` is for a loopback server only.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
import urllib.parse
from collections.abc import Iterator
from datetime import datetime

from mailx.migrate import keywords
from mailx.migrate.model import Failure, Folder, Message

_LIST = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"[^"]*"|NIL) (?P<name>.*)$')
_SPECIAL_USE = {
    "\\sent": "sent",
    "\\drafts": "drafts",
    "\\trash": "trash",
    "\\junk": "junk",
    "\\archive": "archive",
    "\\all": "all",
    "\\flagged": "flagged",
}
_FETCH = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)|INTERNALDATE \"([^\"]+)\"")
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_BATCH = 50


def decode_utf7(name: str) -> str:
    """RFC 3501 §5.1.3 modified UTF-7 mailbox names (`&` starts base64 of UTF-16, `&-` is `&`)."""

    def repl(match: re.Match[str]) -> str:
        chunk = match.group(1)
        if not chunk:
            return "&"
        data = chunk.replace(",", "/")
        data += "=" * (-len(data) % 4)
        return base64.b64decode(data).decode("utf-16-be")

    return re.sub(r"&([A-Za-z0-9+,]*)-", repl, name)


def _unquote(value: bytes) -> str:
    text = value.decode("utf-8", "replace").strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


class ImapSource:
    """Every selectable folder of one IMAP account."""

    def __init__(self, url: str, user: str, password: str, *, exclude: list[str] | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme == "imap" and host not in _LOOPBACK:
            raise OSError("plain imap:// is allowed for a loopback server only; use imaps://")
        self.description = f"IMAP {parts.scheme}://{user}@{host}"
        if parts.scheme == "imaps":
            self.conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                host, parts.port or 993, ssl_context=ssl.create_default_context()
            )
        else:
            self.conn = imaplib.IMAP4(host, parts.port or 143)
        self.conn.login(user, password)
        self.exclude = {e.strip("/") for e in exclude or []}
        self._folders = self._list()

    def _list(self) -> list[tuple[Folder, str, bool]]:
        """(folder, IMAP name, selectable) per folder, parents first."""
        typ, lines = self.conn.list()
        if typ != "OK":
            raise OSError(f"LIST failed: {lines}")
        found = []
        for line in lines:
            if not isinstance(line, bytes):
                continue
            match = _LIST.match(line)
            if not match:
                continue
            flags = {f.lower() for f in match.group("flags").decode().split()}
            delim = _unquote(match.group("delim")) if match.group("delim") != b"NIL" else ""
            raw_name = _unquote(match.group("name"))
            name = decode_utf7(raw_name)
            path = tuple(p for p in (name.split(delim) if delim else [name]) if p)
            if name.upper() == "INBOX":
                folder = Folder(("Inbox",), "inbox")
            else:
                role = next((_SPECIAL_USE[f] for f in flags if f in _SPECIAL_USE), None)
                folder = Folder(path, role)
            if "/".join(path) in self.exclude or name in self.exclude:
                continue
            found.append((folder, raw_name, "\\noselect" not in flags and "\\nonexistent" not in flags))
        found.sort(key=lambda item: (len(item[0].path), item[0].path))
        return found

    def folders(self) -> list[Folder]:
        return [folder for folder, _, _ in self._folders]

    def _select(self, raw_name: str) -> tuple[int, str]:
        quoted = '"' + raw_name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        typ, data = self.conn.select(quoted, readonly=True)
        if typ != "OK":
            raise OSError(f"cannot select {raw_name}: {data}")
        count = int(data[0] or 0) if data and data[0] else 0
        _, validity = self.conn.response("UIDVALIDITY")
        return count, (validity[0].decode() if validity and validity[0] else "0")

    def estimate(self) -> tuple[int | None, int | None]:
        total = 0
        for _, raw_name, selectable in self._folders:
            if selectable:
                total += self._select(raw_name)[0]
        return total, None

    def messages(self, done_refs: frozenset[str]) -> Iterator[Message | Failure]:
        for folder, raw_name, selectable in self._folders:
            if not selectable:
                continue
            where = "/".join(folder.path)
            try:
                count, validity = self._select(raw_name)
                if not count:
                    continue
                typ, data = self.conn.uid("SEARCH", "ALL")
                uids = data[0].split() if typ == "OK" and data and data[0] else []
            except (OSError, imaplib.IMAP4.error) as exc:
                yield Failure(where, where, f"cannot read folder: {exc}")
                continue
            todo = [u.decode() for u in uids if f"{where};{validity};{u.decode()}" not in done_refs]
            for start in range(0, len(todo), _BATCH):
                chunk = todo[start : start + _BATCH]
                try:
                    fetched = self._fetch(",".join(chunk))
                except (OSError, imaplib.IMAP4.error) as exc:
                    for uid in chunk:
                        yield Failure(f"{where};{validity};{uid}", where, f"fetch failed: {exc}")
                    continue
                for uid in chunk:
                    ref = f"{where};{validity};{uid}"
                    if uid not in fetched:
                        yield Failure(ref, where, "the server returned no message for this UID")
                        continue
                    raw, flags, internal = fetched[uid]
                    yield Message(raw, (folder,), keywords.from_imap(flags), internal, ref)

    def _fetch(self, uid_set: str) -> dict[str, tuple[bytes, list[str], datetime | None]]:
        typ, data = self.conn.uid("FETCH", uid_set, "(UID FLAGS INTERNALDATE BODY.PEEK[])")
        if typ != "OK":
            raise OSError(f"FETCH failed: {data}")
        found: dict[str, tuple[bytes, list[str], datetime | None]] = {}
        for item in data:
            if not isinstance(item, tuple):
                continue
            envelope, raw = item[0], item[1]
            uid, internal = "", None
            flags: list[str] = []
            for match in _FETCH.finditer(envelope):
                if match.group(1):
                    uid = match.group(1).decode()
                elif match.group(2) is not None:
                    flags = match.group(2).decode().split()
                elif match.group(3):
                    internal = datetime.strptime(match.group(3).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
            if uid:
                found[uid] = (bytes(raw), flags, internal)
        return found

    def close(self) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.conn.logout()
