"""`mailx domain ...`: mail domains with their postmaster and catch-all routing."""

from __future__ import annotations

import argparse
from typing import Any

from mailx.cli import output
from mailx.cli.client import Api, segment
from mailx.cli.output import Output

Subparsers = Any


def _list(args: argparse.Namespace, api: Api) -> Output:
    data = api.call("GET", "/v0/management/domains")
    return Output(data, output.domains(data.get("domains", [])))


def _account_id(api: Api, ref: str | None, current: str | None) -> str | None:
    """None keeps the current routing, '' clears it, anything else is resolved to an account id."""
    if ref is None:
        return current
    if not ref:
        return None
    account = api.call("GET", f"/v0/management/accounts/{segment(ref)}")
    return str(account["accountId"])


def _set(args: argparse.Namespace, api: Api) -> Output:
    # The API replaces both routes at once; read the current ones so an option left out keeps its value.
    wanted = args.domain.strip().lower().rstrip(".")
    listed = api.call("GET", "/v0/management/domains").get("domains", [])
    current: dict[str, Any] = next((d for d in listed if d.get("domain") == wanted), {})
    body = {
        "postmasterAccountId": _account_id(api, args.postmaster, current.get("postmasterAccountId")),
        "catchAllAccountId": _account_id(api, args.catch_all, current.get("catchAllAccountId")),
    }
    data = api.call("PUT", f"/v0/management/domains/{segment(wanted)}", body)
    return Output(data, output.domains([data]))


def _remove(args: argparse.Namespace, api: Api) -> Output:
    api.call("DELETE", f"/v0/management/domains/{segment(args.domain)}")
    return Output({"deleted": args.domain}, f"removed domain {args.domain}")


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `domain` command group."""
    group = commands.add_parser("domain", help="list, add and remove mail domains")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", parents=[common], help="DOMAIN setting plus stored domains").set_defaults(
        handler=_list
    )
    put = actions.add_parser("set", parents=[common], help="add a domain or change its routing")
    put.add_argument("domain")
    put.add_argument("--postmaster", metavar="ACCOUNT", help="account for postmaster@ ('' clears)")
    put.add_argument("--catch-all", metavar="ACCOUNT", help="account for unknown local parts ('' clears)")
    put.set_defaults(handler=_set)
    remove = actions.add_parser("remove", parents=[common], help="remove a stored domain")
    remove.add_argument("domain")
    remove.set_defaults(handler=_remove)
