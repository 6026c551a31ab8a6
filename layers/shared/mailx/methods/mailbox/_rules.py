"""RFC 8621 §2: the Mailbox object's properties, roles, rights and value rules.

Decisions (the RFC leaves them to the server):
- Rights: the owner may do everything, except that a mailbox with a role cannot be destroyed
  (`mayDelete` false: mail delivery, drafts and sent copies find their mailbox by role; clear the
  role first), and the inbox can neither be renamed, moved nor lose its role (`mayRename` false),
  as in the RFC 8621 §2.6 example.
- Names are Net-Unicode (RFC 5198): stored in NFC, control characters rejected, at most
  MAX_SIZE_MAILBOX_NAME octets of UTF-8. Sibling names are unique by exact (case-sensitive)
  comparison after NFC, as IMAP mailbox names are case-sensitive.
- Roles: the "IMAP Mailbox Name Attributes" registry entries not marked "not used by JMAP"
  (RFC 8457 §6.3), plus "inbox" (RFC 8621 §10.5.1), lowercased; "subscribed" is left out because
  JMAP expresses it as `isSubscribed`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from mailx.limits import MAX_SIZE_MAILBOX_NAME
from mailx.store.mailboxes import MailboxRecord

PROPERTIES = (
    "id",
    "name",
    "parentId",
    "role",
    "sortOrder",
    "totalEmails",
    "unreadEmails",
    "totalThreads",
    "unreadThreads",
    "myRights",
    "isSubscribed",
)
SERVER_SET = frozenset({"id", "totalEmails", "unreadEmails", "totalThreads", "unreadThreads", "myRights"})
COUNTS = ["totalEmails", "unreadEmails", "totalThreads", "unreadThreads"]
# Values a patch's null resets to (RFC 8620 §5.3); isSubscribed defaults to true for the owner.
DEFAULTS: dict[str, Any] = {"parentId": None, "role": None, "sortOrder": 0, "isSubscribed": True}
ROLES = frozenset({"all", "archive", "drafts", "flagged", "important", "inbox", "junk", "sent", "trash"})
MAX_SORT_ORDER = 2**31 - 1
RIGHTS = (
    "mayReadItems",
    "mayAddItems",
    "mayRemoveItems",
    "maySetSeen",
    "maySetKeywords",
    "mayCreateChild",
    "mayRename",
    "mayDelete",
    "maySubmit",
)


def my_rights(role: str | None) -> dict[str, bool]:
    """The owner's MailboxRights for a mailbox with ROLE (see the module docstring)."""
    rights = dict.fromkeys(RIGHTS, True)
    rights["mayDelete"] = role is None
    rights["mayRename"] = role != "inbox"
    return rights


def to_json(record: MailboxRecord) -> dict[str, Any]:
    """The Mailbox object on the wire, every property present."""
    return {
        "id": record.mailbox_id,
        "name": record.name,
        "parentId": record.parent_id,
        "role": record.role,
        "sortOrder": record.sort_order,
        "totalEmails": record.total_emails,
        "unreadEmails": record.unread_emails,
        "totalThreads": record.total_threads,
        "unreadThreads": record.unread_threads,
        "myRights": my_rights(record.role),
        "isSubscribed": record.is_subscribed,
    }


def valid_name(value: Any) -> bool:
    """Net-Unicode of at least one character, no control characters, within the octet limit."""
    if not isinstance(value, str) or not value:
        return False
    if any(unicodedata.category(char) == "Cc" for char in value):
        return False
    return len(unicodedata.normalize("NFC", value).encode("utf-8")) <= MAX_SIZE_MAILBOX_NAME


def valid_sort_order(value: Any) -> bool:
    """An UnsignedInt below 2^31 (booleans are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SORT_ORDER


# Resolves a parentId value (an Id or "#creationId") to a mailbox id, or None if it is unknown.
ParentResolver = Callable[[str], str | None]


def build_record(
    obj: dict[str, Any], mailbox_id: str, base: MailboxRecord | None, resolve: ParentResolver
) -> MailboxRecord | list[str]:
    """Turn a full JMAP Mailbox object into a record, or return the list of invalid properties.

    Server-set properties may be present only with the value the server has (or would set, for a
    create: zero counts and the rights of the new role); `id` may not be sent on create at all.
    BASE is the current record for an update, None for a create.
    """
    invalid = sorted(key for key in obj if key not in PROPERTIES)
    name, parent, role = obj.get("name"), obj.get("parentId"), obj.get("role")
    if not valid_name(name):
        invalid.append("name")
    parent_id: str | None = None
    if parent is not None:
        parent_id = resolve(parent) if isinstance(parent, str) else None
        if parent_id is None:
            invalid.append("parentId")
    if role is not None and role not in ROLES:
        invalid.append("role")
    if not valid_sort_order(obj.get("sortOrder")):
        invalid.append("sortOrder")
    if not isinstance(obj.get("isSubscribed"), bool):
        invalid.append("isSubscribed")
    if invalid or not isinstance(name, str):
        return sorted(set(invalid))
    record = MailboxRecord(
        mailbox_id=mailbox_id,
        name=unicodedata.normalize("NFC", name),
        parent_id=parent_id,
        role=role,
        sort_order=obj["sortOrder"],
        is_subscribed=obj["isSubscribed"],
        total_emails=base.total_emails if base else 0,
        unread_emails=base.unread_emails if base else 0,
        total_threads=base.total_threads if base else 0,
        unread_threads=base.unread_threads if base else 0,
    )
    server = to_json(base) if base else {**to_json(record), "id": None}
    wrong = sorted(key for key in SERVER_SET if key in obj and obj[key] != server[key])
    return wrong or record


def server_changed(sent: dict[str, Any], after: MailboxRecord) -> dict[str, Any]:
    """Properties whose stored value is not what the client sent (RFC 8620 §5.3 created/updated).

    SENT is the create object, or for an update the object after applying the patch. The result
    holds the properties the client left out (defaults, server-set ones) and any the server set
    differently (the name's NFC form, `myRights` after a role change).
    """
    return {key: value for key, value in to_json(after).items() if key not in sent or sent[key] != value}
