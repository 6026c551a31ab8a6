"""Mailboxes read straight from the store: ids by role and the four RFC 8621 §2 counters."""

from __future__ import annotations

from mailx.store import emails, mailboxes
from mailx.store.models import Mailbox


def inbox_id(account_id: str) -> str:
    """The id of the account's Inbox."""
    return next(m for m, role in emails.mailbox_roles(account_id).items() if role == "inbox")


def counters(account_id: str, mailbox_id: str) -> dict[str, int]:
    """The mailbox's totalEmails, unreadEmails, totalThreads and unreadThreads, read consistently."""
    box = Mailbox.get(account_id, mailbox_id, consistent_read=True)
    return {
        "totalEmails": int(box.total_emails),
        "unreadEmails": int(box.unread_emails),
        "totalThreads": int(box.total_threads),
        "unreadThreads": int(box.unread_threads),
    }


def archive_id(account_id: str) -> str:
    """The id of the account's Archive."""
    return next(m.mailbox_id for m in mailboxes.list_all(account_id) if m.role == "archive")


def role_id(account_id: str, role: str) -> str:
    """The id of the account's mailbox with ROLE (RFC 8621 §2)."""
    return next(m for m, r in emails.mailbox_roles(account_id).items() if r == role)


box = role_id  # the name the Email/set and EmailSubmission tests use
