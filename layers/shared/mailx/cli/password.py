"""Passwords for the `mailx` command without putting them on the command line (visible in `ps` and
in shell history): asked for at a terminal, or read from standard input with `--password -`."""

from __future__ import annotations

import getpass
import sys

from mailx.cli.client import UsageError

PROMPT = object()  # --password given without a value, or left out where one is required
STDIN = "-"


def read_password(given: object, *, confirm: bool) -> str:
    """The password GIVEN names: PROMPT asks (twice with CONFIRM), "-" reads one line of stdin."""
    if isinstance(given, str) and given != STDIN:
        return given  # still accepted, for scripts that already pass it
    if given == STDIN or not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise UsageError("no password on standard input")
        return password.removesuffix("\r")
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Password (again): ") != password:
        raise UsageError("the passwords did not match")
    if not password:
        raise UsageError("an empty password")
    return password


def add_option(parser: object, *, required: bool) -> None:
    """`--password [VALUE|-]`: without a value (or, if REQUIRED, without the option) it is asked for."""
    parser.add_argument(  # type: ignore[attr-defined]
        "--password",
        nargs="?",
        const=PROMPT,
        default=PROMPT if required else None,
        metavar="PASSWORD|-",
        help="'-' reads it from standard input; left out (or no value): asked for at the terminal",
    )
