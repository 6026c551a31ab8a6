"""RFC 8620 §5.1: /get arguments, property selection and the response shape."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError
from mailx.protocol.validate import invalid, is_id_or_creation_ref, opt_str_list


@dataclass(frozen=True)
class GetArgs:
    """Validated /get arguments; `ids`/`properties` None mean "all" as in the RFC."""

    account_id: str
    ids: list[str] | None
    properties: list[str] | None


def parse_ids(value: Any, name: str, call: CallContext) -> list[str] | None:
    """An `Id[]|null` argument: each entry an Id or `#creationId`, de-duplicated in order.

    `#creationId` entries are resolved through the request's creation map; unknown ones are kept
    as given, so they simply end up in `notFound` rather than failing the whole call.
    """
    if value is None:
        return None
    if not isinstance(value, list) or not all(is_id_or_creation_ref(item) for item in value):
        raise invalid(f"'{name}' must be an array of Ids or null")
    resolved: dict[str, None] = {}
    for item in value:
        resolved[call.resolve_id(item) or item] = None
    return list(resolved)


def parse_get(
    args: Mapping[str, Any],
    call: CallContext,
    max_objects: int,
    *,
    known_properties: Collection[str] | None = None,
) -> GetArgs:
    """Validate a standard /get call; more ids than maxObjectsInGet is requestTooLarge.

    With `known_properties`, an unknown name in `properties` is rejected here, before any
    storage is touched.
    """
    account_id = call.checked_account(args)
    ids = parse_ids(args.get("ids"), "ids", call)
    if ids is not None and len(ids) > max_objects:
        raise MethodError(
            REQUEST_TOO_LARGE, f"{len(ids)} ids requested; the maximum is {max_objects} (maxObjectsInGet)"
        )
    properties = opt_str_list(args, "properties")
    if properties is not None and known_properties is not None:
        check_properties(properties, known_properties)
    return GetArgs(account_id=account_id, ids=ids, properties=properties)


def check_properties(properties: Sequence[str], known: Collection[str]) -> None:
    """Unknown property names are invalidArguments (RFC 8620 §5.1 `properties`)."""
    unknown = [name for name in properties if name not in known]
    if unknown:
        raise invalid(f"unknown properties: {', '.join(sorted(unknown))}")


def select_properties(
    obj: Mapping[str, Any], properties: Sequence[str] | None, all_properties: Collection[str]
) -> dict[str, Any]:
    """Project a record onto the requested properties; `id` is always returned (RFC 8620 §5.1).

    `properties` None means every property in `all_properties`. A property the record lacks is
    returned as null, so clients always see every property they asked for.
    """
    wanted = list(all_properties) if properties is None else list(properties)
    check_properties(wanted, all_properties)
    selected: dict[str, Any] = {}
    if "id" in obj:
        selected["id"] = obj["id"]
    for name in wanted:
        selected[name] = obj.get(name)
    return selected


def get_response(
    account_id: str, state: str, found: list[dict[str, Any]], not_found: Sequence[str]
) -> dict[str, Any]:
    """The /get response object with every argument present (`notFound` as [] when empty)."""
    return {"accountId": account_id, "state": state, "list": found, "notFound": list(not_found)}


def answer_from_records(
    request: GetArgs, state: str, records: Mapping[str, Mapping[str, Any]], all_properties: Collection[str]
) -> dict[str, Any]:
    """A whole /get answer from a type's records already read by id (`ids` null = all of them).

    Identities are few, so one Query reads them whole; submissions are read by id (or whole, bounded).
    """
    ids = list(records) if request.ids is None else request.ids
    found = [select_properties(records[i], request.properties, all_properties) for i in ids if i in records]
    return get_response(request.account_id, state, found, [i for i in ids if i not in records])
