"""`mailx export`: every Email of an account, byte for byte, to a Maildir tree or one mbox file.

Maildir: each mailbox a Maildir++ folder (the Inbox at the root), an Email in two mailboxes is written
to both, keywords become flags (custom ones via dovecot-keywords), the file's mtime is receivedAt.
mbox: one entry per Email with a marked block of headers naming its mailboxes and flags (see mbox.py),
so `mailx import` of either gives back the same mailboxes, keywords, dates and octets.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailx.migrate import mbox
from mailx.migrate.jmap import Client
from mailx.migrate.jmap_source import email_pages, mailbox_folders, utc_date
from mailx.migrate.maildir import MaildirWriter
from mailx.migrate.model import Folder
from mailx.migrate.progress import Progress


@dataclass
class ExportSummary:
    emails: int = 0
    octets: int = 0
    mailboxes: int = 0

    def text(self, where: Path) -> str:
        counts = f"{self.emails} messages ({self.octets:,} octets) from {self.mailboxes} mailboxes"
        return f"exported {counts} to {where}"


def _downloads(client: Client, progress: Progress) -> Iterator[tuple[dict[str, Any], bytes]]:
    props = ["blobId", "mailboxIds", "keywords", "receivedAt", "size"]
    with ThreadPoolExecutor(client.max_concurrent_upload) as pool:
        started = False
        for total, emails in email_pages(client, props):
            if not started:
                progress.start(total, None)
                started = True
            for email, raw in zip(
                emails, pool.map(lambda e: client.download(e["blobId"]), emails), strict=True
            ):
                progress.advance(1, len(raw))
                yield email, raw


def _words(email: dict[str, Any]) -> list[str]:
    return sorted(k for k, v in (email.get("keywords") or {}).items() if v)


def export(client: Client, destination: Path, fmt: str, progress: Progress) -> ExportSummary:
    """Write the account's mail to DESTINATION (a folder for maildir, a file for mbox)."""
    folders = mailbox_folders(client)
    summary = ExportSummary(mailboxes=len(folders))
    if fmt == "maildir":
        writer = MaildirWriter(destination)
        for folder in folders.values():
            writer.add_folder(folder)
        for email, raw in _downloads(client, progress):
            for mailbox_id in sorted(email.get("mailboxIds") or {}):
                folder = folders.get(mailbox_id, Folder(("Inbox",), "inbox"))
                writer.add(folder, raw, _words(email), utc_date(email.get("receivedAt")))
            summary.emails += 1
            summary.octets += len(raw)
        return summary
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with partial.open("wb") as out:
        for email, raw in _downloads(client, progress):
            boxes = [folders[m] for m in sorted(email.get("mailboxIds") or {}) if m in folders]
            out.write(mbox.entry(raw, boxes, _words(email), utc_date(email.get("receivedAt"))))
            summary.emails += 1
            summary.octets += len(raw)
    partial.replace(destination)  # a cut-short export never looks like a whole one
    return summary
