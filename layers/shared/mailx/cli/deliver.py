"""`mailx deliver FILE.eml|FOLDER ... --to ADDRESS`: messages into mailboxes through the ingest path.

Each message is one POST /v0/management/deliver (raw message/rfc822 body), routed like mail SES
received (RFC 5321 envelope recipients: addresses, +subaddresses, postmaster, catch-all). One line is
printed per message; the exit code is 1 when any recipient of any message did not get its copy.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from mailx.cli.checks import check_addresses, warn_outside_domains
from mailx.cli.client import Api, ApiError, CliError, Unreachable, UsageError, find_key
from mailx.cli.output import Output

Subparsers = Any


HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")  # RFC 5322 §2.2: a field name (printable, no colon), ':'
PEEK = 64 * 1024


def not_a_message(path: Path) -> str | None:
    """Why PATH is not an RFC 5322 message (None when it looks like one): it must open with header
    fields, at least one of which names an originator, a recipient, a date or a message id."""
    with open(path, "rb") as handle:
        head = handle.read(PEEK)
    if not head.strip():
        return "it is empty"
    if b"\x00" in head:
        return "it is binary, not a message"
    if not HEADER_LINE.match(head.lstrip(b"\r\n")):
        return "it does not start with a header field (Name: value)"
    fields = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    if not {k.lower() for k in fields} & {"from", "to", "date", "message-id", "subject", "sender"}:
        return "it has no From, To, Date, Subject or Message-ID field"
    return None


def message_files(paths: list[str]) -> list[Path]:
    """The files named, and every *.eml in the folders named (sorted, not recursive); every one is
    checked to be a message before anything is sent."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.eml") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {name}")
    if not found:
        raise UsageError("no messages to deliver (a folder contributes only its *.eml files)")
    for path in found:
        why = not_a_message(path)
        if why:
            raise UsageError(f"{path} is not an email message: {why}; nothing was delivered")
    return found


def _post(api: Api, key: str, query: list[tuple[str, str]], raw: bytes) -> dict[str, Any]:
    url = f"{api.url}/v0/management/deliver?{urllib.parse.urlencode(query)}"
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "message/rfc822",
        "Accept": "application/json",
    }
    request = urllib.request.Request(url, data=raw, method="POST", headers=headers)  # noqa: S310
    try:
        # check_url (in Api) allowed only http(s).
        with urllib.request.urlopen(request, timeout=api.timeout) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        try:
            detail = str(json.loads(exc.read()).get("detail", ""))
        except (ValueError, AttributeError):
            detail = ""
        raise ApiError(exc.code, str(exc.reason), detail) from None
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(f"cannot reach {api.url}: {getattr(exc, 'reason', exc)}") from None


def describe(name: str, answer: dict[str, Any]) -> tuple[str, bool]:
    """One line for one message, and whether every recipient got its copy."""
    parts = [f"{acc} {mid}" for acc, mid in answer.get("delivered", {}).items()]
    parts += [f"{acc} {mid} (already delivered)" for acc, mid in answer.get("duplicates", {}).items()]
    parts += [f"{acc} FAILED: {why}" for acc, why in answer.get("failed", {}).items()]
    unknown = answer.get("unknownRecipients") or []
    if unknown:
        parts.append("unknown recipients: " + ", ".join(unknown))
    ok = (
        not unknown and not answer.get("failed") and bool(answer.get("delivered") or answer.get("duplicates"))
    )
    return f"{name}: {'; '.join(parts) or 'delivered to nobody'}", ok


def _deliver(args: argparse.Namespace, api: Api) -> Output:
    recipients = check_addresses(args.to, "--to")
    files = message_files(args.paths)
    key = find_key(api.url, args.key)
    if not key:
        raise UsageError(f"no management key for {api.url}: pass --key or set MAILX_MANAGEMENT_KEY")
    warn_outside_domains(api, recipients)
    results: list[dict[str, Any]] = []
    failed = 0
    for path in files:
        query = [("to", address) for address in recipients]
        if args.id:
            query.append(("id", args.id if len(files) == 1 else f"{args.id}:{path.name}"))
        try:
            answer = _post(api, key, query, path.read_bytes())
        except ApiError as exc:
            line, ok, answer = f"{path}: FAILED: {exc}", False, {"error": str(exc)}
        else:
            line, ok = describe(str(path), answer)
        failed += not ok
        results.append({"file": str(path), **answer})
        if not args.json:
            print(line, flush=True)
    if failed:
        error = CliError(f"{failed} of {len(files)} message(s) not delivered to every recipient")
        error.data = results  # under --json, printed with the error
        raise error
    return Output(results, "")


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `deliver` command."""
    command = commands.add_parser(
        "deliver", parents=[common], help="deliver .eml files to addresses, as inbound mail would arrive"
    )
    command.add_argument("paths", nargs="+", metavar="FILE|FOLDER", help="message files, or folders of *.eml")
    command.add_argument(
        "--to", action="append", required=True, metavar="ADDRESS", help="envelope recipient (repeatable)"
    )
    command.add_argument(
        "--id", metavar="KEY", help="idempotency key: delivering again with it creates nothing new"
    )
    command.set_defaults(handler=_deliver)
