"""Credentials on the wire: HTTP Basic headers, and alice's (the `alice` fixture's account)."""

from __future__ import annotations

import base64


def basic(user: str, password: str) -> dict[str, str]:
    """An Authorization header for HTTP Basic auth."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


ALICE = basic("alice", "correct horse battery")
