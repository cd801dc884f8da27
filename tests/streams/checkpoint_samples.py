"""The events behind `samples/checkpoint_v1.msgpack`: a checkpoint written by format version 1
(before wrap-up limits), kept to prove that later versions still read it.

The sample was made with the code of format version 1 by applying `V1_EVENTS` to
`TenantAggregator(TenantConfig(tenant_id=1))` and writing its `dump()` to the file. At that
point agent `a1` is in wrap-up after `c1` (its queue had wrap-up on: no limit), `c2` waits in
`support` and `a2` talks on `c3`.
"""

from __future__ import annotations

from typing import Final

from app.events.schemas import AgentLogin, CallAnswered, CallEnded, CallQueued, Event

T0: Final = 1_700_000_000_000


def _events() -> list[Event]:
    return [
        AgentLogin(id="e1", ts=T0, agent="a1"),
        AgentLogin(id="e2", ts=T0 + 1_000, agent="a2"),
        CallQueued(id="e3", ts=T0 + 10_000, call_id="c1", queue="support"),
        CallAnswered(id="e4", ts=T0 + 15_000, call_id="c1", agent="a1"),
        CallQueued(id="e5", ts=T0 + 20_000, call_id="c3", queue="sales"),
        CallAnswered(id="e6", ts=T0 + 22_000, call_id="c3", agent="a2"),
        CallEnded(id="e7", ts=T0 + 75_000, call_id="c1"),
        CallQueued(id="e8", ts=T0 + 80_000, call_id="c2", queue="support"),
    ]


V1_EVENTS: Final = _events()
V1_END_MS: Final = T0 + 80_000
