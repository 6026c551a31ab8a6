"""Header field parsed forms and header:{name} properties (RFC 8621 §4.1.2, §4.1.3)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from typing import Any

from mailx.mime.addresses import parse_addresses, parse_grouped
from mailx.mime.bounds import MAX_PARSED_ALL_OCTETS, MAX_PARSED_FIELD_OCTETS
from mailx.mime.encoded import decode_words, nfc, strip_comments, unfold
from mailx.mime.parse import Headers

_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+")
_ANGLED = re.compile(r"<([^<>]*)>")

_ADDRESS_FIELDS = frozenset(
    {"from", "sender", "reply-to", "to", "cc", "bcc"}
    | {"resent-from", "resent-sender", "resent-reply-to", "resent-to", "resent-cc", "resent-bcc"}
)
_MESSAGE_ID_FIELDS = frozenset({"message-id", "in-reply-to", "references", "resent-message-id"})
_DATE_FIELDS = frozenset({"date", "resent-date"})
_URL_FIELDS = frozenset(
    {"list-help", "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive"}
)
_TEXT_FIELDS = frozenset({"subject", "comments", "keywords"})
# Fields defined by RFC 5322 or RFC 2369; any other field may be read in every form.
_DEFINED = (
    _ADDRESS_FIELDS
    | _MESSAGE_ID_FIELDS
    | _DATE_FIELDS
    | _URL_FIELDS
    | _TEXT_FIELDS
    | {"return-path", "received"}
)
_ALLOWED: dict[str, frozenset[str]] = {
    "Text": _TEXT_FIELDS | {"list-id"},
    "Addresses": _ADDRESS_FIELDS,
    "GroupedAddresses": _ADDRESS_FIELDS,
    "MessageIds": _MESSAGE_ID_FIELDS,
    "Date": _DATE_FIELDS,
    "URLs": _URL_FIELDS,
}
FORMS = ("Raw", "Text", "Addresses", "GroupedAddresses", "MessageIds", "Date", "URLs")


@dataclass(frozen=True, slots=True)
class HeaderProperty:
    """A parsed `header:{name}[:as{form}][:all]` property; `prop` is the key to answer under."""

    prop: str
    name: str
    form: str = "Raw"
    all: bool = False


def form_allowed(name: str, form: str) -> bool:
    """Whether RFC 8621 lets this form be read from this field (e.g. not From as a Date)."""
    lowered = name.lower()
    if form == "Raw" or lowered not in _DEFINED:
        return True
    return lowered in _ALLOWED.get(form, frozenset())


def parse_header_property(prop: str) -> HeaderProperty | None:
    """Validates a header property name; None means the caller must answer invalidArguments."""
    if not prop.startswith("header:"):
        return None
    pieces = prop[len("header:") :].split(":")
    name, suffixes = pieces[0], pieces[1:]
    if not _NAME.fullmatch(name):
        return None
    all_ = bool(suffixes) and suffixes[-1] == "all"
    if all_:
        suffixes = suffixes[:-1]
    form = "Raw"
    if suffixes:
        if len(suffixes) > 1 or not suffixes[0].startswith("as") or suffixes[0][2:] not in FORMS:
            return None
        form = suffixes[0][2:]
    if not form_allowed(name, form):
        return None
    return HeaderProperty(prop, name, form, all_)


def as_text(raw: str) -> str:
    """Text form (§4.1.2.2): unfolded, leading spaces gone, encoded-words decoded, NFC."""
    return nfc(decode_words(unfold(raw).lstrip(" \t")))


def as_message_ids(raw: str) -> list[str] | None:
    """MessageIds form (§4.1.2.5); a lone bare id with "@" is accepted, as mailers drop the <>."""
    cleaned = strip_comments(unfold(raw))
    found = ["".join(m.split()) for m in _ANGLED.findall(cleaned)]
    ids = [m for m in found if m]
    if ids:
        return ids
    bare = cleaned.split()
    if len(bare) == 1 and "@" in bare[0] and "<" not in bare[0] and ">" not in bare[0]:
        return [bare[0]]
    return None


def as_date(raw: str) -> str | None:
    """Date form (§4.1.2.6) as RFC 3339 keeping the sender's offset; "Z" for a zero offset."""
    parsed = parsedate_tz(strip_comments(unfold(raw)).strip())
    if parsed is None:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    offset = parsed[9] or 0
    if abs(offset) >= 86400:
        return None
    try:
        moment = datetime(
            year, month, day, hour, minute, min(second, 59), tzinfo=timezone(timedelta(seconds=offset))
        )
    except (ValueError, OverflowError):
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if offset == 0 else text


