"""What the fuzz suites share: how many examples to try, and the moto world one module's examples run in."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

# `make fuzz` raises this; the short default keeps `make test` quick.
EXAMPLES = int(os.environ.get("MAILX_FUZZ_EXAMPLES", "60"))


@dataclass
class World:
    """The app, alice's account and her Inbox, plus every serverFail the API logged."""

    client: Any
    account_id: str
    inbox_id: str
    server_fails: list[str] = field(default_factory=list)

    def take_server_fails(self) -> list[str]:
        """The serverFails logged since the last call, forgetting them."""
        found, self.server_fails[:] = list(self.server_fails), []
        return found
