"""`mailx reindex [ACCOUNT]`: rebuild full-text indexes through /v0/management, batch by batch.

Each call indexes one batch and answers the cursor of the next; the command repeats it, shows the
progress, and prints the cursor so that `--from CURSOR` resumes an interrupted run. Without an
ACCOUNT every account is reindexed in turn (what an upgrade from before the index needs); a rerun
gives the same index, so an interrupted run over every account can simply be started again.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mailx.cli.client import Api, UsageError, segment
from mailx.cli.output import Output

Subparsers = Any


def _one(api: Api, account: str, cursor: str | None, batch: int, quiet: bool) -> dict[str, Any]:
    """Reindex one account from CURSOR to its end; its id and how many messages were indexed."""
    path = f"/v0/management/accounts/{segment(account)}/reindex"
    done = 0
    data: dict[str, Any] = {}
    while True:
        data = api.call("POST", path, {"cursor": cursor, "batch": batch})
        done += int(data.get("indexed", 0))
        cursor = data.get("next")
        if not quiet:
            total = data.get("emails") or 0
            resume = f" (resume with --from {cursor})" if cursor else ""
            print(
                f"{data.get('accountId')}: indexed {done:,} of {total:,} messages{resume}",
                file=sys.stderr,
                flush=True,
            )
        if not cursor:
            break
    return {"accountId": data.get("accountId"), "indexed": done}


def _run(args: argparse.Namespace, api: Api) -> Output:
    if args.account:
        summary = _one(api, args.account, args.start, args.batch, args.json)
        return Output(summary, f"reindexed {summary['indexed']:,} messages of account {summary['accountId']}")
    if args.start:
        raise UsageError("mailx reindex: --from resumes one account: name the ACCOUNT too")
    listed = api.call("GET", "/v0/management/accounts").get("accounts", [])
    done = [_one(api, str(a["accountId"]), None, args.batch, args.json) for a in listed]
    total = sum(d["indexed"] for d in done)
    return Output({"accounts": done}, f"reindexed {total:,} messages of {len(done)} account(s)")


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `reindex` command."""
    command = commands.add_parser(
        "reindex", parents=[common], help="rebuild the full-text search index of one account, or of all"
    )
    command.add_argument(
        "account",
        metavar="ACCOUNT",
        nargs="?",
        help="account id, username or address (default: every account)",
    )
    command.add_argument(
        "--from", dest="start", metavar="CURSOR", help="resume after this cursor (from a progress line)"
    )
    command.add_argument("--batch", type=int, default=100, metavar="N", help="messages per call (1-500)")
    command.set_defaults(handler=_run)
