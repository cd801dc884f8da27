"""The live agent board: one row per agent with its state, reason, since when, current call
and calls handled today."""

from __future__ import annotations

import msgspec

from app.streams.aggregator.base import TenantState
from app.streams.aggregator.ledgers import MASK
from app.streams.aggregator.records import STATE_NAMES, Agent, Call, Stats


class AgentStatus(msgspec.Struct, frozen=True):
    """`state`: logged_out, available, ringing, on_call, wrapup or break (with `reason`).
    `since_ms`: when the agent entered this state (aggregator time). `call_id`/`call_queue`:
    the call it is on, ringing with or wrapping up. `handled_today`: legs handled since local
    midnight."""

    agent: str
    name: str | None
    team: str | None
    state: str
    reason: str | None
    since_ms: int
    call_id: str | None
    call_queue: str | None
    handled_today: int


def current_call(ag: Agent) -> Call | None:
    if ag.talk:
        return ag.talk[-1]
    if ag.ring:
        return ag.ring[-1]
    return ag.wrap


def handled_today(m: TenantState, stats: Stats, q: int) -> int:
    if m.calendar.day(q) != m.day:
        return 0
    return (stats.handled.total - stats.handled.day_base) & MASK


def agent_board(
    m: TenantState, now_ms: int, team: str | None = None, queue: str | None = None
) -> list[AgentStatus]:
    """Agents seen in events, in order of first appearance; `team` keeps the team's agents,
    `queue` the agents who were offered or took a call of that queue."""
    q = max(now_ms, m.clock)
    names = m.config.agent_names
    rows = []
    for ag in m.agents.values():
        if team is not None and ag.team != team:
            continue
        if queue is not None and queue not in ag.queues:
            continue
        call = current_call(ag)
        rows.append(
            AgentStatus(
                agent=ag.id,
                name=names.get(ag.id, ag.name),
                team=ag.team,
                state=STATE_NAMES[ag.category],
                reason=ag.label,
                since_ms=ag.since,
                call_id=call.id if call is not None else None,
                call_queue=(call.queue if call is not None else None),
                handled_today=handled_today(m, m.agent_stats[ag.id], q),
            )
        )
    return rows
