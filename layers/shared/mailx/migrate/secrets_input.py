"""Reading a source's password or token: from stdin, an environment variable or a prompt, never argv.

A command-line argument would sit in the shell history and in `ps` output for every user to read.
(`mailx` commands that take an account password may share this helper later.)
"""

from __future__ import annotations

import getpass
import os
import sys

DEFAULT_ENV = "MAILX_SOURCE_PASSWORD"


class NoSecret(Exception):
    """No way to get the secret was given and there is no terminal to ask on."""


def read_secret(*, what: str, env: str | None = None, from_stdin: bool = False) -> str:
    """The first line of stdin (--password-stdin), else $ENV, else a prompt on the terminal."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise NoSecret(f"{what}: stdin was empty")
        return line
    value = os.environ.get(env or DEFAULT_ENV, "")
    if value:
        return value
    if sys.stdin.isatty():
        entered = getpass.getpass(f"{what}: ")
        if entered:
            return entered
    raise NoSecret(
        f"{what}: use --password-stdin, set ${env or DEFAULT_ENV}, or run on a terminal to be asked"
    )
