"""The rules of the call state machine (docs/metrics.md), as helpers the event handlers
compose: how a call waits, rings, talks, wraps up, finishes or expires, and what each step
records in the ledgers. The agents' states are derived by the agents' part (`agents.py`)."""

from __future__ import annotations

from app.streams.aggregator.agents import Agents
from app.streams.aggregator.base import TenantState, clamped_wrap
from app.streams.aggregator.pipeline import Deals
from app.streams.aggregator.records import (
    ABANDONED,
    ANSWER_IN_SL,
    ANSWER_LATE,
    ANSWER_UNKNOWN_WAIT,
    EXPIRED,
    HANDLED,
    HOLD_MS,
    INBOUND,
    LEFT_QUEUE,
    SHORT_ABANDONED,
    TALK_MS,
    TALKING,
    TRANSFERS,
    UNANSWERED_UNKNOWN,
    WAIT_MS,
    WAITING,
    WRAPUP,
    WRAPUP_MS,
    Agent,
    Call,
    CallDirection,
    CallOutcome,
)


class CallRules:
    """The steps of a call's life on the shared `TenantState`; the agents' part derives the
    agents' states, the deals' part counts a handled call's effort for its deal."""

    def __init__(self, state: TenantState, agents: Agents, deals: Deals) -> None:
        self.state = state
        self.calls = state.calls
        self.agents = state.agents
        self.tenant = state.tenant
        self.queues = state.queues
        self.finished = state.finished
        self.finished_order = state.finished_order
        self.expiry = state.expiry
        self.facts = state.facts
        self.call_deals = state.call_deals
        self.callbacks = state.callbacks
        self.phrases = state.phrases
        self.agent = state.agent
        self.queue_stats = state.queue_stats
        self.call_scopes = state.call_scopes
        self.lookup_finished = state.lookup_finished
        self.begin_wrapup = state.begin_wrapup
        self.wrapup_limit = state.wrapup_limit
        self.sl_ms = state.sl_ms
        self.short_ms = state.short_ms
        self.refresh = agents.refresh
        self.take_call = agents.take_call
        self.call_effort = deals.call_effort
        self.untag = deals.untag

    def new_call(
        self, call_id: str, t: int, queue: str | None, direction: CallDirection, tomb: Call | None
    ) -> Call:
        visit = 1
        if tomb is not None:
            visit = tomb.visit + 1
            del self.finished[call_id]
        call = Call(call_id, visit, t, queue, direction)
        self.calls[call_id] = call
        if not self.expiry:
            state = self.state
            state.due = min(state.due, t + state.age_ms)
        self.expiry.append(call)
        return call

    def waiting_call(self, call_id: str, t: int, ms: int, queue: str | None) -> Call | None:
        """The waiting call `call_id`, created (wait unknown) if it was never seen."""
        call = self.calls.get(call_id)
        if call is None:
            if self.lookup_finished(call_id, t) is not None:
                return None
            call = self.new_call(call_id, t, queue, INBOUND, None)
            self.enqueue(call, ms)
            return call
        if call.phase != WAITING:
            return None
        if call.queue is None and queue is not None:
            self.move(call, queue)
        return call

    def enqueue(self, call: Call, wait_from: int) -> None:
        call.phase = WAITING
        call.waiting = True
        call.wait_from = wait_from
        self.tenant.waiting[call.id] = call
        if call.queue is not None:
            self.queue_stats(call.queue).waiting[call.id] = call

    def dequeue(self, call: Call) -> None:
        if not call.waiting:
            return
        call.waiting = False
        del self.tenant.waiting[call.id]
        if call.queue is not None:
            del self.queues[call.queue].waiting[call.id]

    def move(self, call: Call, queue: str) -> None:
        """A waiting call changes queue; its wait goes on."""
        self.dequeue(call)
        call.queue = queue
        self.enqueue(call, call.wait_from)

    def unring(self, call: Call, t: int, refresh: bool = True) -> None:
        if call.ring is None:
            return
        ag = self.agents[call.ring]
        call.ring = None
        ag.ring.remove(call)
        if refresh:
            self.refresh(ag, t)

    def ring_at(self, call: Call, agent_id: str, t: int) -> None:
        self.unring(call, t)
        ag = self.agent(agent_id, t)
        call.ring = agent_id
        ag.ring.append(call)
        ag.logged_in = True
        if call.queue is not None:
            ag.queues.add(call.queue)
        self.refresh(ag, t)

    def start_leg(self, call: Call, agent_id: str | None, t: int, ms: int) -> None:
        call.phase = TALKING
        call.agent = agent_id
        call.leg_start = ms
        call.hold = 0
        call.hold_since = None
        if agent_id is not None:
            call.last_agent = agent_id
            ag = self.agent(agent_id, t)
            ag.talk.append(call)
            self.take_call(ag, t, ms, call)
            if call.queue is not None:
                ag.queues.add(call.queue)
            self.refresh(ag, t)

    def end_leg(self, call: Call, t: int, ms: int, refresh: bool = True) -> None:
        """The active leg ends at `ms`: split it into talk and hold; the agent lets go."""
        total = ms - call.leg_start
        if total < 0:
            total = 0
        hold = call.hold
        if call.hold_since is not None:
            hold += max(0, ms - call.hold_since)
            call.hold_since = None
        if hold > total:
            hold = total
        call.leg_talk = total - hold
        call.leg_hold = hold
        call.talk_total += total - hold
        call.hold_total += hold
        if call.agent is not None:
            ag = self.agents[call.agent]
            ag.talk.remove(call)
            if refresh:
                self.refresh(ag, t)

    def record_leg(self, call: Call, t: int, wrap: int) -> None:
        """Handle time of one agent leg, for the agent and its team."""
        if call.agent is None:
            return
        delta = HANDLED | call.leg_talk * TALK_MS | call.leg_hold * HOLD_MS | wrap * WRAPUP_MS
        for stats in self.agents[call.agent].stats:
            led = stats.handled
            total = led.total + delta
            led.total = total
            led.times.append(t)
            led.totals.append(total)

    def end_talk(self, call: Call, t: int, ms: int) -> None:
        """`call.ended`: wrap-up if the queue has it and the agent is still logged in."""
        agent_id = call.agent
        ag = self.agents[agent_id] if agent_id is not None else None
        limit = self.wrapup_limit(call.queue)
        if ag is not None and ag.logged_in and limit:
            self.end_leg(call, t, ms, refresh=False)
            call.ended_ms = ms
            old = ag.wrap
            self.begin_wrapup(call, ag, t, ms, limit)
            if old is not None:
                self.complete(old, t, max(0, ms - old.wrap_start), ms)
            self.refresh(ag, t)
            return
        self.end_leg(call, t, ms)
        call.ended_ms = ms
        self.complete(call, t, 0, ms)

    def complete(self, call: Call, t: int, wrap: int, ms: int) -> None:
        """An answered (or connected) call is done: its handle time counts now. A wrap-up
        with a limit counts at most the limit (and ends, for the facts, when it was reached)."""
        wrap, ms = clamped_wrap(call, wrap, ms)
        self.record_leg(call, t, wrap if call.phase == WRAPUP else 0)
        delta = HANDLED | call.talk_total * TALK_MS | call.hold_total * HOLD_MS | wrap * WRAPUP_MS
        self.tenant.handled.add(t, delta)
        if self.call_deals:
            self.call_effort(call, t, call.talk_total + call.hold_total + wrap)
        if call.outcome_queue is not None:
            self.queue_stats(call.outcome_queue).handled.add(t, delta)
        if call.agent is not None:
            ag = self.agents[call.agent]
            if ag.wrap is call:
                ag.wrap = None
                self.refresh(ag, t)
        self.phrases.handled(call, t)
        self.finish(call, t, CallOutcome.ANSWERED, wrap, ms)

    def complete_fast(self, call: Call, ag: Agent, t: int, ms: int, wrap: int) -> None:
        """The fast path of `complete` followed by `finish`, for a call handled by the known
        agent `ag` (call.ended without a wrap-up, call.wrapup_ended, a wrap-up limit reached):
        the same records, written out inline. It skips what cannot apply to such a call: the
        wrap-up clamp (callers pass `wrap` clamped), dequeue and unring (the call is not
        waiting) and the call-back outcome (an answered call is neither a miss nor an
        attempt); the call's team is its agent's (`ag.team`), not looked up in the config.
        Kept because it pays (docs/performance.md)."""
        leg = HANDLED | call.leg_talk * TALK_MS | call.leg_hold * HOLD_MS | wrap * WRAPUP_MS
        for stats in ag.stats:
            led = stats.handled
            total = led.total + leg
            led.total = total
            led.times.append(t)
            led.totals.append(total)
        whole = HANDLED | call.talk_total * TALK_MS | call.hold_total * HOLD_MS | wrap * WRAPUP_MS
        led = self.tenant.handled
        total = led.total + whole
        led.total = total
        led.times.append(t)
        led.totals.append(total)
        if call.outcome_queue is not None:
            led = self.queue_stats(call.outcome_queue).handled
            total = led.total + whole
            led.total = total
            led.times.append(t)
            led.totals.append(total)
        if ag.wrap is call:
            ag.wrap = None
            self.refresh(ag, t)
        if self.call_deals:
            self.call_effort(call, t, call.talk_total + call.hold_total + wrap)
        cid = call.id
        del self.calls[cid]
        call.fate = CallOutcome.ANSWERED
        call.done_at = t
        call.wrap = wrap
        call.wrapup_ended_ms = ms
        call.team = ag.team
        self.phrases.handled(call, t)
        self.facts.append(call)
        self.finished[cid] = call
        self.finished_order.append(call)

    def finish(
        self, call: Call, t: int, fate: CallOutcome, wrap: int, wrapup_ended: int | None
    ) -> None:
        """The call leaves the live state; it stays as its own tombstone (for late events) and
        becomes a fact when facts are drained."""
        del self.calls[call.id]
        if self.call_deals:
            self.untag(call)
        if call.phase == WAITING:
            self.dequeue(call)
            self.unring(call, t)
        call.fate = fate
        call.done_at = t
        call.wrap = wrap
        call.wrapup_ended_ms = wrapup_ended
        if call.caller is not None:
            self.callback_outcome(call, call.caller, t)
        if call.last_agent is not None:
            call.team = self.state.config.agent_teams.get(call.last_agent)
        self.facts.append(call)
        self.finished[call.id] = call
        self.finished_order.append(call)

    def callback_outcome(self, call: Call, caller: str, t: int) -> None:
        """An unanswered call with a number: a miss (inbound, not a short abandon) or a
        call-back attempt (outbound, never connected)."""
        fate = call.fate
        if call.direction == INBOUND:
            if (fate == CallOutcome.ABANDONED and not call.short) or fate == CallOutcome.LEFT_QUEUE:
                self.callbacks.missed(caller, call.queue, t)
                due = self.callbacks.due
                if due < self.state.due:
                    self.state.due = due
        elif fate != CallOutcome.ANSWERED:
            self.callbacks.attempted(caller)

    def answer_outcome(self, call: Call, t: int, ms: int, agent_id: str | None) -> None:
        """The wait ends: answered (once per call), counted where it was answered."""
        if call.caller is not None:
            self.callbacks.answered(call.caller, t)
        call.outcome = CallOutcome.ANSWERED
        call.answered_ms = ms
        queue = call.outcome_queue = call.queue
        enqueued = call.enqueued
        if enqueued is None:
            delta = ANSWER_UNKNOWN_WAIT
            wait = -1
        else:
            wait = ms - enqueued
            if wait < 0:
                wait = 0
            call.wait = wait
            if wait <= self.sl_ms(queue):
                call.within = True
                delta = ANSWER_IN_SL | wait * WAIT_MS
            else:
                delta = ANSWER_LATE | wait * WAIT_MS
        scopes = [self.tenant]
        if queue is not None:
            scopes.append(self.queue_stats(queue))
        if agent_id is not None:
            scopes.extend(self.agents[agent_id].stats)
        for stats in scopes:
            led = stats.answer
            total = led.total + delta
            led.total = total
            led.times.append(t)
            led.totals.append(total)
            if wait >= 0:
                stats.max_wait.push(t, wait, stats.stacked)

    def unanswered(self, call: Call, t: int, ms: int, outcome: CallOutcome) -> None:
        """`abandoned` or `left_queue` while waiting. A call answered before (and transferred
        back to a queue) keeps its outcome and completes instead."""
        if call.outcome is not None:
            call.ended_ms = ms
            self.complete(call, t, 0, ms)
            return
        call.outcome = outcome
        call.outcome_queue = call.queue
        abandoned = outcome == CallOutcome.ABANDONED
        wait = -1
        if call.enqueued is not None:
            wait = call.wait = max(0, ms - call.enqueued)
        short = abandoned and wait >= 0 and wait < self.short_ms(call.queue)
        call.short = short
        delta = ABANDONED if abandoned else LEFT_QUEUE
        if short:
            delta |= SHORT_ABANDONED
        if wait < 0:
            delta |= UNANSWERED_UNKNOWN
        for stats in self.call_scopes(call.queue, None):
            stats.add_unanswered(t, delta)
            if abandoned and wait >= 0:
                stats.max_wait.push(t, wait, stats.stacked)
        call.ended_ms = ms
        self.finish(call, t, outcome, 0, None)

    def count_transfer(self, call: Call, t: int) -> None:
        call.transfers += 1
        agent = call.agent if call.phase == TALKING else None
        for stats in self.call_scopes(call.queue, agent):
            stats.add_other(t, TRANSFERS)

    def no_answer(self, call: Call, t: int, ms: int) -> None:
        if call.agent is None:
            raise RuntimeError(f"dialed call {call.id!r} has no agent")
        ag = self.agents[call.agent]
        ag.talk.remove(call)
        self.refresh(ag, t)
        call.ended_ms = ms
        self.finish(call, t, CallOutcome.NO_ANSWER, 0, None)

    def expire(self, call: Call, t: int) -> None:
        """A call still open `max_call_age_s` after its first event: counted as expired where
        it is (its queue, its agent), without handle time; its agent lets go of it."""
        agent = call.agent if call.phase != WAITING else None
        for stats in self.call_scopes(call.queue, agent):
            stats.add_other(t, EXPIRED)
        if agent is not None:
            ag = self.agents[agent]
            if call in ag.talk:
                ag.talk.remove(call)
            if ag.wrap is call:
                ag.wrap = None
            self.refresh(ag, t)
        self.finish(call, t, CallOutcome.EXPIRED, 0, None)

    def wrapup_limit_reached(self, call: Call, t: int) -> None:
        """Nothing ended the wrap-up of `call` within its limit: it ends now, at `t` (a call in
        wrap-up always has its agent)."""
        limit = call.wrap_limit
        if call.agent is None:
            raise RuntimeError(f"call {call.id!r} in wrap-up has no agent")
        self.complete_fast(call, self.agents[call.agent], t, call.wrap_start + limit, limit)
