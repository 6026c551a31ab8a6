"""Which role a folder has when the source says nothing but its name (top-level folders only)."""

from __future__ import annotations

_BY_NAME = {
    "inbox": "inbox",
    "sent": "sent",
    "sent items": "sent",
    "sent messages": "sent",
    "sent mail": "sent",
    "drafts": "drafts",
    "draft": "drafts",
    "trash": "trash",
    "deleted items": "trash",
    "deleted messages": "trash",
    "bin": "trash",
    "junk": "junk",
    "spam": "junk",
    "junk e-mail": "junk",
    "archive": "archive",
    "archives": "archive",
}


def role_for_name(name: str) -> str | None:
    """The role of a well-known top-level folder name (Inbox, Sent, Sent Items, Spam, ...), else None."""
    return _BY_NAME.get(name.strip().lower())
