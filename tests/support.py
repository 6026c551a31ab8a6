"""Small helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import base64


def basic(user: str, password: str) -> dict[str, str]:
    """An Authorization header for HTTP Basic auth."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