def as_urls(raw: str) -> list[str] | None:
    """URLs form (§4.1.2.7): the <>-enclosed URLs of an RFC 2369 list field."""
    urls = ["".join(m.split()) for m in _ANGLED.findall(strip_comments(unfold(raw)))]
    urls = [u for u in urls if u]
    return urls or None


def _as_raw(raw: str) -> str:
    return raw


_PARSERS: dict[str, Callable[[str], Any]] = {
    "Raw": _as_raw,
    "Text": as_text,
    "Addresses": parse_addresses,
    "GroupedAddresses": parse_grouped,
    "MessageIds": as_message_ids,
    "Date": as_date,
    "URLs": as_urls,
}


def _bounded(raw: str) -> str:
    """The first MAX_PARSED_FIELD_OCTETS of a value, cut after the last list separator in it."""
    if len(raw) <= MAX_PARSED_FIELD_OCTETS:
        return raw
    head = raw[:MAX_PARSED_FIELD_OCTETS]
    cut = max(head.rfind(","), head.rfind(">"))
    return head[: cut + 1] if cut > 0 else head


def parse_form(raw: str, form: str) -> Any:
    """One header value in one form; a parser failure degrades to null, never to an error. Parsed
    forms read at most MAX_PARSED_FIELD_OCTETS of it (mime.bounds)."""
    try:
        return _PARSERS[form](raw if form == "Raw" else _bounded(raw))
    except Exception:
        return None


def header_value(headers: Headers, prop: HeaderProperty) -> Any:
    """The last instance (or all instances with :all) of a field, matched case-insensitively.

    Only the instances answered are parsed; with :all, parsed forms stop after
    MAX_PARSED_ALL_OCTETS in all and answer null for the instances after that."""
    wanted = prop.name.lower()
    found = [value for name, value in headers if name.lower() == wanted]
    if not prop.all:
        return parse_form(found[-1], prop.form) if found else None
    values: list[Any] = []
    budget = MAX_PARSED_ALL_OCTETS
    for value in found:
        if prop.form != "Raw" and budget <= 0:
            values.append(None)
            continue
        budget -= min(len(value), MAX_PARSED_FIELD_OCTETS)
        values.append(parse_form(value, prop.form))
    return values


def header_list(headers: Headers) -> list[dict[str, str]]:
    """The `headers` property: every field, in order, Raw values, original capitalisation."""
    return [{"name": name, "value": value} for name, value in headers]


# The convenience properties of §4.1.3 and the header property each one is identical to.
CONVENIENCE: dict[str, HeaderProperty] = {
    "messageId": HeaderProperty("messageId", "Message-ID", "MessageIds"),
    "inReplyTo": HeaderProperty("inReplyTo", "In-Reply-To", "MessageIds"),
    "references": HeaderProperty("references", "References", "MessageIds"),
    "sender": HeaderProperty("sender", "Sender", "Addresses"),
    "from": HeaderProperty("from", "From", "Addresses"),
    "to": HeaderProperty("to", "To", "Addresses"),
    "cc": HeaderProperty("cc", "Cc", "Addresses"),
    "bcc": HeaderProperty("bcc", "Bcc", "Addresses"),
    "replyTo": HeaderProperty("replyTo", "Reply-To", "Addresses"),
    "subject": HeaderProperty("subject", "Subject", "Text"),
    "sentAt": HeaderProperty("sentAt", "Date", "Date"),
}
