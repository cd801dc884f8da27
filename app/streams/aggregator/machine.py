"""One tenant's aggregator: the shared state and its clock (`base.py`) and the parts each
event goes to: the calls (`calls.py`, with their rules in `rules.py`), the agents
(`agents.py`) and the deals (`pipeline.py`). Sales and surveys, one handler each, are applied
here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import heappop
from typing import Any, Final

from app.events.schemas import (
    AgentLogin,
    AgentLogout,
    AgentState,
    CallAbandoned,
    CallAnswered,
    CallbackDismissed,
    CallConnected,
    CallDialed,
    CallEnded,
    CallHold,
    CallLeftQueue,
    CallQueued,
    CallResumed,
    CallRinging,
    CallTranscript,
    CallTransferred,
    CallWrapupEnded,
    CsatSubmitted,
    DealClosed,
    DealCreated,
    DealLost,
    DealStageChanged,
    DealWon,
    Event,
)
from app.streams.aggregator.agents import Agents
from app.streams.aggregator.base import MICROS, TenantState
from app.streams.aggregator.calls import Calls
from app.streams.aggregator.config import TenantConfig
from app.streams.aggregator.facts import CsatFact, DealFact
from app.streams.aggregator.pipeline import Deals
from app.streams.aggregator.records import (
    CSAT_RESPONSES,
    CSAT_SATISFIED,
    CSAT_SUM,
    DEALS,
    REVENUE_MICROS,
)
from app.streams.aggregator.rules import CallRules

CALL_EVENTS: Final = (
    CallQueued,
    CallRinging,
    CallAnswered,
    CallHold,
    CallResumed,
    CallTransferred,
    CallEnded,
    CallWrapupEnded,
    CallAbandoned,
    CallLeftQueue,
    CallDialed,
    CallConnected,
)
"""Events that may carry `deal_id`."""


class Machine:
    """Owns the tenant state and the parts, sends each event to its handler at its aggregator
    time, and lets time pass (period boundaries, wrap-up limits, expiries) between events."""

    def __init__(self, config: TenantConfig) -> None:
        state = self.state = TenantState(config)
        self.deal_part = Deals(state)
        self.agent_part = Agents(state)
        self.call_rules = CallRules(state, self.agent_part, self.deal_part)
        self.agent_part.complete = self.call_rules.complete
        self.call_part = Calls(state, self.call_rules, self.agent_part)
        calls, agents, deals = self.call_part, self.agent_part, self.deal_part
        self.handlers: dict[type, Callable[[Any, int], None]] = {
            CallQueued: calls.on_queued,
            CallRinging: calls.on_ringing,
            CallAnswered: calls.on_answered,
            CallHold: calls.on_hold,
            CallResumed: calls.on_resumed,
            CallTransferred: calls.on_transferred,
            CallEnded: calls.on_ended,
            CallWrapupEnded: calls.on_wrapup_ended,
            CallAbandoned: calls.on_abandoned,
            CallLeftQueue: calls.on_left_queue,
            CallDialed: calls.on_dialed,
            CallConnected: calls.on_connected,
            AgentLogin: agents.on_login,
            AgentLogout: agents.on_logout,
            AgentState: agents.on_state,
            DealClosed: self.on_deal,
            CsatSubmitted: self.on_csat,
            DealCreated: deals.on_deal_created,
            DealStageChanged: deals.on_deal_stage_changed,
            DealWon: deals.on_deal_won,
            DealLost: deals.on_deal_lost,
            CallbackDismissed: self.on_callback_dismissed,
            CallTranscript: state.phrases.on_transcript,
        }
        for cls in CALL_EVENTS:
            self.handlers[cls] = deals.tagging(self.handlers[cls])

    # ------------------------------------------------------------------ time

    def apply_batch(self, events: Sequence[Event]) -> None:
        state = self.state
        state.counts.update(map(type, events))  # counted in C
        handlers = self.handlers
        clock = state.clock
        for ev in events:
            t: int = ev.ts
            if t <= clock:
                t = clock
            else:
                if t >= state.due:
                    self.pass_time(t, roll=True)
                clock = state.clock = t
            handlers[type(ev)](ev, t)

    def advance(self, now_ms: int) -> None:
        """Expire calls due by `now_ms`. Boundaries are crossed only as far as expiries need:
        an event that arrives later with an earlier time must still land in its own period."""
        if now_ms >= self.state.due:
            self.pass_time(now_ms, roll=False)

    def pass_time(self, until: int, roll: bool) -> None:
        state = self.state
        rules = self.call_rules
        while True:
            deadline = state.next_deadline()
            if (
                state.interval_end <= until
                and state.interval_end <= deadline
                and (roll or deadline <= until)
            ):
                self.roll(min(until, deadline))
            elif deadline <= until:
                t = max(deadline, state.clock)
                state.clock = t
                wraps = state.wrap_deadlines
                if wraps and wraps[0][0] == deadline:
                    rules.wrapup_limit_reached(heappop(wraps)[4], t)
                elif state.callbacks.due == deadline:
                    state.callbacks.expire_due(t)
                else:
                    rules.expire(state.expiry.popleft(), t)
            else:
                break
        state.due = min(state.interval_end, state.next_deadline())

    def roll(self, x: int) -> None:
        """Aggregator time reaches `x`, past the current interval (`TenantState.roll`); at a
        new day the deals closed long ago are forgotten too."""
        day = self.state.day
        self.state.roll(x)
        if self.state.day != day:
            self.deal_part.forget_deals(x)

    # ------------------------------------------------------------------ sales and surveys

    def on_deal(self, ev: DealClosed, t: int) -> None:
        queue, _ = self.state.call_context(ev.call_id, t)
        ag = self.state.agent(ev.agent, t)
        micros = round(ev.amount * MICROS)
        for stats in self.state.call_scopes(queue, ag.id):
            stats.add_other(t, DEALS | micros * REVENUE_MICROS)
        self.state.facts.append(
            DealFact(
                f"deal:{ev.id}",
                ev.agent,
                ag.team,
                queue,
                ev.call_id,
                micros / MICROS,
                ev.currency,
                t,
            )
        )

    def on_csat(self, ev: CsatSubmitted, t: int) -> None:
        queue, call_agent = self.state.call_context(ev.call_id, t)
        agent_id = ev.agent if ev.agent is not None else call_agent
        team = None
        if agent_id is not None:
            team = self.state.agent(agent_id, t).team
        delta = CSAT_RESPONSES | ev.score * CSAT_SUM
        if ev.score >= 4:
            delta |= CSAT_SATISFIED
        for stats in self.state.call_scopes(queue, agent_id):
            stats.add_csat(t, delta)
        fact = CsatFact(f"csat:{ev.id}", ev.score, agent_id, team, queue, ev.call_id, t)
        self.state.facts.append(fact)

    # ------------------------------------------------------------------ the call-back list

    def on_callback_dismissed(self, ev: CallbackDismissed, t: int) -> None:
        self.state.callbacks.dismiss(ev.callback_id, ev.reason, t)
