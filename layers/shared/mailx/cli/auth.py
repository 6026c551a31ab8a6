"""`mailx login`: a Bearer token for an account, from /v0/auth/login (no management key needed)."""

from __future__ import annotations

import argparse
from typing import Any

from mailx.cli.client import Api
from mailx.cli.output import Output
from mailx.cli.password import add_option, read_password

Subparsers = Any


def _login(args: argparse.Namespace, api: Api) -> Output:
    body = {"username": args.username, "password": read_password(args.password, confirm=False)}
    data = api.call("POST", "/v0/auth/login", body, management=False)
    return Output(data, str(data.get("token", "")))  # the bare token, for TOKEN=$(mailx login ...)


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `login` command."""
    login = commands.add_parser("login", parents=[common], help="sign in and print a Bearer token")
    login.add_argument("username", help="username or an assigned address")
    add_option(login, required=True)
    login.set_defaults(handler=_login)
