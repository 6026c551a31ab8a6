"""The `mailx` command: administration of a local runtime or a deployed stack through its /v0 API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mailx.cli import accounts, auth, deliver, domains, quota, settings
from mailx.cli.client import DEFAULT_URL, KEY_ENV, URL_ENV, Api, CliError, find_key
from mailx.cli.output import Output

# Each command group adds its parsers here.
COMMAND_GROUPS: tuple[Callable[[Any, argparse.ArgumentParser], None], ...] = (
    accounts.register,
    domains.register,
    settings.register,
    auth.register,
    deliver.register,
    quota.register,
)


def _common(suppress: bool) -> argparse.ArgumentParser:
    """Global options, accepted before or after the command (later wins)."""
    default: Any = argparse.SUPPRESS if suppress else None
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=default, help=f"base URL (env {URL_ENV}, default {DEFAULT_URL})")
    common.add_argument(
        "--key",
        default=default,
        help=f"management key (env {KEY_ENV}; local: the data folder's)",
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print the server's JSON instead of text",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailx", parents=[_common(False)], description="Administer mailx through its /v0 management API."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    leaf_options = _common(True)
    for register in COMMAND_GROUPS:
        register(commands, leaf_options)
    return parser


def _print(result: Output, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.data, indent=2, sort_keys=True))
    elif result.text:
        print(result.text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; 0 on success, 1 when the server refused, 2 for usage, 3 when unreachable."""
    args = build_parser().parse_args(argv)
    url = args.url or os.environ.get(URL_ENV, "").strip() or DEFAULT_URL
    try:
        api = Api(url, lambda: find_key(url, args.key))
        handler: Callable[[argparse.Namespace, Api], Output] = args.handler
        _print(handler(args, api), args.json)
    except CliError as exc:
        print(f"mailx: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0
