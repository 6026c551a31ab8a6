"""RFC 8621 §6: the Identity object's properties, their wire form and the value rules for /set.

Decisions (the RFC leaves them to the server):
- A client may create an identity only for an address assigned to its account (the addresses whose
  identities the admin API made, `mayDelete` false); anything else, including `*@domain` wildcards,
  is `forbiddenFrom`. The stored address is the assigned one's spelling, and `created` says so
  when the client's spelling differed.
- `email`, `id` and `mayDelete` cannot be changed; giving them with their current value is
  accepted (RFC 8620 §5.3 allows echoing server-set values).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from mailx.mime.addresses import valid_address
from mailx.protocol.errors import SetError
from mailx.store.identities import IdentityRecord

PROPERTIES = (
    "id",
    "name",
    "email",
    "replyTo",
    "bcc",
    "textSignature",
    "htmlSignature",
    "mayDelete",
)
SETTABLE = frozenset({"name", "replyTo", "bcc", "textSignature", "htmlSignature"})
# Values a create gets for what it omits, and a patch's null resets to (RFC 8620 §5.3).
DEFAULTS: dict[str, Any] = {
    "name": "",
    "replyTo": None,
    "bcc": None,
    "textSignature": "",
    "htmlSignature": "",
}
_FIELDS = {
    "name": "name",
    "replyTo": "reply_to",
    "bcc": "bcc",
    "textSignature": "text_signature",
    "htmlSignature": "html_signature",
}
MAX_TEXT = 64_000  # a signature larger than this is not a signature (and keeps the item well under 400 KB)


def to_json(record: IdentityRecord) -> dict[str, Any]:
    """The Identity object as Identity/get returns it."""
    return {
        "id": record.identity_id,
        "name": record.name,
        "email": record.email,
        "replyTo": record.reply_to,
        "bcc": record.bcc,
        "textSignature": record.text_signature,
        "htmlSignature": record.html_signature,
        "mayDelete": record.may_delete,
    }


def _valid_address_list(value: Any) -> bool:
    """`EmailAddress[]|null` (RFC 8621 §4.1.2.3): objects with `email` and an optional `name`."""
    if value is None:
        return True
    if not isinstance(value, list):
        return False
    for item in value:
        if not isinstance(item, dict) or set(item) - {"name", "email"}:
            return False
        if not isinstance(item.get("email"), str) or not isinstance(item.get("name"), str | None):
            return False
    return True


def _valid_value(name: str, value: Any) -> bool:
    if name in ("replyTo", "bcc"):
        return _valid_address_list(value)
    return isinstance(value, str) and len(value) <= MAX_TEXT


def invalid_settable(obj: dict[str, Any], names: Iterable[str]) -> list[str]:
    """The settable properties among NAMES whose value in OBJ is of the wrong type."""
    return [name for name in names if name in SETTABLE and not _valid_value(name, obj[name])]


def apply_values(record: IdentityRecord, obj: dict[str, Any]) -> IdentityRecord:
    """RECORD with the settable properties of OBJ (already validated) written into it."""
    changes = {_FIELDS[name]: value for name, value in obj.items() if name in SETTABLE}
    return replace(record, **changes)


def _normalised(address: str) -> str:
    return address.strip().lower()


def check_create(
    obj: dict[str, Any], new_id: str, assigned: dict[str, str]
) -> tuple[IdentityRecord, dict[str, Any]]:
    """The record a create makes and the properties to report in `created`, or a SetError.

    ASSIGNED maps each assigned address (normalised) to its stored spelling.
    """
    bad = [name for name in obj if name not in PROPERTIES]
    bad += [name for name in ("id", "mayDelete") if name in obj and obj[name] != _server_value(name, new_id)]
    email = obj.get("email")
    if not isinstance(email, str) or not valid_address(email):
        bad.append("email")
    bad += invalid_settable(obj, obj)
    if bad or not isinstance(email, str):
        raise SetError.invalid_properties(sorted(set(bad)), "invalid or server-set properties")
    stored = assigned.get(_normalised(email))
    if stored is None:
        raise SetError("forbiddenFrom", f"this account may not send from {email!r}")
    record = apply_values(IdentityRecord(new_id, stored, may_delete=True), obj)
    reported: dict[str, Any] = {"id": new_id, "mayDelete": True}
    reported.update({name: value for name, value in DEFAULTS.items() if name not in obj})
    if stored != email:
        reported["email"] = stored
    return record, reported


def _server_value(name: str, new_id: str) -> Any:
    return new_id if name == "id" else True


def check_update(record: IdentityRecord, patched: dict[str, Any]) -> IdentityRecord:
    """The updated record for PATCHED (the whole object after the patch), or a SetError."""
    current = to_json(record)
    bad = [name for name in patched if name not in PROPERTIES]
    bad += [name for name in ("id", "email", "mayDelete") if patched.get(name) != current[name]]
    bad += invalid_settable(patched, patched)
    if bad:
        raise SetError.invalid_properties(sorted(set(bad)), "invalid or immutable properties")
    return apply_values(record, patched)
