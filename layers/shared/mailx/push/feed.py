"""The change feed every push path reads: "account X's type states are now these".

On AWS the feed is the DynamoDB Stream of the accounts table (the account item holds every type's
modseq); locally the same events are produced in-process. Each push path (WebSocket connections, Web
Push subscriptions, the event source) is a sink that receives the events of one batch. Keeping the
event shape here, below every sink, lets the fan-out stay ignorant of how each path delivers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StateChangeEvent:
    """One account's states after a commit, and the states before it where the feed knows them.

    `states` maps a JMAP type name to its modseq (as the account item stores it); `previous` is empty
    when the feed cannot tell (a new account, or a stream record without an old image).
    """

    account_id: str
    states: Mapping[str, int]
    previous: Mapping[str, int] = field(default_factory=dict)

    def changed_types(self) -> list[str]:
        """The type names whose state moved (every type when the previous states are unknown)."""
        if not self.previous:
            return sorted(self.states)
        return sorted(t for t, v in self.states.items() if self.previous.get(t) != v)


# A sink delivers one batch; it raises only for a fault worth retrying the whole batch.
Sink = Callable[[Sequence[StateChangeEvent]], None]
