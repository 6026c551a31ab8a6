"""`mailx quota ...`: an account's quota usage and limits (RFC 9425), through /v0/management."""

from __future__ import annotations

import argparse
from typing import Any

from mailx.cli import output
from mailx.cli.client import Api, segment
from mailx.cli.output import Output

Subparsers = Any
RESOURCES = ("octets", "count")
COLUMNS = ("used", "hardLimit", "warnLimit", "softLimit")


def _text(data: dict[str, Any]) -> str:
    rows = []
    for resource in RESOURCES:
        entry = data.get("quotas", {}).get(resource, {})
        rows.append(
            [resource]
            + [
                "-" if entry.get(k) is None else str(entry[k])
                for k in ("used", "hardLimit", "warnLimit", "softLimit")
            ]
        )
    source = "own limits" if data.get("custom") else "deployment defaults"
    heading = f"account {data.get('accountId', '')} ({source})"
    return heading + "\n" + output.table(["quota", "used", "hard limit", "warn limit", "soft limit"], rows)


def _path(account: str) -> str:
    return f"/v0/management/accounts/{segment(account)}/quota"


def _show(args: argparse.Namespace, api: Api) -> Output:
    data = api.call("GET", _path(args.account))
    return Output(data, _text(data))


def _set(args: argparse.Namespace, api: Api) -> Output:
    body: dict[str, Any] = {}
    for resource in RESOURCES:
        hard = getattr(args, resource)
        if hard is not None:
            body[resource] = {
                "hardLimit": hard,
                "warnLimit": getattr(args, f"warn_{resource}"),
                "softLimit": getattr(args, f"soft_{resource}"),
            }
    data = api.call("PUT", _path(args.account), body)
    return Output(data, _text(data))


def _reset(args: argparse.Namespace, api: Api) -> Output:
    data = api.call("PUT", _path(args.account), {})
    return Output(data, _text(data))


def _recount(args: argparse.Namespace, api: Api) -> Output:
    data = api.call("POST", _path(args.account) + "/recount")
    return Output(data, _text(data))


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `quota` command group."""
    group = commands.add_parser("quota", help="show or set an account's quotas (mail storage, messages)")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", parents=[common], help="usage and limits of an account")
    show.add_argument("account", metavar="ACCOUNT", help="account id, username or address")
    show.set_defaults(handler=_show)
    put = actions.add_parser(
        "set", parents=[common], help="give the account its own limits (others keep the deployment default)"
    )
    put.add_argument("account", metavar="ACCOUNT", help="account id, username or address")
    for resource, unit in (("octets", "octets of mail"), ("count", "messages")):
        put.add_argument(f"--{resource}", type=int, metavar="N", help=f"hard limit in {unit}")
        put.add_argument(
            f"--warn-{resource}", dest=f"warn_{resource}", type=int, metavar="N", help="warn limit"
        )
        put.add_argument(
            f"--soft-{resource}", dest=f"soft_{resource}", type=int, metavar="N", help="soft limit"
        )
    put.set_defaults(handler=_set)
    reset = actions.add_parser("reset", parents=[common], help="back to the deployment defaults")
    reset.add_argument("account", metavar="ACCOUNT", help="account id, username or address")
    reset.set_defaults(handler=_reset)
    recount = actions.add_parser("recount", parents=[common], help="recount usage from the stored messages")
    recount.add_argument("account", metavar="ACCOUNT", help="account id, username or address")
    recount.set_defaults(handler=_recount)
