"""Passwords for the `mailx` command without putting them on the command line (visible in `ps` and
in shell history): asked for at a terminal, or read from standard input with `--password -`."""

from __future__ import annotations

import getpass
import os
import sys

from mailx.cli.client import UsageError

PROMPT = object()  # --password given without a value, or left out where one is required
STDIN = "-"
SOURCE_PASSWORD_ENV = "MAILX_SOURCE_PASSWORD"  # noqa: S105 - the name of the variable holding it


def _stdin_line(what: str) -> str:
    """One line of standard input without its line end; an empty one is a usage error."""
    line = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not line:
        raise UsageError(f"no {what} on standard input")
    return line


def read_password(given: object, *, confirm: bool) -> str:
    """The password GIVEN names: PROMPT asks (twice with CONFIRM), "-" reads one line of stdin."""
    if isinstance(given, str) and given != STDIN:
        return given  # still accepted, for scripts that already pass it
    if given == STDIN or not sys.stdin.isatty():
        return _stdin_line("password")
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


def read_secret(*, what: str, env: str | None = None, from_stdin: bool = False) -> str:
    """A source server's password or token for `mailx import`: the first line of stdin
    (--password-stdin), else $ENV, else a prompt at the terminal; never a command-line argument."""
    if from_stdin:
        return _stdin_line(what)
    value = os.environ.get(env or SOURCE_PASSWORD_ENV, "")
    if value:
        return value
    if sys.stdin.isatty():
        entered = getpass.getpass(f"{what}: ")
        if entered:
            return entered
    raise UsageError(
        f"{what}: use --password-stdin, set ${env or SOURCE_PASSWORD_ENV}, or run on a terminal to be asked"
    )
