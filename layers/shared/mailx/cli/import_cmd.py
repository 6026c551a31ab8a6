"""`mailx import SOURCE --account ACCOUNT`: mail from mbox, Maildir, IMAP or JMAP into an account.

Resumable and idempotent through a local state file (docs/migrate.md); failures are listed at the end
and in a JSON report, and the exit code is 1 when any message failed.
"""

from __future__ import annotations

import argparse
import json
import urllib.parse
from pathlib import Path
from typing import Any

from mailx.cli.client import Api, CliError, UsageError
from mailx.cli.migrate_account import account_client
from mailx.cli.output import Output
from mailx.cli.password import SOURCE_PASSWORD_ENV, read_secret
from mailx.migrate.jmap import Client, JmapError, basic, bearer, session_url
from mailx.migrate.model import Source
from mailx.migrate.progress import Progress
from mailx.migrate.runner import Importer, Options
from mailx.migrate.state import State, default_path
from mailx.migrate.target import Mailboxes

Subparsers = Any


def _secret(args: argparse.Namespace, what: str) -> str:
    return read_secret(what=what, env=args.password_env, from_stdin=args.password_stdin)


def open_source(args: argparse.Namespace) -> Source:
    """The source named on the command line (a URL scheme, a folder or a file)."""
    text: str = args.source
    parsed = urllib.parse.urlsplit(text)
    if parsed.scheme in ("imap", "imaps"):
        from mailx.migrate.imap import ImapSource

        user = urllib.parse.unquote(parsed.username or args.user or "")
        if not user:
            raise UsageError("name the IMAP user: imaps://USER@HOST or --user")
        password = _secret(args, f"password for {user} at {parsed.hostname}")
        try:
            return ImapSource(text, user, password, exclude=args.exclude or [])
        except OSError as exc:
            raise CliError(f"IMAP {parsed.hostname}: {exc}") from None
    if parsed.scheme in ("http", "https"):
        from mailx.migrate.jmap_source import JmapSource

        user = urllib.parse.unquote(parsed.username or args.user or "")
        netloc = (parsed.hostname or "") + (f":{parsed.port}" if parsed.port else "")
        url = urllib.parse.urlunsplit((parsed.scheme, netloc, parsed.path, parsed.query, ""))
        if args.auth == "bearer":
            authorization = bearer(_secret(args, f"token for {parsed.hostname}"))
        else:
            if not user:
                raise UsageError("name the JMAP user: https://USER@HOST/... or --user (or --auth bearer)")
            authorization = basic(user, _secret(args, f"password for {user} at {parsed.hostname}"))
        try:
            return JmapSource(Client(session_url(url), authorization))
        except JmapError as exc:
            raise CliError(str(exc)) from None
    path = Path(text).expanduser()
    if path.is_dir():
        from mailx.migrate.maildir import MaildirSource

        return MaildirSource(path)
    if path.is_file():
        from mailx.migrate.mbox import MboxSource

        return MboxSource(path, quoting=args.quoting, mailbox=args.mailbox)
    raise UsageError(f"no such file or folder, and not an imap(s):// or http(s):// URL: {text}")


def _source_id(text: str) -> str:
    parsed = urllib.parse.urlsplit(text)
    if parsed.scheme:
        return text
    return str(Path(text).expanduser().resolve())


def _import(args: argparse.Namespace, api: Api) -> Output:
    source = open_source(args)
    state_path = (
        Path(args.state) if args.state else default_path(api.url, args.account, _source_id(args.source))
    )
    report_path = Path(args.report) if args.report else state_path.with_suffix(".report.json")
    options = Options(batch_size=args.batch, import_threads=args.import_threads)
    state = State(state_path)
    try:
        with account_client(api, args.account) as client:
            try:
                mailboxes = Mailboxes(client, args.into)
            except JmapError as exc:
                raise CliError(str(exc)) from None
            importer = Importer(client, mailboxes, state, options)
            enabled = None if not args.no_progress else False
            with Progress(f"import {args.account}", enabled) as progress:
                summary = importer.run(source, progress)
    finally:
        state.close()
    report = {
        "source": source.description,
        "account": args.account,
        "state": str(state_path),
        **summary.to_json(),
    }
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = f"{summary.text()}\nreport: {report_path}"
    if summary.failures:
        if args.json:
            print(json.dumps(report, indent=2, sort_keys=True))
        else:
            print(text)
        raise CliError(f"{len(summary.failures)} message(s) not imported; see {report_path}")
    return Output(report, text)


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `import` command."""
    command = commands.add_parser(
        "import",
        parents=[common],
        help="import mail from an mbox file, a Maildir, an IMAP or a JMAP server",
        description="SOURCE: an mbox file, a Maildir folder, imaps://USER@HOST[:PORT] (imap:// on loopback), "
        "or a JMAP session URL https://USER@HOST/.well-known/jmap. Passwords come from --password-stdin, "
        f"${SOURCE_PASSWORD_ENV} (or --password-env NAME) or a prompt.",
    )
    command.add_argument("source", metavar="SOURCE")
    command.add_argument("--account", required=True, help="the mailx account (id, username or address)")
    command.add_argument("--into", metavar="PARENT", help="put every imported mailbox under this mailbox")
    command.add_argument(
        "--mailbox", help="mbox: the mailbox for messages without labels (default: file name)"
    )
    command.add_argument(
        "--quoting", choices=("mboxrd", "mboxo"), default="mboxrd", help="mbox From-line quoting"
    )
    command.add_argument("--user", help="IMAP/JMAP user (or in the URL)")
    command.add_argument(
        "--auth", choices=("basic", "bearer"), default="basic", help="JMAP source authentication"
    )
    command.add_argument(
        "--password-env",
        metavar="NAME",
        help=f"environment variable with the password (default {SOURCE_PASSWORD_ENV})",
    )
    command.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    command.add_argument(
        "--exclude", action="append", metavar="FOLDER", help="IMAP: skip this folder (repeatable)"
    )
    command.add_argument("--state", metavar="FILE", help="state file (default under ~/.local/state/mailx)")
    command.add_argument("--report", metavar="FILE", help="JSON report (default: beside the state file)")
    command.add_argument("--batch", type=int, default=50, help="emails per Email/import call")
    command.add_argument("--import-threads", type=int, default=1, help="Email/import calls at once")
    command.add_argument("--no-progress", action="store_true", help="no progress bar")
    command.set_defaults(handler=_import)
