"""RFC 8621 §4.4.1: Email FilterConditions — validating them and matching them against listing data."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mailx.methods.email import _search
from mailx.methods.email._keywords import is_keyword
from mailx.protocol.context import CallContext
from mailx.protocol.errors import UNSUPPORTED_FILTER, MethodError
from mailx.protocol.query_filter import Filter, FilterOperator
from mailx.protocol.validate import check_unsigned_int, invalid, is_id_or_creation_ref, parse_utc_date
from mailx.search import query as search_query
from mailx.search.fields import message_fields
from mailx.search.terms import ALL_FIELDS, FIELDS
from mailx.store.emails import EmailRecord

KEYWORD_CONDITIONS = ("allInThreadHaveKeyword", "someInThreadHaveKeyword", "noneInThreadHaveKeyword",
                      "hasKeyword", "notKeyword")  # fmt: skip
THREAD_CONDITIONS = frozenset(KEYWORD_CONDITIONS[:3])
TEXT_CONDITIONS = ("text", "from", "to", "cc", "bcc", "subject", "body")
SUMMARY_CONDITIONS = frozenset({"hasAttachment", "header", *TEXT_CONDITIONS})
# The index fields (search.terms.FIELDS) each text condition looks in (RFC 8621 §4.4.1).
TEXT_MASKS = {"text": ALL_FIELDS, **{name: FIELDS[name] for name in TEXT_CONDITIONS if name != "text"}}
KNOWN = frozenset({"inMailbox", "inMailboxOtherThan", "before", "after", "minSize", "maxSize",
                   *KEYWORD_CONDITIONS, "hasAttachment", *TEXT_CONDITIONS, "header"})  # fmt: skip


def _mailbox(call: CallContext, value: Any, name: str) -> str:
    if not is_id_or_creation_ref(value):
        raise invalid(f"filter {name!r} must be a Mailbox id")
    return call.resolve_id(value) or value


def _parse_value(call: CallContext, name: str, value: Any) -> Any:
    if name == "inMailbox":
        return _mailbox(call, value, name)
    if name == "inMailboxOtherThan":
        if not isinstance(value, list):
            raise invalid("filter 'inMailboxOtherThan' must be an array of Mailbox ids")
        return frozenset(_mailbox(call, v, name) for v in value)
    if name in ("before", "after"):
        return parse_utc_date(value, name)
    if name in ("minSize", "maxSize"):
        return check_unsigned_int(value, name)
    return _parse_other(name, value)


def _parse_other(name: str, value: Any) -> Any:
    if name in KEYWORD_CONDITIONS:
        if not is_keyword(value):
            raise invalid(f"filter {name!r} must be a keyword")
        return value.lower()
    if name == "hasAttachment":
        if not isinstance(value, bool):
            raise invalid("filter 'hasAttachment' must be a boolean")
        return value
    if name == "header":
        if not (isinstance(value, list) and 1 <= len(value) <= 2 and all(isinstance(v, str) for v in value)):
            raise invalid("filter 'header' must be an array of one or two strings")
        return (value[0].strip().lower(), _search.terms(value[1]) if len(value) == 2 else None)
    if not isinstance(value, str):
        raise invalid(f"filter {name!r} must be a string")
    return search_query.parse(value)


def condition_parser(call: CallContext) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Validate one FilterCondition; an unknown property is unsupportedFilter."""

    def parse(condition: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(condition) - KNOWN)
        if unknown:
            raise MethodError(UNSUPPORTED_FILTER, f"Email/query cannot filter on {', '.join(unknown)}")
        return {name: _parse_value(call, name, value) for name, value in condition.items()}

    return parse


def conditions(filter_: Filter | None) -> Iterable[dict[str, Any]]:
    """Every FilterCondition in a filter tree."""
    if filter_ is None:
        return
    if isinstance(filter_, FilterOperator):
        for item in filter_.conditions:
            yield from conditions(item)
    else:
        yield filter_


def _received(record: EmailRecord) -> datetime:
    return datetime.fromisoformat(record.received_at)


@dataclass
class Matcher:
    """Matches conditions against one account's listing data (keywords per thread, search texts)."""

    threads: Mapping[str, list[frozenset[str]]] = field(default_factory=dict)
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def thread_keywords(self, record: EmailRecord) -> list[frozenset[str]]:
        return self.threads.get(record.thread_id) or [frozenset(record.keywords)]

    def fields(self, record: EmailRecord) -> dict[str, str]:
        return message_fields(record.summary, self.texts.get(record.blob_id, {}))

    def one(self, record: EmailRecord, name: str, value: Any) -> bool:
        words = set(record.keywords)
        if name == "inMailbox":
            return value in record.mailbox_ids
        if name == "inMailboxOtherThan":
            return bool(set(record.mailbox_ids) - value)
        if name in ("before", "after"):
            return bool(_received(record) < value if name == "before" else _received(record) >= value)
        if name in ("minSize", "maxSize"):
            return bool(record.size >= value if name == "minSize" else record.size < value)
        if name == "hasKeyword":
            return value in words
        if name == "notKeyword":
            return value not in words
        if name in THREAD_CONDITIONS:
            having = [value in k for k in self.thread_keywords(record)]
            return all(having) if name == "allInThreadHaveKeyword" else (
                any(having) if name == "someInThreadHaveKeyword" else not any(having)
            )  # fmt: skip
        if name == "hasAttachment":
            return bool(record.summary.get("hasAttachment")) is value
        if name == "header":
            header, wanted = value
            found = [v for n, v in _search.headers(record.summary) if n == header]
            return bool(found) and (wanted is None or any(_search.matches(wanted, [v]) for v in found))
        return search_query.matches(value, self.fields(record), TEXT_MASKS[name])

    def matches(self, record: EmailRecord, condition: Mapping[str, Any]) -> bool:
        """Every property of the condition holds (an empty condition always does)."""
        return all(self.one(record, name, value) for name, value in condition.items())
