"""`mailx config ...`: the effective configuration and its run-time overrides."""

from __future__ import annotations

import argparse
from typing import Any

from mailx.cli import output
from mailx.cli.client import Api, UsageError
from mailx.cli.output import Output

Subparsers = Any


def _one(values: dict[str, dict[str, str]], key: str) -> Output:
    if key not in values:
        raise UsageError(f"unknown configuration key {key}")
    entry = values[key]
    return Output({key: entry}, f"{key} = {entry.get('value', '')}   ({entry.get('source', '')})")


def _get(args: argparse.Namespace, api: Api) -> Output:
    values = api.call("GET", "/v0/management/config").get("config", {})
    if args.name:
        return _one(values, args.name.upper())
    return Output({"config": values}, output.config(values))


def _change(api: Api, key: str, value: str | None) -> Output:
    values = api.call("POST", "/v0/management/config", {"values": {key: value}}).get("config", {})
    return _one(values, key)


def _set(args: argparse.Namespace, api: Api) -> Output:
    return _change(api, args.name.upper(), args.value)


def _unset(args: argparse.Namespace, api: Api) -> Output:
    return _change(api, args.name.upper(), None)


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `config` command group."""
    group = commands.add_parser("config", help="read and override run-time configuration")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    get = actions.add_parser("get", parents=[common], help="every key (or one) with its value and source")
    get.add_argument("name", nargs="?", metavar="KEY")
    get.set_defaults(handler=_get)
    put = actions.add_parser("set", parents=[common], help="store an override (reserved keys are refused)")
    put.add_argument("name", metavar="KEY")
    put.add_argument("value")
    put.set_defaults(handler=_set)
    unset = actions.add_parser("unset", parents=[common], help="remove a stored override")
    unset.add_argument("name", metavar="KEY")
    unset.set_defaults(handler=_unset)
