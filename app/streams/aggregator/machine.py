"""The call and agent state machines of one tenant, writing into the per-scope ledgers.

Time. Every event is applied at its *aggregator time* `max(event time, latest time seen)`, so
the ledgers stay sorted and a late event counts when it arrives (never in a window that was
already shown). Durations (wait, talk, hold, wrap-up) are measured on the event times as sent,
each clamped at zero. Calls expire `max_call_age_s` after their first event; period boundaries
(local 15-minute intervals, local midnight) are crossed when aggregator time reaches them.
Both happen in time order between events, so the state depends on the events only.

The rules are spelled out in docs/metrics.md; the method docstrings name them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Final

from app.events.schemas import (
    EVENT_TYPES,
    AgentLogin,
    AgentLogout,
    AgentState,
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
    CsatSubmitted,
    DealClosed,
    Event,
)
from app.streams.aggregator.config import QueueConfig, TenantConfig
from app.streams.aggregator.facts import AgentStateFact, CallFact, CsatFact, DealFact, Fact
from app.streams.aggregator.ledgers import StateTime
from app.streams.aggregator.periods import Calendar
from app.streams.aggregator.records import (
    ABANDONED,
    ANSWERED,
    ANSWERED_KNOWN,
    ANSWERED_WITHIN_SL,
    AVAILABLE,
    BREAK,
    CSAT_RESPONSES,
    CSAT_SATISFIED,
    CSAT_SUM,
    DEALS,
    DIALING,
    EMPTY,
    EXPIRED,
    HANDLED,
    HOLD_MS,
    IN_WRAPUP,
    INBOUND,
    LEFT_QUEUE,
    LOGGED_OUT,
    ON_CALL,
    OUTBOUND,
    REVENUE_MICROS,
    RINGING,
    SHORT_ABANDONED,
    STATE_DELTAS,
    STATE_NAMES,
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
    Interval,
    Stats,
)

HOUR_MS: Final = 3_600_000
NEVER: Final = 1 << 62
MICROS: Final = 1_000_000
_ANSWERED_UNKNOWN: Final = ANSWERED
_ANSWERED_LATE: Final = ANSWERED | ANSWERED_KNOWN
_ANSWERED_IN_SL: Final = ANSWERED | ANSWERED_KNOWN | ANSWERED_WITHIN_SL


def call_fact(c: Call) -> CallFact:
    return CallFact(
        f"call:{c.id}:{c.visit}:{c.first}",
        c.id,
        c.direction,  # type: ignore[arg-type]
        c.fate,  # type: ignore[arg-type]
        c.oq if c.oq is not None else c.queue,
        c.last_agent,
        c.team,
        c.enq,
        c.answered_ms,
        c.ended_ms,
        c.wrapup_ended_ms,
        c.done_at,
        None if c.wait is None else c.wait / 1000,
        c.talk_total / 1000,
        c.hold_total / 1000,
        c.wrap / 1000,
        c.transfers,
        c.short,
        c.within,
    )


def state_fact(i: Interval) -> AgentStateFact:
    return AgentStateFact(
        f"state:{i.agent}:{i.start}",
        i.agent,
        i.team,
        STATE_NAMES[i.state],
        i.reason,
        i.start,
        i.end,
    )


def materialize(f: Fact | Call | Interval) -> Fact:
    """Facts are kept as the records they come from and built when drained."""
    if isinstance(f, Call):
        return call_fact(f)
    if isinstance(f, Interval):
        return state_fact(f)
    return f


def _rules(q: QueueConfig) -> tuple[float, float, bool]:
    return (q.sl_threshold_s * 1000, q.short_abandon_s * 1000, q.wrapup)


class Machine:
    def __init__(self, config: TenantConfig) -> None:
        self.configure(config)
        self.calendar = Calendar(config.timezone)
        self.wm = 0  # aggregator time: latest event time (or expiry) applied
        self.day = -1  # start of the local day / interval the ledgers' bases belong to
        self.ivl = -1
        self.ivl_end = 0
        self.due = 0  # next time something happens by itself (a boundary or an expiry)
        self.tenant = Stats(with_states=False, with_waiting=True, stacked=True)
        # Time in state of the agents without a team; the tenant's is the sum of this and the
        # teams' (so each state change writes two records: the agent's and its group's).
        self.unteamed = StateTime()
        self.queues: dict[str, Stats] = {}
        self.teams: dict[str, Stats] = {}
        self.agent_stats: dict[str, Stats] = {}
        self.agents: dict[str, Agent] = {}
        self.calls: dict[str, Call] = {}
        self.finished: dict[str, Call] = {}
        self.finished_order: deque[Call] = deque()
        self.expiry: deque[Call] = deque()
        self.facts: list[Fact | Call | Interval] = []
        self.counts: dict[type, int] = dict.fromkeys(EVENT_TYPES, 0)
        self.handlers: dict[type, Callable[[Any, int], None]] = {
            CallQueued: self.on_queued,
            CallRinging: self.on_ringing,
            CallAnswered: self.on_answered,
            CallHold: self.on_hold,
            CallResumed: self.on_resumed,
            CallTransferred: self.on_transferred,
            CallEnded: self.on_ended,
            CallWrapupEnded: self.on_wrapup_ended,
            CallAbandoned: self.on_abandoned,
            CallLeftQueue: self.on_left_queue,
            CallDialed: self.on_dialed,
            CallConnected: self.on_connected,
            AgentLogin: self.on_login,
            AgentLogout: self.on_logout,
            AgentState: self.on_state,
            DealClosed: self.on_deal,
            CsatSubmitted: self.on_csat,
        }

    def take_facts(self) -> list[Fact]:
        facts = self.facts
        self.facts = []
        return [materialize(f) for f in facts]

    # ------------------------------------------------------------------ time

    def apply_batch(self, events: Sequence[Event]) -> None:
        counts = self.counts
        handlers = self.handlers
        wm = self.wm
        for ev in events:
            cls = type(ev)
            counts[cls] += 1
            t: int = ev.ts  # type: ignore[assignment]
            if t <= wm:
                t = wm
            else:
                if t >= self.due:
                    self.pass_time(t, roll=True)
                wm = self.wm = t
            handlers[cls](ev, t)

    def advance(self, now_ms: int) -> None:
        """Expire calls due by `now_ms`. Boundaries are crossed only as far as expiries need:
        an event that arrives later with an earlier time must still land in its own period."""
        if now_ms >= self.due:
            self.pass_time(now_ms, roll=False)

    def pass_time(self, until: int, roll: bool) -> None:
        while True:
            deadline = self.next_deadline()
            if self.ivl_end <= until and self.ivl_end <= deadline and (roll or deadline <= until):
                self.roll(min(until, deadline))
            elif deadline <= until:
                t = max(deadline, self.wm)
                self.wm = t
                self.expire(self.expiry.popleft(), t)
            else:
                break
        self.due = min(self.ivl_end, self.next_deadline())

    def next_deadline(self) -> int:
        exp = self.expiry
        calls = self.calls
        while exp:
            call = exp[0]
            if calls.get(call.id) is call:
                return call.first + self.age_ms
            exp.popleft()
        return NEVER

    def roll(self, x: int) -> None:
        """Aggregator time reaches `x`, past the current interval: capture the period bases,
        prune what no window can reach, forget calls finished long ago."""
        cal = self.calendar
        day = cal.day(x)
        ivl = cal.interval(x)
        new_day = day != self.day
        self.day, self.ivl, self.ivl_end = day, ivl, cal.ivl_end
        cutoff = x - HOUR_MS
        for stats in self.all_stats():
            for led in stats.counters():
                if led is not EMPTY:
                    led.roll(new_day)
                    led.prune(cutoff)
            stats.max_wait.roll(new_day)
            stats.max_wait.prune(cutoff)
            if stats.states is not None:
                stats.states.roll(ivl, day if new_day else None)
                stats.states.prune(cutoff)
        self.unteamed.roll(ivl, day if new_day else None)
        self.unteamed.prune(cutoff)
        forget = x - self.keep_ms
        order = self.finished_order
        finished = self.finished
        while order and order[0].done_at <= forget:
            tomb = order.popleft()
            if finished.get(tomb.id) is tomb:
                del finished[tomb.id]
        if len(self.expiry) > 2 * len(self.calls) + 1024:
            self.expiry = deque(self.calls.values())

    def all_stats(self) -> list[Stats]:
        return [
            self.tenant,
            *self.queues.values(),
            *self.teams.values(),
            *self.agent_stats.values(),
        ]

    # ------------------------------------------------------------------ scopes

    def queue_stats(self, name: str) -> Stats:
        stats = self.queues.get(name)
        if stats is None:
            stats = self.queues[name] = Stats(with_states=False, with_waiting=True, stacked=True)
        return stats

    def team_stats(self, name: str) -> Stats:
        stats = self.teams.get(name)
        if stats is None:
            stats = self.teams[name] = Stats(with_states=True, with_waiting=False, stacked=False)
        return stats

    def agent(self, agent_id: str, t: int) -> Agent:
        ag = self.agents.get(agent_id)
        if ag is None:
            ag = self.agents[agent_id] = Agent(agent_id, t)
            self.agent_stats[agent_id] = Stats(with_states=True, with_waiting=False, stacked=False)
            self.place(ag, self.config.agent_teams.get(agent_id))
        return ag

    def place(self, ag: Agent, team: str | None) -> None:
        """Link an agent to its team and its scopes."""
        ag.team = team
        own = self.agent_stats[ag.id]
        group = self.unteamed
        if team is None:
            ag.stats = (own,)
        else:
            team_stats = self.team_stats(team)
            ag.stats = (own, team_stats)
            group = team_stats.states or group
        ag.scopes = (*ag.stats, self.tenant)
        ag.states = (own.states or group, group)

    def tenant_states(self) -> list[StateTime]:
        """The time-in-state ledgers that add up to the tenant's."""
        return [self.unteamed, *(t.states for t in self.teams.values() if t.states is not None)]

    def call_scopes(self, queue: str | None, agent: str | None) -> list[Stats]:
        scopes = [self.tenant]
        if queue is not None:
            scopes.append(self.queue_stats(queue))
        if agent is not None:
            scopes.extend(self.agents[agent].stats)
        return scopes

    # ------------------------------------------------------------------ agent state

    def refresh(self, ag: Agent, t: int) -> None:
        """Derive the agent's state from its inputs (calls over manual state); record a
        change: close the interval (a fact), move the counts of its scopes."""
        label = None
        if ag.talk:
            cat = ON_CALL
        elif ag.ring:
            cat = RINGING
        elif ag.wrap is not None:
            cat = IN_WRAPUP
        elif not ag.logged_in:
            cat = LOGGED_OUT
        elif ag.manual is None:
            cat = AVAILABLE
        else:
            cat = BREAK
            label = ag.manual
        old = ag.cat
        old_label = ag.label
        if cat == old and label == old_label:
            return
        since = ag.since
        if old != LOGGED_OUT and t > since:
            self.facts.append(Interval(ag.id, ag.team, old, old_label, since, t))
        if cat != old:
            delta = STATE_DELTAS[old][cat]
            for st in ag.states:
                st.cum += st.cnt * (t - st.last)
                st.last = t
                st.cnt += delta
                st.t.append(t)
                st.c.append(st.cum)
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
        ag.cat = cat
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

    # ------------------------------------------------------------------ call helpers

    def lookup_finished(self, call_id: str, t: int) -> Call | None:
        tomb = self.finished.get(call_id)
        if tomb is not None and t - tomb.done_at >= self.keep_ms:
            del self.finished[call_id]
            return None
        return tomb

    def new_call(
        self, call_id: str, t: int, queue: str | None, direction: str, tomb: Call | None
    ) -> Call:
        visit = 1
        if tomb is not None:
            visit = tomb.visit + 1
            del self.finished[call_id]
        call = Call(call_id, visit, t, queue, direction)
        self.calls[call_id] = call
        if not self.expiry:
            self.due = min(self.due, t + self.age_ms)
        self.expiry.append(call)
        return call

    def enqueue(self, call: Call, wait_from: int) -> None:
        call.phase = WAITING
        call.waiting = True
        call.wait_from = wait_from
        self.tenant.waiting[call.id] = call  # type: ignore[index]
        if call.queue is not None:
            self.queue_stats(call.queue).waiting[call.id] = call  # type: ignore[index]

    def dequeue(self, call: Call) -> None:
        if not call.waiting:
            return
        call.waiting = False
        del self.tenant.waiting[call.id]  # type: ignore[union-attr]
        if call.queue is not None:
            del self.queues[call.queue].waiting[call.id]  # type: ignore[union-attr]

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
            total = led.s + delta
            led.s = total
            led.t.append(t)
            led.c.append(total)

    def end_talk(self, call: Call, t: int, ms: int) -> None:
        """`call.ended`: wrap-up if the queue has it and the agent is still logged in."""
        agent_id = call.agent
        ag = self.agents[agent_id] if agent_id is not None else None
        if ag is not None and ag.logged_in and self.wrapup(call.queue):
            self.end_leg(call, t, ms, refresh=False)
            call.ended_ms = ms
            call.phase = WRAPUP
            call.wrap_start = ms
            old = ag.wrap
            ag.wrap = call
            if old is not None:
                self.complete(old, t, max(0, ms - old.wrap_start), ms)
            self.refresh(ag, t)
            return
        self.end_leg(call, t, ms)
        call.ended_ms = ms
        self.complete(call, t, 0, ms)

    def complete(self, call: Call, t: int, wrap: int, ms: int) -> None:
        """An answered (or connected) call is done: its handle time counts now."""
        self.record_leg(call, t, wrap if call.phase == WRAPUP else 0)
        delta = HANDLED | call.talk_total * TALK_MS | call.hold_total * HOLD_MS | wrap * WRAPUP_MS
        self.tenant.handled.add(t, delta)
        if call.oq is not None:
            self.queue_stats(call.oq).handled.add(t, delta)
        if call.agent is not None:
            ag = self.agents[call.agent]
            if ag.wrap is call:
                ag.wrap = None
                self.refresh(ag, t)
        self.finish(call, t, "answered", wrap, ms)

    def finish(self, call: Call, t: int, fate: str, wrap: int, wrapup_ended: int | None) -> None:
        """The call leaves the live state; it stays as its own tombstone (for late events) and
        becomes a fact when facts are drained."""
        del self.calls[call.id]
        if call.phase == WAITING:
            self.dequeue(call)
            self.unring(call, t)
        call.fate = fate
        call.done_at = t
        call.wrap = wrap
        call.wrapup_ended_ms = wrapup_ended
        if call.last_agent is not None:
            call.team = self.config.agent_teams.get(call.last_agent)
        self.facts.append(call)
        self.finished[call.id] = call
        self.finished_order.append(call)

    def sl_ms(self, queue: str | None) -> float:
        return self.rules.get(queue, self.default_rules)[0]

    def short_ms(self, queue: str | None) -> float:
        return self.rules.get(queue, self.default_rules)[1]

    def wrapup(self, queue: str | None) -> bool:
        return self.rules.get(queue, self.default_rules)[2]

    def configure(self, config: TenantConfig) -> None:
        """Settings read on the hot path, in the units it uses."""
        self.config = config
        self.age_ms = int(config.max_call_age_s * 1000)
        self.keep_ms = int(config.finished_call_retention_s * 1000)
        self.rules: dict[str | None, tuple[float, float, bool]] = {
            name: _rules(q) for name, q in config.queues.items()
        }
        self.default_rules = _rules(config.default_queue)

    def answer_outcome(self, call: Call, t: int, ms: int, agent_id: str | None) -> None:
        """The wait ends: answered (once per call), counted where it was answered."""
        call.outcome = "answered"
        call.answered_ms = ms
        queue = call.oq = call.queue
        enq = call.enq
        if enq is None:
            delta = _ANSWERED_UNKNOWN
            wait = -1
        else:
            wait = ms - enq
            if wait < 0:
                wait = 0
            call.wait = wait
            if wait <= self.sl_ms(queue):
                call.within = True
                delta = _ANSWERED_IN_SL | wait * WAIT_MS
            else:
                delta = _ANSWERED_LATE | wait * WAIT_MS
        scopes = [self.tenant]
        if queue is not None:
            scopes.append(self.queue_stats(queue))
        if agent_id is not None:
            scopes.extend(self.agents[agent_id].stats)
        for stats in scopes:
            led = stats.answer
            total = led.s + delta
            led.s = total
            led.t.append(t)
            led.c.append(total)
            if wait >= 0:
                stats.max_wait.push(t, wait, stats.stacked)

    def unanswered(self, call: Call, t: int, ms: int, outcome: str) -> None:
        """`abandoned` or `left_queue` while waiting. A call answered before (and transferred
        back to a queue) keeps its outcome and completes instead."""
        if call.outcome is not None:
            call.ended_ms = ms
            self.complete(call, t, 0, ms)
            return
        call.outcome = outcome
        call.oq = call.queue
        abandoned = outcome == "abandoned"
        wait = -1
        if call.enq is not None:
            wait = call.wait = max(0, ms - call.enq)
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
        self.finish(call, t, "expired", 0, None)

    # ------------------------------------------------------------------ call events

    # The handlers of the frequent events start with a fast path for the common case (written
    # out inline: function calls are most of the cost in CPython); anything unusual takes the
    # general path, which states the rules. The reference tests hold the two to one behaviour.

    def on_queued(self, ev: CallQueued, t: int) -> None:
        cid = ev.call_id
        call = self.calls.get(cid)
        if call is None and cid not in self.finished:
            call = Call(cid, 1, t, ev.queue, INBOUND)
            self.calls[cid] = call
            if not self.expiry:
                self.due = min(self.due, t + self.age_ms)
            self.expiry.append(call)
            call.enq = call.wait_from = ev.ts  # type: ignore[assignment]
            call.waiting = True
            self.tenant.waiting[cid] = call  # type: ignore[index]
            qs = self.queues.get(ev.queue)
            if qs is None:
                qs = self.queue_stats(ev.queue)
            qs.waiting[cid] = call  # type: ignore[index]
            return
        self.queued_general(ev, t, call)

    def queued_general(self, ev: CallQueued, t: int, call: Call | None) -> None:
        if call is not None:
            if call.phase == WAITING and call.queue != ev.queue:
                self.move(call, ev.queue)
            return
        tomb = self.lookup_finished(ev.call_id, t) if self.finished else None
        if tomb is not None and tomb.fate != "left_queue":
            return
        call = self.new_call(ev.call_id, t, ev.queue, INBOUND, tomb)
        call.enq = ev.ts  # type: ignore[assignment]
        self.enqueue(call, ev.ts)  # type: ignore[arg-type]

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

    def on_ringing(self, ev: CallRinging, t: int) -> None:
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
        call = self.waiting_call(ev.call_id, t, ev.ts, ev.queue)  # type: ignore[arg-type]
        if call is not None and call.ring != ev.agent:
            self.ring_at(call, ev.agent, t)

    def on_answered(self, ev: CallAnswered, t: int) -> None:
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
                self.answer_fast(call, ag, t, ev.ts)  # type: ignore[arg-type]
                return
        self.answered_general(ev, t)

    def answer_fast(self, call: Call, ag: Agent, t: int, ms: int) -> None:
        """A waiting call in a queue answered by a known agent with no wrap-up pending."""
        cid = call.id
        queue: str = call.queue  # type: ignore[assignment]
        call.waiting = False
        del self.tenant.waiting[cid]  # type: ignore[union-attr]
        qs = self.queues[queue]
        del qs.waiting[cid]  # type: ignore[union-attr]
        if call.ring is not None:
            call.ring = None
            ag.ring.remove(call)
        call.outcome = "answered"
        call.answered_ms = ms
        call.oq = queue
        enq = call.enq
        if enq is None:
            delta = _ANSWERED_UNKNOWN
            wait = -1
        else:
            wait = ms - enq
            if wait < 0:
                wait = 0
            call.wait = wait
            if wait <= self.sl_ms(queue):
                call.within = True
                delta = _ANSWERED_IN_SL | wait * WAIT_MS
            else:
                delta = _ANSWERED_LATE | wait * WAIT_MS
        for stats in (self.tenant, qs, *ag.stats):
            led = stats.answer
            total = led.s + delta
            led.s = total
            led.t.append(t)
            led.c.append(total)
        if wait >= 0:
            self.tenant.max_wait.push(t, wait)
            qs.max_wait.push(t, wait)
            for stats in ag.stats:
                mw = stats.max_wait
                if wait > mw.day_max:
                    mw.day_max = wait
                if wait > mw.ivl_max:
                    mw.ivl_max = wait
        call.phase = TALKING
        call.agent = call.last_agent = ag.id
        call.leg_start = ms
        ag.talk.append(call)
        ag.logged_in = True
        ag.manual = None
        ag.queues.add(queue)
        self.refresh(ag, t)

    def answered_general(self, ev: CallAnswered, t: int) -> None:
        call = self.waiting_call(ev.call_id, t, ev.ts, ev.queue)  # type: ignore[arg-type]
        if call is None:
            return
        agent_id = ev.agent if ev.agent is not None else call.ring
        self.dequeue(call)
        if call.ring is not None:
            self.unring(call, t, refresh=call.ring != agent_id)
        if call.outcome is None:
            if agent_id is not None:
                self.agent(agent_id, t)
            self.answer_outcome(call, t, ev.ts, agent_id)  # type: ignore[arg-type]
        self.start_leg(call, agent_id, t, ev.ts)  # type: ignore[arg-type]

    def on_hold(self, ev: CallHold, t: int) -> None:
        call = self.calls.get(ev.call_id)
        if call is not None and call.phase == TALKING and call.hold_since is None:
            call.hold_since = ev.ts  # type: ignore[assignment]

    def on_resumed(self, ev: CallResumed, t: int) -> None:
        call = self.calls.get(ev.call_id)
        if call is not None and call.phase == TALKING and call.hold_since is not None:
            call.hold += max(0, ev.ts - call.hold_since)  # type: ignore[operator]
            call.hold_since = None

    def on_transferred(self, ev: CallTransferred, t: int) -> None:
        """Counted once where it leaves (queue, agent); the call goes on elsewhere."""
        call = self.calls.get(ev.call_id)
        if call is None:
            return
        to_queue, to_agent = ev.to_queue, ev.to_agent
        ms: int = ev.ts  # type: ignore[assignment]
        if call.phase == WAITING:
            moves = to_queue is not None and to_queue != call.queue
            rings = to_agent is not None and to_agent != call.ring
            if not (moves or rings):
                return
            self.count_transfer(call, t)
            if moves:
                self.move(call, to_queue)  # type: ignore[arg-type]
            if rings:
                self.ring_at(call, to_agent, t)  # type: ignore[arg-type]
        elif call.phase == TALKING:
            same_agent = to_agent is not None and to_agent == call.agent
            if same_agent and (to_queue is None or to_queue == call.queue):
                return
            self.count_transfer(call, t)
            self.end_leg(call, t, ms)
            self.record_leg(call, t, 0)
            if to_queue is not None:
                call.queue = to_queue
            if to_agent is not None:
                self.start_leg(call, to_agent, t, ms)
            else:
                call.agent = None
                self.enqueue(call, ms)

    def on_ended(self, ev: CallEnded, t: int) -> None:
        call = self.calls.get(ev.call_id)
        if call is None:
            return
        phase = call.phase
        ms: int = ev.ts  # type: ignore[assignment]
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
                if ag.logged_in and self.rules.get(call.queue, self.default_rules)[2]:
                    call.wrap_start = ms
                    call.phase = WRAPUP
                    ag.wrap = call
                    self.refresh(ag, t)
                else:
                    self.refresh(ag, t)
                    self.complete_fast(call, ag, t, ms, 0)
                return
        if phase == TALKING:
            self.end_talk(call, t, ms)
        elif phase == WAITING:
            self.dequeue(call)
            self.unring(call, t)
            self.unanswered(call, t, ms, "abandoned")
        elif phase == DIALING:
            self.no_answer(call, t, ms)

    def complete_fast(self, call: Call, ag: Agent, t: int, ms: int, wrap: int) -> None:
        """`complete` and `finish` written out for a call handled by `ag`."""
        leg = HANDLED | call.leg_talk * TALK_MS | call.leg_hold * HOLD_MS | wrap * WRAPUP_MS
        for stats in ag.stats:
            led = stats.handled
            total = led.s + leg
            led.s = total
            led.t.append(t)
            led.c.append(total)
        whole = HANDLED | call.talk_total * TALK_MS | call.hold_total * HOLD_MS | wrap * WRAPUP_MS
        led = self.tenant.handled
        total = led.s + whole
        led.s = total
        led.t.append(t)
        led.c.append(total)
        if call.oq is not None:
            led = self.queue_stats(call.oq).handled
            total = led.s + whole
            led.s = total
            led.t.append(t)
            led.c.append(total)
        if ag.wrap is call:
            ag.wrap = None
            self.refresh(ag, t)
        cid = call.id
        del self.calls[cid]
        call.fate = "answered"
        call.done_at = t
        call.wrap = wrap
        call.wrapup_ended_ms = ms
        call.team = ag.team
        self.facts.append(call)
        self.finished[cid] = call
        self.finished_order.append(call)

    def no_answer(self, call: Call, t: int, ms: int) -> None:
        ag = self.agents[call.agent]  # type: ignore[index]
        ag.talk.remove(call)
        self.refresh(ag, t)
        call.ended_ms = ms
        self.finish(call, t, "no_answer", 0, None)

    def on_wrapup_ended(self, ev: CallWrapupEnded, t: int) -> None:
        call = self.calls.get(ev.call_id)
        if call is None:
            return
        ms: int = ev.ts  # type: ignore[assignment]
        if call.phase == WRAPUP and call.agent is not None:
            wrap = ms - call.wrap_start
            self.complete_fast(call, self.agents[call.agent], t, ms, wrap if wrap > 0 else 0)
        elif call.phase == WRAPUP:
            self.complete(call, t, max(0, ms - call.wrap_start), ms)
        elif call.phase == TALKING:
            self.end_leg(call, t, ms)
            call.ended_ms = ms
            self.complete(call, t, 0, ms)

    def on_abandoned(self, ev: CallAbandoned, t: int) -> None:
        self.unanswered_event(ev.call_id, t, ev.ts, ev.queue, "abandoned")  # type: ignore[arg-type]

    def on_left_queue(self, ev: CallLeftQueue, t: int) -> None:
        self.unanswered_event(ev.call_id, t, ev.ts, ev.queue, "left_queue")  # type: ignore[arg-type]

    def unanswered_event(
        self, call_id: str, t: int, ms: int, queue: str | None, outcome: str
    ) -> None:
        call = self.calls.get(call_id)
        if call is None:
            if self.lookup_finished(call_id, t) is not None:
                return
            call = self.new_call(call_id, t, queue, INBOUND, None)
            self.unanswered(call, t, ms, outcome)
            return
        phase = call.phase
        if phase == WAITING:
            if call.queue is None and queue is not None:
                self.move(call, queue)
            self.dequeue(call)
            self.unring(call, t)
            self.unanswered(call, t, ms, outcome)
        elif outcome == "abandoned":
            if phase == TALKING:
                self.end_talk(call, t, ms)
            elif phase == DIALING:
                self.no_answer(call, t, ms)

    def on_dialed(self, ev: CallDialed, t: int) -> None:
        if ev.call_id in self.calls or self.lookup_finished(ev.call_id, t) is not None:
            return
        call = self.new_call(ev.call_id, t, ev.queue, OUTBOUND, None)
        call.phase = DIALING
        call.agent = call.last_agent = ev.agent
        ag = self.agent(ev.agent, t)
        ag.talk.append(call)
        self.take_call(ag, t, ev.ts, call)  # type: ignore[arg-type]
        self.refresh(ag, t)

    def on_connected(self, ev: CallConnected, t: int) -> None:
        call = self.calls.get(ev.call_id)
        if call is None:
            if self.lookup_finished(ev.call_id, t) is not None:
                return
            call = self.new_call(ev.call_id, t, ev.queue, OUTBOUND, None)
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
        call.outcome = "answered"
        call.answered_ms = ev.ts  # type: ignore[assignment]
        call.oq = call.queue
        self.start_leg(call, ev.agent, t, ev.ts)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ agent events

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
            self.complete(wrap, t, max(0, ev.ts - wrap.wrap_start), ev.ts)  # type: ignore[operator, arg-type]
        self.refresh(ag, t)

    def on_state(self, ev: AgentState, t: int) -> None:
        ag = self.agent(ev.agent, t)
        ag.logged_in = True
        ag.manual = None if ev.state == "available" else (ev.reason or ev.state)
        wrap = ag.wrap
        if wrap is not None:
            self.complete(wrap, t, max(0, ev.ts - wrap.wrap_start), ev.ts)  # type: ignore[operator, arg-type]
        self.refresh(ag, t)

    # ------------------------------------------------------------------ sales and surveys

    def call_context(self, call_id: str | None, t: int) -> tuple[str | None, str | None]:
        """(queue, agent) of a live or recently finished call."""
        if call_id is None:
            return None, None
        call = self.calls.get(call_id)
        if call is not None:
            return (call.oq if call.oq is not None else call.queue), call.last_agent
        tomb = self.lookup_finished(call_id, t)
        if tomb is not None:
            return (tomb.oq if tomb.oq is not None else tomb.queue), tomb.last_agent
        return None, None

    def on_deal(self, ev: DealClosed, t: int) -> None:
        queue, _ = self.call_context(ev.call_id, t)
        ag = self.agent(ev.agent, t)
        micros = round(ev.amount * MICROS)
        for stats in self.call_scopes(queue, ag.id):
            stats.add_other(t, DEALS | micros * REVENUE_MICROS)
        self.facts.append(
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
        queue, call_agent = self.call_context(ev.call_id, t)
        agent_id = ev.agent if ev.agent is not None else call_agent
        team = None
        if agent_id is not None:
            team = self.agent(agent_id, t).team
        delta = CSAT_RESPONSES | ev.score * CSAT_SUM
        if ev.score >= 4:
            delta |= CSAT_SATISFIED
        for stats in self.call_scopes(queue, agent_id):
            stats.add_csat(t, delta)
        self.facts.append(CsatFact(f"csat:{ev.id}", ev.score, agent_id, team, queue, ev.call_id, t))
