"""RFC 8621 §8: the VacationResponse object's properties, their wire form and the value rules for /set.

Decisions (the RFC leaves them to the server):
- Dates are kept exactly as the client sent them once they parse as a UTCDate (RFC 8620 §1.4).
- `fromDate` after `toDate` is accepted: the window is then empty and no reply is ever sent, which is
  what such a setting says; refusing it would break clients that write one date at a time.
- Text is bounded (subject MAX_SUBJECT characters, each body MAX_BODY_OCTETS of UTF-8), so the item
  stays well under DynamoDB's 400 KB and a reply stays a short note.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mailx.protocol.errors import MethodError, SetError
from mailx.protocol.validate import parse_utc_date
from mailx.store.vacation import SINGLETON_ID, VacationRecord

PROPERTIES = ("id", "isEnabled", "fromDate", "toDate", "subject", "textBody", "htmlBody")
SETTABLE = frozenset(PROPERTIES) - {"id"}
# What a patch's null resets a property to (RFC 8620 §5.3); null is itself the value of the others.
DEFAULTS: dict[str, Any] = {"isEnabled": False}
MAX_SUBJECT = 998  # one RFC 5322 line
MAX_BODY_OCTETS = 100_000
_FIELDS = {
    "isEnabled": "is_enabled",
    "fromDate": "from_date",
    "toDate": "to_date",
    "subject": "subject",
    "textBody": "text_body",
    "htmlBody": "html_body",
}


def to_json(record: VacationRecord) -> dict[str, Any]:
    """The VacationResponse object as VacationResponse/get returns it."""
    return {
        "id": SINGLETON_ID,
        "isEnabled": record.is_enabled,
        "fromDate": record.from_date,
        "toDate": record.to_date,
        "subject": record.subject,
        "textBody": record.text_body,
        "htmlBody": record.html_body,
    }


def _valid_date(value: Any) -> bool:
    if value is None:
        return True
    try:
        parse_utc_date(value, "date")
    except MethodError:
        return False
    return True


def _valid_value(name: str, value: Any) -> bool:
    if name == "isEnabled":
        return isinstance(value, bool)
    if name in ("fromDate", "toDate"):
        return _valid_date(value)
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if name == "subject":
        return len(value) <= MAX_SUBJECT and "\r" not in value and "\n" not in value
    return len(value.encode("utf-8", "surrogatepass")) <= MAX_BODY_OCTETS


def check_update(record: VacationRecord, patched: dict[str, Any]) -> VacationRecord:
    """The updated record for PATCHED (the whole object after the patch), or invalidProperties."""
    bad = [name for name in patched if name not in PROPERTIES]
    if patched.get("id", SINGLETON_ID) != SINGLETON_ID:
        bad.append("id")
    bad += [name for name in SETTABLE if name in patched and not _valid_value(name, patched[name])]
    if bad:
        raise SetError.invalid_properties(sorted(set(bad)), "invalid or server-set properties")
    changes: dict[str, Any] = {_FIELDS[name]: patched.get(name) for name in SETTABLE}
    changes["is_enabled"] = bool(patched.get("isEnabled", False))
    return replace(record, **changes)
