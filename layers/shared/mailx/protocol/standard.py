"""RFC 8620 §5.1-5.6: one import point for the standard-method helpers every data type uses.

The code lives in standard_get/_changes/_set/_copy/_query/_query_changes and query_filter; this
module only re-exports it so method modules can write `from mailx.protocol import standard`.
"""

from __future__ import annotations

from mailx.protocol.query_filter import (
    Comparator,
    Filter,
    FilterOperator,
    evaluate,
    parse_filter,
    parse_sort,
    sort_records,
)
from mailx.protocol.standard_changes import (
    ChangesArgs,
    ChangesPage,
    changes_response,
    collapse_changes,
    parse_changes,
)
from mailx.protocol.standard_copy import CopyArgs, CopyResult, parse_copy
from mailx.protocol.standard_get import GetArgs, get_response, parse_get, parse_ids, select_properties
from mailx.protocol.standard_query import QueryArgs, QueryWindow, parse_query, query_response, window
from mailx.protocol.standard_query_changes import (
    QueryChanges,
    QueryChangesArgs,
    parse_query_changes,
    query_changes,
    query_changes_response,
)
from mailx.protocol.standard_set import SetArgs, SetResult, check_state, parse_set

__all__ = [
    "ChangesArgs",
    "ChangesPage",
    "Comparator",
    "CopyArgs",
    "CopyResult",
    "Filter",
    "FilterOperator",
    "GetArgs",
    "QueryArgs",
    "QueryChanges",
    "QueryChangesArgs",
    "QueryWindow",
    "SetArgs",
    "SetResult",
    "changes_response",
    "check_state",
    "collapse_changes",
    "evaluate",
    "get_response",
    "parse_changes",
    "parse_copy",
    "parse_filter",
    "parse_get",
    "parse_ids",
    "parse_query",
    "parse_query_changes",
    "parse_set",
    "parse_sort",
    "query_changes",
    "query_changes_response",
    "query_response",
    "select_properties",
    "sort_records",
    "window",
]
