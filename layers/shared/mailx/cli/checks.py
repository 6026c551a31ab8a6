"""Checks the command makes before sending: address syntax, and a warning for addresses in domains the
deployment does not receive (SES would never route mail for them here)."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from mailx.cli.client import Api, CliError, UsageError
from mailx.mime.addresses import valid_address


def domain_of(address: str) -> str:
    """The lower-cased domain of an address ('' without one)."""
    return address.strip().rpartition("@")[2].lower().rstrip(".")


def check_addresses(addresses: Iterable[str], what: str) -> list[str]:
    """The addresses, stripped; UsageError naming the first that is not a plain local@domain."""
    checked = [a.strip() for a in addresses]
    for address in checked:
        if not valid_address(address):
            raise UsageError(f"{what} {address!r} is not an email address (local@domain.tld)")
    return checked


def configured_domains(api: Api) -> set[str] | None:
    """The deployment's domains (DOMAIN and stored ones), or None when they cannot be read."""
    try:
        listed = api.call("GET", "/v0/management/domains").get("domains", [])
    except CliError:
        return None
    return {str(d.get("domain", "")).lower() for d in listed}


def warn_outside_domains(api: Api, addresses: Iterable[str]) -> list[str]:
    """Print a warning (stderr) for each address outside the configured domains; those addresses."""
    wanted = [a for a in addresses if "@" in a]
    if not wanted:
        return []
    domains = configured_domains(api)
    if domains is None:
        return []
    outside = [a for a in wanted if domain_of(a) not in domains]
    for address in outside:
        known = ", ".join(sorted(domains)) or "none"
        print(
            f"mailx: warning: {address} is outside the configured domains ({known}); "
            "mail from outside will not reach it (add the domain with `mailx domain set`)",
            file=sys.stderr,
        )
    return outside
