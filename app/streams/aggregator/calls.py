"""The calls' part of a tenant's aggregator: the call events applied to the call state machine
(its rules in `rules.py`). Each frequent event (queued, ringing, answered, ended, wrap-up
ended) has one fast path for its common case, written out inline and said so in its
docstring; anything unusual takes the general path, which composes the rules. Each fast path
(`on_queued`, `on_ringing`, `answer_fast`, the inline part of `on_ended`, and
`CallRules.complete_fast` for call.ended and call.wrapup_ended) is kept because counting the
instructions with and without it shows it pays (docs/performance.md, "The aggregator built by
composition"); one saving less than about 0.5 % is to be removed."""

from __future__ import annotations

from app.events.schemas import (
    CallAbandoned,
    CallAnswered,
    CallConnected,
    CallDialed,
    CallEnded,
    CallHold,
    CallLeftQueue,
    CallQueued,
    CallResumed,
    CallRinging,
    CallTransferred,
    CallWrapupEnded,
)
from app.streams.aggregator.agents import Agents
from app.streams.aggregator.base import TenantState, clamped_wrap
from app.streams.aggregator.records import (
    ANSWER_IN_SL,
    ANSWER_LATE,
    ANSWER_UNKNOWN_WAIT,
    DIALING,
    INBOUND,
    OUTBOUND,
    TALKING,
    WAIT_MS,
    WAITING,
    WRAPUP,
    Agent,
    Call,
    CallOutcome,
)
from app.streams.aggregator.rules import CallRules


