"""`mailx export ACCOUNT --to DIR|FILE [--format maildir|mbox]`: an account's mail, byte for byte."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mailx.cli.client import Api, CliError, UsageError
from mailx.cli.migrate_account import account_client
from mailx.cli.output import Output
from mailx.migrate.export import export
from mailx.migrate.jmap import JmapError
from mailx.migrate.progress import Progress

Subparsers = Any


def _export(args: argparse.Namespace, api: Api) -> Output:
    destination = Path(args.to).expanduser()
    fmt = args.format or ("mbox" if destination.suffix == ".mbox" or destination.is_file() else "maildir")
    if fmt == "mbox" and destination.is_dir():
        raise UsageError(f"--format mbox writes one file; {destination} is a folder")
    if fmt == "maildir" and destination.is_file():
        raise UsageError(f"--format maildir writes a folder; {destination} is a file")
    with account_client(api, args.account) as client:
        enabled = None if not args.no_progress else False
        try:
            with Progress(f"export {args.account}", enabled) as progress:
                summary = export(client, destination, fmt, progress)
        except JmapError as exc:
            raise CliError(str(exc)) from None
    data = {
        "emails": summary.emails,
        "octets": summary.octets,
        "mailboxes": summary.mailboxes,
        "to": str(destination),
        "format": fmt,
    }
    return Output(data, summary.text(destination))


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `export` command."""
    command = commands.add_parser(
        "export", parents=[common], help="export an account's mail to Maildir or mbox"
    )
    command.add_argument("account", help="the account (id, username or address)")
    command.add_argument(
        "--to", required=True, metavar="DIR|FILE", help="a folder (maildir) or a file (mbox)"
    )
    command.add_argument(
        "--format", choices=("maildir", "mbox"), help="default: mbox for *.mbox, else maildir"
    )
    command.add_argument("--no-progress", action="store_true", help="no progress bar")
    command.set_defaults(handler=_export)
