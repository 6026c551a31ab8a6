"""`mailx reindex ACCOUNT`: rebuild an account's full-text index through /v0/management, batch by batch.

Each call indexes one batch and answers the cursor of the next; the command repeats it, shows the
progress, and prints the cursor so that `--from CURSOR` resumes an interrupted run.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mailx.cli.client import Api, segment
from mailx.cli.output import Output

Subparsers = Any


def _run(args: argparse.Namespace, api: Api) -> Output:
    path = f"/v0/management/accounts/{segment(args.account)}/reindex"
    cursor: str | None = args.start
    done = 0
    data: dict[str, Any] = {}
    while True:
        data = api.call("POST", path, {"cursor": cursor, "batch": args.batch})
        done += int(data.get("indexed", 0))
        cursor = data.get("next")
        if not args.json:
            total = data.get("emails") or 0
            resume = f" (resume with --from {cursor})" if cursor else ""
            print(f"indexed {done:,} of {total:,} messages{resume}", file=sys.stderr, flush=True)
        if not cursor:
            break
    summary = {"accountId": data.get("accountId"), "indexed": done}
    return Output(summary, f"reindexed {done:,} messages of account {data.get('accountId')}")


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `reindex` command."""
    command = commands.add_parser(
        "reindex", parents=[common], help="rebuild an account's full-text search index"
    )
    command.add_argument("account", metavar="ACCOUNT", help="account id, username or address")
    command.add_argument(
        "--from", dest="start", metavar="CURSOR", help="resume after this cursor (from a progress line)"
    )
    command.add_argument("--batch", type=int, default=100, metavar="N", help="messages per call (1-500)")
    command.set_defaults(handler=_run)