class Calls:
    """The call event handlers, on the shared `TenantState`, the call rules and the agents'
    part. What the fast paths touch is bound here at construction."""

    def __init__(self, state: TenantState, rules: CallRules, agents: Agents) -> None:
        self.state = state
        self.rules = rules
        self.calls = state.calls
        self.agents = state.agents
        self.tenant = state.tenant
        self.queues = state.queues
        self.finished = state.finished
        self.expiry = state.expiry
        self.callbacks = state.callbacks
        self.agent = state.agent
        self.queue_stats = state.queue_stats
        self.lookup_finished = state.lookup_finished
        self.begin_wrapup = state.begin_wrapup
        self.sl_ms = state.sl_ms
        self.refresh = agents.refresh
        self.take_call = agents.take_call
        self.complete_fast = rules.complete_fast

    def on_queued(self, ev: CallQueued, t: int) -> None:
        """Fast path (kept: it pays, docs/performance.md): a call never seen enters its queue
        (`new_call` and `enqueue` written out); anything else: `queued_general`."""
        cid = ev.call_id
        call = self.calls.get(cid)
        if call is None and cid not in self.finished:
            call = Call(cid, 1, t, ev.queue, INBOUND)
            call.caller = ev.caller
            self.calls[cid] = call
            if not self.expiry:
                state = self.state
                state.due = min(state.due, t + state.age_ms)
            self.expiry.append(call)
            call.enqueued = call.wait_from = ev.ts
            call.waiting = True
            self.tenant.waiting[cid] = call
            qs = self.queues.get(ev.queue)
            if qs is None:
                qs = self.queue_stats(ev.queue)
            qs.waiting[cid] = call
            return
        self.queued_general(ev, t, call)

    def queued_general(self, ev: CallQueued, t: int, call: Call | None) -> None:
        if call is not None:
            if call.caller is None:
                call.caller = ev.caller
            if call.phase == WAITING and call.queue != ev.queue:
                self.rules.move(call, ev.queue)
            return
        tomb = self.lookup_finished(ev.call_id, t) if self.finished else None
        if tomb is not None and tomb.fate != CallOutcome.LEFT_QUEUE:
            return
        call = self.rules.new_call(ev.call_id, t, ev.queue, INBOUND, tomb)
        call.caller = ev.caller if ev.caller is not None or tomb is None else tomb.caller
        call.enqueued = ev.ts
        self.rules.enqueue(call, ev.ts)

    def on_ringing(self, ev: CallRinging, t: int) -> None:
        """Fast path (kept: it pays, docs/performance.md): a waiting call in a queue, not
        ringing yet, rings at a known agent (`ring_at` written out); anything else: the rules."""
        call = self.calls.get(ev.call_id)
        if call is not None and call.phase == WAITING and call.ring is None and call.queue:
            ag = self.agents.get(ev.agent)
            if ag is not None:
                call.ring = ag.id
                ag.ring.append(call)
                ag.logged_in = True
                ag.queues.add(call.queue)
                self.refresh(ag, t)
                return
        call = self.rules.waiting_call(ev.call_id, t, ev.ts, ev.queue)
        if call is not None and call.ring != ev.agent:
            self.rules.ring_at(call, ev.agent, t)

    def on_answered(self, ev: CallAnswered, t: int) -> None:
        """Fast path (`answer_fast`, kept: it pays, docs/performance.md) for the common case;
        anything else: `answered_general`."""
        cid = ev.call_id
        call = self.calls.get(cid)
        agent_id = ev.agent
        if (
            call is not None
            and call.waiting
            and call.outcome is None
            and call.queue is not None
            and agent_id is not None
            and (call.ring == agent_id or call.ring is None)
        ):
            ag = self.agents.get(agent_id)
            if ag is not None and ag.wrap is None:
                self.answer_fast(call, call.queue, ag, t, ev.ts)
                return
        self.answered_general(ev, t)

    def answer_fast(self, call: Call, queue: str, ag: Agent, t: int, ms: int) -> None:
        """The fast path of call.answered: a waiting call in a queue, never answered before,
        answered by a known agent with no wrap-up pending (`dequeue`, `unring`,
        `answer_outcome` and `start_leg` written out, without what cannot apply). It repeats
        `answer_outcome` and is kept because it pays (docs/performance.md)."""
        cid = call.id
        call.waiting = False
        del self.tenant.waiting[cid]
        qs = self.queues[queue]
        del qs.waiting[cid]
        if call.ring is not None:
            call.ring = None
            ag.ring.remove(call)
        if call.caller is not None:
            self.callbacks.answered(call.caller, t)
        call.outcome = CallOutcome.ANSWERED
        call.answered_ms = ms
        call.outcome_queue = queue
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
        for stats in (self.tenant, qs, *ag.stats):
            led = stats.answer
            total = led.total + delta
            led.total = total
            led.times.append(t)
            led.totals.append(total)
        if wait >= 0:
            self.tenant.max_wait.push(t, wait)
            qs.max_wait.push(t, wait)
            for stats in ag.stats:
                mw = stats.max_wait
                if wait > mw.day_max:
                    mw.day_max = wait
                if wait > mw.interval_max:
                    mw.interval_max = wait
        call.phase = TALKING
        call.agent = call.last_agent = ag.id
        call.leg_start = ms
        ag.talk.append(call)
        ag.logged_in = True
        ag.manual = None
        ag.queues.add(queue)
        self.refresh(ag, t)

    def answered_general(self, ev: CallAnswered, t: int) -> None:
        call = self.rules.waiting_call(ev.call_id, t, ev.ts, ev.queue)
        if call is None:
            return
        agent_id = ev.agent if ev.agent is not None else call.ring
        self.rules.dequeue(call)
        if call.ring is not None:
            self.rules.unring(call, t, refresh=call.ring != agent_id)
        if call.outcome is None:
            if agent_id is not None:
                self.agent(agent_id, t)
            self.rules.answer_outcome(call, t, ev.ts, agent_id)
        self.rules.start_leg(call, agent_id, t, ev.ts)

    def on_hold(self, ev: CallHold, t: int) -> None:
        call = self.calls.get(ev.call_id)
        if call is not None and call.phase == TALKING and call.hold_since is None:
            call.hold_since = ev.ts

    def on_resumed(self, ev: CallResumed, t: int) -> None:
        call = self.calls.get(ev.call_id)
        if call is not None and call.phase == TALKING and call.hold_since is not None:
            call.hold += max(0, ev.ts - call.hold_since)
            call.hold_since = None

    def on_transferred(self, ev: CallTransferred, t: int) -> None:
        """Counted once where it leaves (queue, agent); the call goes on elsewhere."""
        call = self.calls.get(ev.call_id)
        if call is None:
            return
        to_queue, to_agent = ev.to_queue, ev.to_agent
        ms = ev.ts
        if call.phase == WAITING:
            new_queue = to_queue if to_queue != call.queue else None
            new_ring = to_agent if to_agent != call.ring else None
            if new_queue is None and new_ring is None:
                return
            self.rules.count_transfer(call, t)
            if new_queue is not None:
                self.rules.move(call, new_queue)
            if new_ring is not None:
                self.rules.ring_at(call, new_ring, t)
        elif call.phase == TALKING:
            same_agent = to_agent is not None and to_agent == call.agent
            if same_agent and (to_queue is None or to_queue == call.queue):
                return
            self.rules.count_transfer(call, t)
            self.rules.end_leg(call, t, ms)
            self.rules.record_leg(call, t, 0)
            if to_queue is not None:
                call.queue = to_queue
            if to_agent is not None:
                self.rules.start_leg(call, to_agent, t, ms)
            else:
                call.agent = None
                self.rules.enqueue(call, ms)

    def on_ended(self, ev: CallEnded, t: int) -> None:
        """Fast path (kept: it pays, docs/performance.md): a talking call not on hold whose
        agent has no other wrap-up (`end_talk` written out, then `begin_wrapup` or
        `CallRules.complete_fast`); anything else: the rules by phase."""
        call = self.calls.get(ev.call_id)
        if call is None:
            return
        phase = call.phase
        ms = ev.ts
        if phase == TALKING and call.agent is not None and call.hold_since is None:
            ag = self.agents[call.agent]
            if ag.wrap is None:
                total = ms - call.leg_start
                if total < 0:
                    total = 0
                hold = call.hold
                if hold > total:
                    hold = total
                call.leg_talk = total - hold
                call.leg_hold = hold
                call.talk_total += total - hold
                call.hold_total += hold
                ag.talk.remove(call)
                call.ended_ms = ms
                state = self.state
                limit = state.rules.get(call.queue, state.default_rules)[2]
                if ag.logged_in and limit:
                    self.begin_wrapup(call, ag, t, ms, limit)
                    self.refresh(ag, t)
                else:
                    self.refresh(ag, t)
                    self.complete_fast(call, ag, t, ms, 0)
                return
        if phase == TALKING:
            self.rules.end_talk(call, t, ms)
        elif phase == WAITING:
            self.rules.dequeue(call)
            self.rules.unring(call, t)
            self.rules.unanswered(call, t, ms, CallOutcome.ABANDONED)
        elif phase == DIALING:
            self.rules.no_answer(call, t, ms)

    def on_wrapup_ended(self, ev: CallWrapupEnded, t: int) -> None:
        """Fast path (`CallRules.complete_fast`, kept: it pays, docs/performance.md): a
        wrap-up with its agent ends."""
        call = self.calls.get(ev.call_id)
        if call is None:
            return
        ms = ev.ts
        if call.phase == WRAPUP and call.agent is not None:
            wrap, ms = clamped_wrap(call, max(0, ms - call.wrap_start), ms)
            self.complete_fast(call, self.agents[call.agent], t, ms, wrap)
        elif call.phase == WRAPUP:
            self.rules.complete(call, t, max(0, ms - call.wrap_start), ms)
        elif call.phase == TALKING:
            self.rules.end_leg(call, t, ms)
            call.ended_ms = ms
            self.rules.complete(call, t, 0, ms)

    def on_abandoned(self, ev: CallAbandoned, t: int) -> None:
        self.unanswered_event(ev.call_id, t, ev.ts, ev.queue, CallOutcome.ABANDONED)

    def on_left_queue(self, ev: CallLeftQueue, t: int) -> None:
        self.unanswered_event(ev.call_id, t, ev.ts, ev.queue, CallOutcome.LEFT_QUEUE)

    def unanswered_event(
        self, call_id: str, t: int, ms: int, queue: str | None, outcome: CallOutcome
    ) -> None:
        call = self.calls.get(call_id)
        if call is None:
            if self.lookup_finished(call_id, t) is not None:
                return
            call = self.rules.new_call(call_id, t, queue, INBOUND, None)
            self.rules.unanswered(call, t, ms, outcome)
            return
        phase = call.phase
        if phase == WAITING:
            if call.queue is None and queue is not None:
                self.rules.move(call, queue)
            self.rules.dequeue(call)
            self.rules.unring(call, t)
            self.rules.unanswered(call, t, ms, outcome)
        elif outcome == CallOutcome.ABANDONED:
            if phase == TALKING:
                self.rules.end_talk(call, t, ms)
            elif phase == DIALING:
                self.rules.no_answer(call, t, ms)

    def on_dialed(self, ev: CallDialed, t: int) -> None:
        if ev.call_id in self.calls or self.lookup_finished(ev.call_id, t) is not None:
            return
        call = self.rules.new_call(ev.call_id, t, ev.queue, OUTBOUND, None)
        call.caller = ev.caller
        call.phase = DIALING
        call.agent = call.last_agent = ev.agent
        ag = self.agent(ev.agent, t)
        ag.talk.append(call)
        self.take_call(ag, t, ev.ts, call)
        self.refresh(ag, t)

    def on_connected(self, ev: CallConnected, t: int) -> None:
        call = self.calls.get(ev.call_id)
        if call is None:
            if self.lookup_finished(ev.call_id, t) is not None:
                return
            call = self.rules.new_call(ev.call_id, t, ev.queue, OUTBOUND, None)
        elif call.phase != DIALING:
            return
        else:
            if call.queue is None:
                call.queue = ev.queue
            if call.agent is not None:
                ag = self.agents[call.agent]
                ag.talk.remove(call)
                if call.agent != ev.agent:
                    self.refresh(ag, t)
        if call.caller is None:
            call.caller = ev.caller
        if call.caller is not None:
            self.callbacks.connected(call.caller, t)
        call.outcome = CallOutcome.ANSWERED
        call.answered_ms = ev.ts
        call.outcome_queue = call.queue
        self.rules.start_leg(call, ev.agent, t, ev.ts)
