"""The agents' part of a tenant's aggregator (docs/metrics.md, "Agent states"): an agent's
state derived from its calls and its manual state, each change recorded in its scopes'
ledgers and as a closed interval; and the agent events."""

from __future__ import annotations

from collections.abc import Callable

from app.events.schemas import AgentLogin, AgentLogout, AgentState
from app.streams.aggregator.base import TenantState
from app.streams.aggregator.records import (
    AVAILABLE,
    BREAK,
    IN_WRAPUP,
    LOGGED_OUT,
    ON_CALL,
    RINGING,
    STATE_DELTAS,
    Agent,
    Call,
    Interval,
)


class Agents:
    """Derives and records the agents' states; handles agent.login, agent.logout and
    agent.state. A wrap-up that an agent's event ends is completed by the calls' rules:
    `complete` is bound by the machine once both parts exist."""

    complete: Callable[[Call, int, int, int], None]
    """complete(call, t, wrap, ms): the call's handling is done (`CallRules.complete`)."""

    def __init__(self, state: TenantState) -> None:
        self.agent = state.agent
        self.facts = state.facts

    def refresh(self, ag: Agent, t: int) -> None:
        """Derive the agent's state from its inputs (calls over manual state); record a
        change: close the interval (a fact), move the counts of its scopes."""
        label = None
        if ag.talk:
            category = ON_CALL
        elif ag.ring:
            category = RINGING
        elif ag.wrap is not None:
            category = IN_WRAPUP
        elif not ag.logged_in:
            category = LOGGED_OUT
        elif ag.manual is None:
            category = AVAILABLE
        else:
            category = BREAK
            label = ag.manual
        old = ag.category
        old_label = ag.label
        if category == old and label == old_label:
            return
        since = ag.since
        if old != LOGGED_OUT and t > since:
            self.facts.append(Interval(ag.id, ag.team, old, old_label, since, t))
        if category != old:
            delta = STATE_DELTAS[old][category]
            own, group = ag.states
            cum = own.integral + own.counts * (t - own.last)
            own.integral = cum
            own.last = t
            own.counts += delta
            own.times.append(t)
            own.totals.append(cum)
            cum = group.integral + group.counts * (t - group.last)
            group.integral = cum
            group.last = t
            group.counts += delta
            group.times.append(t)
            group.totals.append(cum)
        if old_label is not None or label is not None:
            for stats in ag.scopes:
                reasons = stats.reasons
                if old_label is not None:
                    n = reasons[old_label] - 1
                    if n:
                        reasons[old_label] = n
                    else:
                        del reasons[old_label]
                if label is not None:
                    reasons[label] = reasons.get(label, 0) + 1
        ag.category = category
        ag.label = label
        ag.since = t

    def take_call(self, ag: Agent, t: int, ms: int, call: Call) -> None:
        """The agent takes `call` (answers, connects, dials, receives a transfer): it is
        working, so it is logged in and ready, and a wrap-up it still had is over."""
        ag.logged_in = True
        ag.manual = None
        wrap = ag.wrap
        if wrap is not None and wrap is not call:
            self.complete(wrap, t, max(0, ms - wrap.wrap_start), ms)

    def on_login(self, ev: AgentLogin, t: int) -> None:
        ag = self.agent(ev.agent, t)
        if ev.name is not None:
            ag.name = ev.name
        if not ag.logged_in:
            ag.logged_in = True
            ag.manual = None
            self.refresh(ag, t)

    def on_logout(self, ev: AgentLogout, t: int) -> None:
        ag = self.agent(ev.agent, t)
        ag.logged_in = False
        ag.manual = None
        for call in ag.ring:
            call.ring = None
        ag.ring.clear()
        wrap = ag.wrap
        if wrap is not None:
            self.complete(wrap, t, max(0, ev.ts - wrap.wrap_start), ev.ts)
        self.refresh(ag, t)

    def on_state(self, ev: AgentState, t: int) -> None:
        ag = self.agent(ev.agent, t)
        ag.logged_in = True
        ag.manual = None if ev.state == "available" else (ev.reason or ev.state)
        wrap = ag.wrap
        if wrap is not None:
            self.complete(wrap, t, max(0, ev.ts - wrap.wrap_start), ev.ts)
        self.refresh(ag, t)
