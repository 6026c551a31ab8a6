"""A plain addr-spec we can route and send from (no display name, no comments): stdlib only, so the
`mailx` command checks addresses exactly as the management API does."""

from __future__ import annotations

import re

_ADDRESS = re.compile(
    r"^[^@\s\"(),:;<>\[\\\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)


def valid_address(address: str) -> bool:
    """Whether ADDRESS (surrounding spaces ignored) is a plain local@domain.tld."""
    return bool(_ADDRESS.match(address.strip()))


def domain_of(address: str) -> str:
    """The lower-cased domain of an address ('' without one)."""
    return address.strip().rpartition("@")[2].lower().rstrip(".")
