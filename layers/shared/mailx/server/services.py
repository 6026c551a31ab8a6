"""What a method handler reaches through `call.services`: the principal and per-request caches."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailx.auth.authenticate import Principal
from mailx.store import transactions


@dataclass
class Services:
    """Per-request state for the methods layer.

    States are read once per request and then kept in step with our own writes: reading a state before
    the data it describes can only make a client fetch a change twice, never miss one.
    """

    principal: Principal
    _states: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Sign-in read the account item, states included, at the start of this request: reuse them.
        account = getattr(self.principal, "account", None)  # service-level callers may have no principal
        if account is not None and account.states:
            self._states[account.account_id] = dict(account.states)

    def states(self, account_id: str) -> dict[str, int]:
        cached = self._states.get(account_id)
        if cached is None:
            cached = transactions.get_states(account_id)
            self._states[account_id] = cached
        return cached

    def state(self, account_id: str, type_name: str) -> str:
        """The JMAP state string of TYPE_NAME: its modseq in decimal."""
        return str(self.states(account_id).get(type_name, 0))

    def note_committed(self, account_id: str, new_states: dict[str, int]) -> None:
        """Record the states our own write produced."""
        self.states(account_id).update(new_states)

    def refresh(self, account_id: str) -> None:
        """Forget the cached states (after a lost race, re-read before answering)."""
        self._states.pop(account_id, None)
