"""The searchable fields of a message: headers from its stored summary, body and attachment names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailx.search.terms import doc_terms

ADDRESS_FIELDS = ("from", "to", "cc", "bcc")


def addresses_text(value: Any) -> str:
    """An address list (as Email/get shows it) as searchable text: `name <email>`, comma separated."""
    if not isinstance(value, list):
        return ""
    parts = []
    for address in value:
        if isinstance(address, dict):
            name, email = address.get("name") or "", address.get("email") or ""
            parts.append(f"{name} <{email}>" if name else email)
    return ", ".join(parts)


def message_fields(summary: Mapping[str, Any], stored: Mapping[str, str]) -> dict[str, str]:
    """{field: text}: subject and addresses from SUMMARY, `body` and `attachments` from STORED."""
    out = {name: addresses_text(summary.get(name)) for name in ADDRESS_FIELDS}
    out["subject"] = str(summary.get("subject") or "")
    out["body"] = stored.get("body", "")
    out["attachments"] = stored.get("attachments", "")
    return out


def message_terms(summary: Mapping[str, Any], stored: Mapping[str, str]) -> dict[str, int]:
    """{term: field mask} of a message, as the index holds it (ingest, thread re-id, reindex)."""
    return doc_terms(message_fields(summary, stored))
