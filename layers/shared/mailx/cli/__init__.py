"""The `mailx` command: administration of a local runtime or a deployed stack through its /v0 API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from mailx.cli import (
    accounts,
    auth,
    deliver,
    doctor,
    domains,
    export_cmd,
    import_cmd,
    quota,
    reindex,
    settings,
)
from mailx.cli.client import DEFAULT_URL, KEY_ENV, URL_ENV, Api, CliError, UsageError, find_key
from mailx.cli.output import Output
from mailx.local import paths

# Each command group adds its parsers here.
COMMAND_GROUPS: tuple[Callable[[Any, argparse.ArgumentParser], None], ...] = (
    accounts.register,
    domains.register,
    settings.register,
    auth.register,
    deliver.register,
    doctor.register,
    import_cmd.register,
    export_cmd.register,
    quota.register,
    reindex.register,
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


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are UsageError (exit 2), so --json can print them as JSON too."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def version() -> str:
    """The installed package's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("mailx")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mailx", parents=[_common(False)], description="Administer mailx through its /v0 management API."
    )
    parser.add_argument("--version", action="version", version=f"mailx {version()}")
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


def default_url() -> str:
    """MAILX_URL, else the local runtime running on this data folder (any PORT), else the default."""
    return os.environ.get(URL_ENV, "").strip() or paths.running_url(paths.data_dir()) or DEFAULT_URL


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; 0 on success, 1 when the server refused, 2 for usage, 3 when unreachable.

    Under --json an error is also a JSON object on stdout ({"error": {...}}), with the same exit code.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in words
    try:
        args = build_parser().parse_args(words)
        url = args.url or default_url()
        api = Api(url, lambda: find_key(url, args.key))
        handler: Callable[[argparse.Namespace, Api], Output] = args.handler
        _print(handler(args, api), args.json)
    except CliError as exc:
        print(f"mailx: {exc}", file=sys.stderr)
        if as_json:
            print(json.dumps(exc.to_json(), indent=2, sort_keys=True))
        return exc.exit_code
    return 0
