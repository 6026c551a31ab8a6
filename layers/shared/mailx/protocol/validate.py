"""RFC 8620 §1.2-1.4: Id, Int, UnsignedInt, Date and UTCDate checks that answer invalidArguments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mailx.protocol.errors import MethodError

MAX_SAFE_INT = 2**53 - 1
MIN_SAFE_INT = -(2**53) + 1

_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
# RFC 3339 date-time; T and Z must be uppercase in JMAP (RFC 8620 §1.4).
_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})",
)


def invalid(description: str) -> MethodError:
    """Shorthand for the invalidArguments error every parser raises."""
    return MethodError.invalid_arguments(description)


def is_id(value: Any) -> bool:
    """1-255 characters of the base64url alphabet, no padding."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def is_id_or_creation_ref(value: Any) -> bool:
    """An Id, or `#` followed by a creation id, as allowed wherever a record may be referenced."""
    return isinstance(value, str) and (is_id(value) or (value.startswith("#") and is_id(value[1:])))


def check_id(value: Any, name: str) -> str:
    """Validate one Id argument; the description names the argument for the client developer."""
    if not is_id(value):
        raise invalid(f"'{name}' must be an Id (1-255 characters of A-Za-z0-9_-)")
    result: str = value
    return result


def check_int(value: Any, name: str, *, minimum: int = MIN_SAFE_INT) -> int:
    """An I-JSON safe integer (booleans are not integers here, though Python thinks so)."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_SAFE_INT:
        kind = "an UnsignedInt" if minimum == 0 else "an Int"
        raise invalid(f"'{name}' must be {kind}")
    return value


def check_unsigned_int(value: Any, name: str) -> int:
    """0 <= value <= 2^53-1."""
    return check_int(value, name, minimum=0)


def parse_date(value: Any, name: str) -> datetime:
    """An RFC 3339 date-time with uppercase T/Z; returned timezone-aware."""
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        raise invalid(f"'{name}' must be an RFC 3339 date-time such as 2014-10-30T06:12:00Z")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise invalid(f"'{name}' is not a valid date-time: {value!r}") from None


def parse_utc_date(value: Any, name: str) -> datetime:
    """A Date whose offset is `Z` (RFC 8620 §1.4 UTCDate)."""
    if not isinstance(value, str) or not value.endswith("Z"):
        raise invalid(f"'{name}' must be a UTCDate ending in Z, such as 2014-10-30T06:12:00Z")
    return parse_date(value, name)


def format_utc_date(moment: datetime) -> str:
    """Render a UTCDate, omitting fractional seconds when they are zero as RFC 8620 §1.4 asks."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0") + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- argument readers: missing/null handling in one place (RFC 8620 §3.5 omitted arguments) --


def opt_str(args: Mapping[str, Any], name: str) -> str | None:
    """A `String|null` argument."""
    value = args.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid(f"'{name}' must be a string or null")
    return value


def opt_bool(args: Mapping[str, Any], name: str, default: bool) -> bool:
    """A `Boolean` argument with a default (null is treated as omitted)."""
    value = args.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(f"'{name}' must be a boolean")
    return value


def opt_int(args: Mapping[str, Any], name: str, default: int) -> int:
    """An `Int` argument with a default."""
    value = args.get(name)
    return default if value is None else check_int(value, name)


def opt_unsigned_int(args: Mapping[str, Any], name: str) -> int | None:
    """An `UnsignedInt|null` argument."""
    value = args.get(name)
    return None if value is None else check_unsigned_int(value, name)


def opt_str_list(args: Mapping[str, Any], name: str) -> list[str] | None:
    """A `String[]|null` argument."""
    value = args.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(f"'{name}' must be an array of strings or null")
    return list(value)


def opt_object(args: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """An object-or-null argument (a map such as `create` or `update`)."""
    value = args.get(name)
    if value is not None and not isinstance(value, dict):
        raise invalid(f"'{name}' must be an object or null")
    return value


def require_str(args: Mapping[str, Any], name: str) -> str:
    """A required `String` argument such as `sinceState`."""
    value = args.get(name)
    if not isinstance(value, str):
        raise invalid(f"'{name}' is required and must be a string")
    return value


def account_id_of(args: Mapping[str, Any]) -> str:
    """`accountId` without a CallContext (for callers that validated access elsewhere)."""
    value = args.get("accountId")
    if not isinstance(value, str):
        raise invalid("'accountId' is required and must be a string")
    return value
