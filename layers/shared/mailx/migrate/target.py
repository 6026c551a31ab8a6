"""The mailx account being filled: its mailbox tree mirrored from the source, and Email/import in batches."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from mailx.migrate.jmap import Client, JmapError
from mailx.migrate.model import Folder, Path

# Roles a mailx mailbox may carry that a source folder can bring along (RFC 8621 §2, RFC 6154).
ASSIGNABLE_ROLES = frozenset({"inbox", "drafts", "sent", "trash", "junk", "archive"})


@dataclass(frozen=True)
class Outcome:
    """What Email/import did with one message: an Email id (new or existing), or an error."""

    email_id: str | None
    duplicate: bool = False
    error: str | None = None
    missing_blob: bool = False


class Mailboxes:
    """The account's mailboxes by path and by role; missing ones are created on first use."""

    def __init__(self, client: Client, under: str | None = None) -> None:
        self.client = client
        self.under: Path = tuple(p for p in (under or "").split("/") if p)
        self._lock = threading.Lock()
        self.by_path: dict[Path, str] = {}
        self.by_role: dict[str, str] = {}
        self.names: dict[str, Path] = {}
        self.roles: dict[str, str | None] = {}
        self.refresh()

    def refresh(self) -> None:
        listed = self.client.one("Mailbox/get", {"ids": None, "properties": ["name", "parentId", "role"]})
        boxes = {b["id"]: b for b in listed["list"]}

        def path_of(box: dict[str, Any]) -> Path:
            parent = boxes.get(box.get("parentId") or "")
            return (*path_of(parent), box["name"]) if parent else (box["name"],)

        self.by_path = {path_of(b): i for i, b in boxes.items()}
        self.names = {i: p for p, i in self.by_path.items()}
        self.roles = {i: b.get("role") for i, b in boxes.items()}
        self.by_role = {b["role"]: i for i, b in boxes.items() if b.get("role")}

    def resolve(self, folder: Folder) -> str:
        """The mailbox for a source folder: the one with its role, else the one at its path (created)."""
        with self._lock:
            role = folder.role if not self.under and folder.role in ASSIGNABLE_ROLES else None
            if role and role in self.by_role:
                return self.by_role[role]
            return self._ensure((*self.under, *folder.path), role)

    def trash(self) -> str:
        return self.resolve(Folder(("Trash",), "trash"))

    def _ensure(self, path: Path, role: str | None) -> str:
        parent: str | None = None
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix in self.by_path:
                parent = self.by_path[prefix]
                continue
            create: dict[str, Any] = {"name": prefix[-1], "parentId": parent}
            if depth == len(path) and role:
                create["role"] = role
            answer = self.client.one("Mailbox/set", {"create": {"m": create}})
            made = (answer.get("created") or {}).get("m")
            if not made:  # a retried request may have made it after all: look before giving up
                self.refresh()
                if prefix in self.by_path:
                    parent = self.by_path[prefix]
                    continue
                why = (answer.get("notCreated") or {}).get("m", {})
                raise JmapError(
                    f"cannot create mailbox {'/'.join(prefix)}: "
                    f"{why.get('type')} {why.get('description', '')}"
                )
            parent = made["id"]
            self.by_path[prefix] = parent
            self.names[parent] = prefix
            self.roles[parent] = create.get("role")
            if create.get("role"):
                self.by_role[create["role"]] = parent
        assert parent is not None
        return parent


def import_batch(client: Client, items: list[dict[str, Any]]) -> list[Outcome]:
    """One Email/import call for the batch (blobId, mailboxIds, keywords, receivedAt per item)."""
    emails = {str(n): item for n, item in enumerate(items)}
    answer = client.one("Email/import", {"emails": emails})
    created = answer.get("created") or {}
    refused = answer.get("notCreated") or {}
    outcomes = []
    for n in range(len(items)):
        cid = str(n)
        if cid in created:
            outcomes.append(Outcome(str(created[cid]["id"])))
            continue
        error = refused.get(cid) or {"type": "serverFail", "description": "neither created nor refused"}
        if error.get("type") == "alreadyExists" and error.get("existingId"):
            outcomes.append(Outcome(str(error["existingId"]), duplicate=True))
        else:
            text = f"{error.get('type')}: {error.get('description', '')}".rstrip(": ")
            outcomes.append(Outcome(None, error=text, missing_blob=error.get("type") == "blobNotFound"))
    return outcomes
