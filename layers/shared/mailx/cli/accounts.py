"""`mailx account ...` and `mailx identity ...`: accounts and their assigned addresses."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mailx.cli import output
from mailx.cli.checks import check_addresses, warn_outside_domains
from mailx.cli.client import Api, UsageError, segment
from mailx.cli.output import Output
from mailx.cli.password import add_option as add_password_option
from mailx.cli.password import read_password
from mailx.mime.addresses import valid_address

Subparsers = Any  # argparse's private _SubParsersAction


def _create(args: argparse.Namespace, api: Api) -> Output:
    addresses = check_addresses(args.address or [], "--address")
    warn_outside_domains(api, [*addresses, *([args.username] if valid_address(args.username) else [])])
    body = {
        "username": args.username,
        "password": read_password(args.password, confirm=True),
        "name": args.name or "",
        "addresses": addresses,
    }
    data = api.call("POST", "/v0/management/accounts", body)
    return Output(data, "created account\n" + output.account(data))


def _list(args: argparse.Namespace, api: Api) -> Output:
    data = api.call("GET", "/v0/management/accounts")
    return Output(data, output.accounts(data.get("accounts", [])))


def _show(args: argparse.Namespace, api: Api) -> Output:
    data = api.call("GET", f"/v0/management/accounts/{segment(args.account)}")
    return Output(data, output.account(data))


def _update(args: argparse.Namespace, api: Api) -> Output:
    body: dict[str, Any] = {}
    if args.password is not None:
        body["password"] = read_password(args.password, confirm=True)
    if args.disabled is not None:
        body["disabled"] = args.disabled
    if args.name is not None:
        body["name"] = args.name
    if not body:
        raise UsageError("nothing to change: give --password, --disable, --enable or --name")
    data = api.call("PATCH", f"/v0/management/accounts/{segment(args.account)}", body)
    return Output(data, "updated account\n" + output.account(data))


MAX_DELETE_CALLS = 10_000  # each call works ~20 s; this only stops a server that never finishes


def _delete(args: argparse.Namespace, api: Api) -> Output:
    """Repeat the DELETE while the server answers 202 (a large account takes several calls)."""
    calls = 0
    while calls < MAX_DELETE_CALLS:
        calls += 1
        answer = api.call("DELETE", f"/v0/management/accounts/{segment(args.account)}")
        if not (isinstance(answer, dict) and answer.get("deleting")):
            break
        if not args.json:
            print(f"still deleting {args.account} (call {calls}) ...", file=sys.stderr, flush=True)
    return Output({"deleted": args.account, "calls": calls}, f"deleted account {args.account}")


def _identity_add(args: argparse.Namespace, api: Api) -> Output:
    check_addresses([args.address], "address")
    warn_outside_domains(api, [args.address])
    body = {"email": args.address, "name": args.name or ""}
    data = api.call("POST", f"/v0/management/accounts/{segment(args.account)}/identities", body)
    return Output(data, f"assigned {args.address}\n" + output.account(data))


def _identity_remove(args: argparse.Namespace, api: Api) -> Output:
    path = f"/v0/management/accounts/{segment(args.account)}/identities/{segment(args.address)}"
    data = api.call("DELETE", path)
    return Output(data, f"unassigned {args.address}\n" + output.account(data))


ACCOUNT_HELP = "an account id, username or assigned address"


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `account` and `identity` command groups."""
    group = commands.add_parser("account", help="create, list, show, change and delete accounts")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", parents=[common], help="create an account with default mailboxes")
    create.add_argument("username")
    add_password_option(create, required=True)
    create.add_argument("--name", help="display name (default: the username)")
    create.add_argument("--address", action="append", metavar="ADDRESS", help="assign (repeatable)")
    create.set_defaults(handler=_create)

    actions.add_parser("list", parents=[common], help="list every account").set_defaults(handler=_list)

    show = actions.add_parser("show", parents=[common], help="show one account")
    show.add_argument("account", help=ACCOUNT_HELP)
    show.set_defaults(handler=_show)

    update = actions.add_parser("update", parents=[common], help="reset the password, disable/enable, rename")
    update.add_argument("account", help=ACCOUNT_HELP)
    add_password_option(update, required=False)
    state = update.add_mutually_exclusive_group()
    state.add_argument("--disable", dest="disabled", action="store_const", const=True)
    state.add_argument("--enable", dest="disabled", action="store_const", const=False)
    update.add_argument("--name")
    update.set_defaults(handler=_update)

    delete = actions.add_parser("delete", parents=[common], help="delete an account and all its mail")
    delete.add_argument("account", help=ACCOUNT_HELP)
    delete.set_defaults(handler=_delete)

    identity = commands.add_parser("identity", help="assign and unassign addresses")
    identity_actions = identity.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = identity_actions.add_parser("add", parents=[common], help="assign an address to an account")
    add.add_argument("account", help=ACCOUNT_HELP)
    add.add_argument("address")
    add.add_argument("--name", help="the identity's display name")
    add.set_defaults(handler=_identity_add)
    remove = identity_actions.add_parser("remove", parents=[common], help="unassign an address")
    remove.add_argument("account", help=ACCOUNT_HELP)
    remove.add_argument("address")
    remove.set_defaults(handler=_identity_remove)
