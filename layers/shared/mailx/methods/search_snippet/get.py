"""RFC 8621 §5.1: SearchSnippet/get — the subject and a body fragment with the filter's matches marked.

Matching is Email/query's (mailx.search.query: folded whole words, the last word of a value as a
prefix): the words of every `text`, `subject` and `body` condition not under a NOT mark the subject
(`text`, `subject`) and the body text (`text`, `body`), read from the indexed search text, so a match
anywhere in the body is found. Everything outside <mark></mark> is HTML-escaped; a property with no
match is null.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mailx.limits import LIMITS
from mailx.methods.email import _filters, _search
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError
from mailx.protocol.query_filter import Filter, FilterOperator, parse_filter
from mailx.protocol.standard_get import parse_ids
from mailx.search.query import TextQuery
from mailx.store import email_index, emails


def _queries(filter_: Filter | None, names: tuple[str, ...]) -> Iterator[TextQuery]:
    if filter_ is None:
        return
    if isinstance(filter_, FilterOperator):
        if filter_.operator != "NOT":
            for item in filter_.conditions:
                yield from _queries(item, names)
        return
    for name in names:
        value = filter_.get(name)
        if isinstance(value, TextQuery) and not value.empty:
            yield value


def search_snippet_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """One snippet per found Email id; ids that are not Emails go in notFound."""
    account_id = call.checked_account(args)
    filter_ = parse_filter(args.get("filter"), _filters.condition_parser(call))
    ids = parse_ids(args.get("emailIds"), "emailIds", call)
    if ids is None:
        raise MethodError.invalid_arguments("'emailIds' is required")
    if len(ids) > LIMITS.max_objects_in_get:
        raise MethodError(REQUEST_TOO_LARGE, f"at most {LIMITS.max_objects_in_get} emailIds")
    subject_terms = list(_queries(filter_, ("text", "subject")))
    body_terms = list(_queries(filter_, ("text", "body")))
    found = emails.get_many(account_id, ids)
    texts = email_index.texts(account_id, [r.blob_id for r in found.values()]) if body_terms else {}
    snippets = []
    for email_id in ids:
        record = found.get(email_id)
        if record is None:
            continue
        subject = str(record.summary.get("subject") or "")
        snippets.append(
            {
                "emailId": email_id,
                "subject": _search.highlight(subject, subject_terms) if subject_terms else None,
                "preview": _search.fragment(texts.get(record.blob_id, {}).get("body", ""), body_terms)
                if body_terms
                else None,
            }
        )
    not_found = [i for i in ids if i not in found]
    return {"accountId": account_id, "list": snippets, "notFound": not_found or None}
