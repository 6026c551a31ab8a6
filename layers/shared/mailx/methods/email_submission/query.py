"""RFC 8621 §7.3 (RFC 8620 §5.5): EmailSubmission/query over the account's submissions.

An account holds at most a few thousand submissions, so one Query reads them all and the filter and
sort run in memory. Sorts: emailId, threadId and sendAt; `sentAt`, the name §7.3 prints, is accepted
as the same thing. Without a sort, the order is creation order (ids sort by creation time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from mailx.protocol.context import CallContext
from mailx.protocol.errors import UNSUPPORTED_FILTER, MethodError
from mailx.protocol.query_filter import Comparator, Filter, evaluate, sort_records
from mailx.protocol.standard_query import parse_query, query_response, window
from mailx.protocol.validate import invalid, is_id_or_creation_ref, parse_utc_date
from mailx.store import submissions
from mailx.store.submissions import SubmissionRecord

SORTABLE = ("emailId", "threadId", "sendAt", "sentAt")
_LISTS = {"identityIds": "identity_id", "emailIds": "email_id", "threadIds": "thread_id"}
_CONDITIONS = frozenset({*_LISTS, "undoStatus", "before", "after"})


def condition_parser(call: CallContext) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Validate one FilterCondition (§7.3); an unknown property is unsupportedFilter."""

    def parse(condition: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(condition) - _CONDITIONS)
        if unknown:
            raise MethodError(
                UNSUPPORTED_FILTER, f"EmailSubmission/query cannot filter on {', '.join(unknown)}"
            )
        parsed: dict[str, Any] = {}
        for name in _LISTS:
            if name in condition:
                ids = condition[name]
                if not isinstance(ids, list) or not all(is_id_or_creation_ref(i) for i in ids):
                    raise invalid(f"filter {name!r} must be an array of Ids")
                parsed[name] = {call.resolve_id(i) or i for i in ids}
        if "undoStatus" in condition:
            if not isinstance(condition["undoStatus"], str):
                raise invalid("filter 'undoStatus' must be a string")
            parsed["undoStatus"] = condition["undoStatus"]
        for name in ("before", "after"):
            if name in condition:
                parsed[name] = parse_utc_date(condition[name], f"filter/{name}")
        return parsed

    return parse


def _sent_at(record: SubmissionRecord) -> datetime:
    return datetime.fromisoformat(record.send_at.replace("Z", "+00:00"))


def matches(record: SubmissionRecord, condition: dict[str, Any]) -> bool:
    """Does the submission meet every property of one parsed FilterCondition?"""
    for name, attribute in _LISTS.items():
        if name in condition and getattr(record, attribute) not in condition[name]:
            return False
    if "undoStatus" in condition and record.undo_status != condition["undoStatus"]:
        return False
    if "before" in condition and not _sent_at(record) < condition["before"]:
        return False
    return "after" not in condition or _sent_at(record) >= condition["after"]


def _value(record: SubmissionRecord, comparator: Comparator) -> Any:
    if comparator.property == "emailId":
        return record.email_id
    if comparator.property == "threadId":
        return record.thread_id
    return _sent_at(record)


def _matches_filter(record: SubmissionRecord, filter_: Filter | None) -> bool:
    return evaluate(filter_, lambda condition: matches(record, condition))


def results(
    records: Sequence[SubmissionRecord], filter_: Filter | None, sort: Sequence[Comparator]
) -> list[str]:
    """The ids of the whole result list, filtered and sorted (ties keep creation order)."""
    matched = [r for r in records if _matches_filter(r, filter_)]
    return [r.submission_id for r in sort_records(matched, list(sort), _value)]


def email_submission_query(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """The ids of matching submissions; the queryState is the EmailSubmission state."""
    parsed = parse_query(args, call, parse_condition=condition_parser(call), sortable=SORTABLE)
    state = call.services.state(parsed.account_id, submissions.TYPE_NAME)
    ids = results(submissions.list_all(parsed.account_id), parsed.filter, parsed.sort)
    cut = window(ids, parsed.position, parsed.anchor, parsed.anchor_offset, parsed.limit)
    return query_response(parsed, cut, state, can_calculate_changes=True)
