"""A plain, slow reference for the live aggregator.

It applies the same rules (docs/metrics.md) in straightforward code, keeps every outcome as a
raw record and every agent state as an interval, and answers a window by filtering the raw
records by time and summing interval overlaps: no prefix sums, no period bases, no pruning.
The aggregator must agree with it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.events.schemas import (
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
    DealCreated,
    DealLost,
    DealStageChanged,
    DealWon,
    Event,
    event_type,
)
from app.streams.aggregator import AgentStateFact, CallFact, CsatFact, DealFact, Fact
from app.streams.aggregator.catalog import (
    StateTimes,
    WindowSums,
    agent_gauges,
    agent_time_metrics,
    call_metrics,
    pipeline_metrics,
    queue_gauges,
)
from app.streams.aggregator.config import TenantConfig
from tests.streams.pipeline_reference import SUMS as PIPELINE_SUMS
from tests.streams.pipeline_reference import PipelineReference

Metrics = dict[str, float | int | None]
STATES = ("ringing", "on_call", "wrapup", "available", "break")
ROLLING = {"5m": 300_000, "15m": 900_000, "60m": 3_600_000}


def local_day_start(ms: int, tz: ZoneInfo) -> int:
    local = datetime.fromtimestamp(ms / 1000, UTC).astimezone(tz)
    midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
    return int(midnight.astimezone(UTC).timestamp() * 1000)


def local_interval_start(ms: int, tz: ZoneInfo) -> int:
    """Walk back minute by minute to the last instant whose local minute is a quarter."""
    t = ms - ms % 60_000
    while True:
        local = datetime.fromtimestamp(t / 1000, UTC).astimezone(tz)
        if local.minute % 15 == 0:
            return t
        t -= 60_000


@dataclass
class Rec:
    t: int
    scopes: tuple[str, ...]
    kind: str
    values: dict[str, int]


@dataclass
class RCall:
    id: str
    visit: int
    first: int
    queue: str | None
    direction: str
    phase: str = "waiting"  # waiting | dialing | talking | wrapup
    waiting: bool = False
    enq: int | None = None
    wait_from: int = 0
    ring: str | None = None
    agent: str | None = None
    last_agent: str | None = None
    outcome: str | None = None
    oq: str | None = None
    answered_ms: int | None = None
    wait: int | None = None
    within: bool = False
    short: bool = False
    leg_start: int = 0
    hold: int = 0
    hold_since: int | None = None
    leg_talk: int = 0
    leg_hold: int = 0
    talk_total: int = 0
    hold_total: int = 0
    ended_ms: int | None = None
    wrap_start: int = 0
    transfers: int = 0
    wrap_limit: int | None = None  # ms; None: no limit
    wrap_due: int = 0  # when a limited wrap-up ends by itself


@dataclass
class RTomb:
    visit: int
    outcome: str
    queue: str | None
    agent: str | None
    at: int


@dataclass
class RAgent:
    id: str
    since: int
    logged_in: bool = False
    manual: str | None = None
    talk: list[str] = field(default_factory=list)
    ring: list[str] = field(default_factory=list)
    wrap: str | None = None
    state: str = "logged_out"
    label: str | None = None
    queues: set[str] = field(default_factory=set)
    # closed and open intervals: [start, end or None, state, label, team]
    intervals: list[list[object]] = field(default_factory=list)


class Reference:
    def __init__(self, config: TenantConfig) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self.wm = 0
        self.records: list[Rec] = []
        self.calls: dict[str, RCall] = {}
        self.order: list[str] = []  # live calls by creation (their expiry order)
        self.tombs: dict[str, RTomb] = {}
        self.agents: dict[str, RAgent] = {}
        self.facts: list[Fact] = []
        self.counts: dict[str, int] = {}
        self.queues_seen: set[str] = set()
        self.pipeline = PipelineReference(config, self)

    # ------------------------------------------------------------- time

    def apply(self, ev: Event) -> None:
        name = event_type(ev)
        self.counts[name] = self.counts.get(name, 0) + 1
        t = max(ev.ms, self.wm)
        self.pass_until(t)
        self.wm = t
        deal_id = getattr(ev, "deal_id", None) if name.startswith("call.") else None
        if deal_id is not None:
            self.pipeline.tag(ev.call_id, deal_id)  # type: ignore[attr-defined]
        getattr(self, "on_" + name.replace(".", "_"))(ev, t)
        if deal_id is not None and ev.call_id not in self.calls:  # type: ignore[attr-defined]
            self.pipeline.untag(ev.call_id)  # type: ignore[attr-defined]

    def advance(self, now: int) -> None:
        self.pass_until(now)

    def deadline(self, c: RCall) -> int:
        return c.first + int(self.config.max_call_age_s * 1000)

    def pass_until(self, until: int) -> None:
        """What happens by itself up to `until`, in time order: wrap-ups that reach their
        limit (by call id at one instant) before calls that reach their maximum age."""
        while True:
            limited = [(c.wrap_due, c.id) for c in self.calls.values() if c.wrap_limit]
            wrap = min(limited, default=None)
            expiry = self.deadline(self.calls[self.order[0]]) if self.order else None
            if wrap is not None and wrap[0] <= until and (expiry is None or wrap[0] <= expiry):
                t = max(wrap[0], self.wm)
                self.wm = t
                c = self.calls[wrap[1]]
                assert c.wrap_limit is not None
                self.complete(c, t, c.wrap_limit, c.wrap_start + c.wrap_limit)
            elif expiry is not None and expiry <= until:
                t = max(expiry, self.wm)
                self.wm = t
                self.expire(self.calls[self.order[0]], t)
            else:
                return

    # ------------------------------------------------------------- helpers

    def qconf(self, queue: str | None):  # type: ignore[no-untyped-def]
        return self.config.queue(queue)

    def team(self, agent: str) -> str | None:
        return self.config.agent_teams.get(agent)

    def scopes(self, queue: str | None, agent: str | None) -> tuple[str, ...]:
        out = ["tenant"]
        if queue is not None:
            out.append(f"queue:{queue}")
            self.queues_seen.add(queue)
        if agent is not None:
            out.append(f"agent:{agent}")
            team = self.team(agent)
            if team is not None:
                out.append(f"team:{team}")
        return tuple(out)

    def record(self, t: int, scopes: tuple[str, ...], kind: str, **values: int) -> None:
        self.records.append(Rec(t, scopes, kind, values))

    def note_agent(self, agent: str, t: int) -> None:
        self.agent(agent, t)

    def agent(self, agent_id: str, t: int) -> RAgent:
        if agent_id not in self.agents:
            self.agents[agent_id] = RAgent(agent_id, since=t)
        return self.agents[agent_id]

    def derive(self, a: RAgent) -> tuple[str, str | None]:
        if a.talk:
            return "on_call", None
        if a.ring:
            return "ringing", None
        if a.wrap is not None:
            return "wrapup", None
        if not a.logged_in:
            return "logged_out", None
        if a.manual is None:
            return "available", None
        return "break", a.manual

    def refresh(self, a: RAgent, t: int) -> None:
        state, label = self.derive(a)
        if (state, label) == (a.state, a.label):
            return
        if a.state != "logged_out":
            if t > a.since:
                self.facts.append(
                    AgentStateFact(
                        f"state:{a.id}:{a.since}",
                        a.id,
                        self.team(a.id),
                        a.state,
                        a.label,
                        a.since,
                        t,
                    )
                )
            a.intervals[-1][1] = t
        if state != "logged_out":
            a.intervals.append([t, None, state, label, self.team(a.id)])
        a.state, a.label, a.since = state, label, t

    def lookup_tomb(self, cid: str, t: int) -> RTomb | None:
        tomb = self.tombs.get(cid)
        if tomb is None:
            return None
        if t - tomb.at >= int(self.config.finished_call_retention_s * 1000):
            del self.tombs[cid]
            return None
        return tomb

    def new_call(self, cid: str, t: int, queue: str | None, direction: str) -> RCall:
        tomb = self.tombs.pop(cid, None)
        c = RCall(cid, (tomb.visit + 1) if tomb else 1, t, queue, direction)
        self.calls[cid] = c
        self.order.append(cid)
        return c

    def enqueue(self, c: RCall, wait_from: int) -> None:
        c.phase = "waiting"
        c.waiting = True
        c.wait_from = wait_from
        if c.queue is not None:
            self.queues_seen.add(c.queue)

    def unring(self, c: RCall, t: int, refresh: bool = True) -> None:
        if c.ring is not None:
            a = self.agents[c.ring]
            a.ring.remove(c.id)
            c.ring = None
            if refresh:
                self.refresh(a, t)

    def ring_at(self, c: RCall, agent: str, t: int) -> None:
        self.unring(c, t)
        a = self.agent(agent, t)
        c.ring = agent
        a.ring.append(c.id)
        a.logged_in = True
        if c.queue is not None:
            a.queues.add(c.queue)
        self.refresh(a, t)

    def start_leg(self, c: RCall, agent: str | None, t: int, ms: int) -> None:
        c.phase = "talking"
        c.waiting = False
        c.agent = agent
        c.leg_start = ms
        c.hold = 0
        c.hold_since = None
        if agent is not None:
            c.last_agent = agent
            a = self.agent(agent, t)
            a.talk.append(c.id)
            a.logged_in = True
            a.manual = None
            if a.wrap is not None and a.wrap != c.id:
                w = self.calls[a.wrap]
                self.complete(w, t, max(0, ms - w.wrap_start), ms)
            if c.queue is not None:
                a.queues.add(c.queue)
            self.refresh(a, t)

    def end_leg(self, c: RCall, t: int, ms: int, refresh: bool = True) -> None:
        total = max(0, ms - c.leg_start)
        hold = c.hold + (max(0, ms - c.hold_since) if c.hold_since is not None else 0)
        c.hold_since = None
        hold = min(hold, total)
        c.leg_talk, c.leg_hold = total - hold, hold
        c.talk_total += total - hold
        c.hold_total += hold
        if c.agent is not None:
            a = self.agents[c.agent]
            a.talk.remove(c.id)
            if refresh:
                self.refresh(a, t)

    def record_leg(self, c: RCall, t: int, wrap: int) -> None:
        if c.agent is not None:
            scopes = self.scopes(None, c.agent)[1:]
            self.record(t, scopes, "handled", talk=c.leg_talk, hold=c.leg_hold, wrap=wrap)

    def end_talk(self, c: RCall, t: int, ms: int) -> None:
        a = self.agents[c.agent] if c.agent is not None else None
        limit_s = self.qconf(c.queue).wrapup_s
        if a is not None and a.logged_in and (limit_s is None or round(limit_s * 1000) > 0):
            self.end_leg(c, t, ms, refresh=False)
            c.ended_ms = ms
            c.phase = "wrapup"
            c.wrap_start = ms
            if limit_s is not None:
                c.wrap_limit = round(limit_s * 1000)
                c.wrap_due = t + c.wrap_limit
            old = a.wrap
            a.wrap = c.id
            if old is not None:
                w = self.calls[old]
                self.complete(w, t, max(0, ms - w.wrap_start), ms)
            self.refresh(a, t)
            return
        self.end_leg(c, t, ms)
        c.ended_ms = ms
        self.complete(c, t, 0, ms)

    def complete(self, c: RCall, t: int, wrap: int, ms: int) -> None:
        if c.wrap_limit is not None and wrap > c.wrap_limit:
            wrap = c.wrap_limit
            ms = c.wrap_start + c.wrap_limit
        self.record_leg(c, t, wrap if c.phase == "wrapup" else 0)
        self.record(
            t,
            self.scopes(c.oq, None),
            "handled",
            talk=c.talk_total,
            hold=c.hold_total,
            wrap=wrap,
        )
        if c.agent is not None:
            a = self.agents[c.agent]
            if a.wrap == c.id:
                a.wrap = None
                self.refresh(a, t)
        self.pipeline.handled(c.id, c.talk_total + c.hold_total + wrap, t)
        self.finish(c, t, "answered", wrap, ms)

    def finish(
        self,
        c: RCall,
        t: int,
        outcome: str,
        wrap: int,
        wrapup_ended: int | None,
    ) -> None:
        del self.calls[c.id]
        self.order.remove(c.id)
        self.pipeline.untag(c.id)
        if c.phase == "waiting":
            c.waiting = False
            self.unring(c, t)
        queue = c.oq if c.oq is not None else c.queue
        agent = c.last_agent
        self.facts.append(
            CallFact(
                fact_id=f"call:{c.id}:{c.visit}:{c.first}",
                call_id=c.id,
                direction=c.direction,  # type: ignore[arg-type]
                outcome=outcome,  # type: ignore[arg-type]
                queue=queue,
                agent=agent,
                team=self.team(agent) if agent else None,
                enqueued_ms=c.enq,
                answered_ms=c.answered_ms,
                ended_ms=c.ended_ms,
                wrapup_ended_ms=wrapup_ended,
                finished_ms=t,
                wait_s=None if c.wait is None else c.wait / 1000,
                talk_s=c.talk_total / 1000,
                hold_s=c.hold_total / 1000,
                wrapup_s=wrap / 1000,
                transfers=c.transfers,
                short_abandon=c.short,
                within_sl=c.within,
            )
        )
        self.tombs[c.id] = RTomb(c.visit, outcome, queue, agent, t)

    def answer(self, c: RCall, t: int, ms: int, agent: str | None) -> None:
        c.outcome = "answered"
        c.answered_ms = ms
        c.oq = c.queue
        if c.enq is None:
            self.record(t, self.scopes(c.queue, agent), "answer", known=0, within=0, wait=0)
            return
        wait = max(0, ms - c.enq)
        c.wait = wait
        c.within = wait <= self.qconf(c.queue).sl_threshold_s * 1000
        self.record(
            t, self.scopes(c.queue, agent), "answer", known=1, within=int(c.within), wait=wait
        )

    def unanswered(self, c: RCall, t: int, ms: int, outcome: str) -> None:
        if c.outcome is not None:
            c.ended_ms = ms
            self.complete(c, t, 0, ms)
            return
        c.outcome = outcome
        c.oq = c.queue
        known = c.enq is not None
        wait = max(0, ms - c.enq) if c.enq is not None else 0
        if known:
            c.wait = wait
        c.short = (
            outcome == "abandoned" and known and wait < self.qconf(c.queue).short_abandon_s * 1000
        )
        self.record(
            t,
            self.scopes(c.queue, None),
            outcome,
            known=int(known),
            short=int(c.short),
            wait=wait,
        )
        c.ended_ms = ms
        self.finish(c, t, outcome, 0, None)

    def transfer_count(self, c: RCall, t: int) -> None:
        c.transfers += 1
        agent = c.agent if c.phase == "talking" else None
        self.record(t, self.scopes(c.queue, agent), "transfer")

    def expire(self, c: RCall, t: int) -> None:
        agent = c.agent if c.phase != "waiting" else None
        self.record(t, self.scopes(c.queue, agent), "expired")
        if agent is not None:
            a = self.agents[agent]
            if c.id in a.talk:
                a.talk.remove(c.id)
            if a.wrap == c.id:
                a.wrap = None
            self.refresh(a, t)
        self.finish(c, t, "expired", 0, None)

    def waiting_call(self, cid: str, t: int, ms: int, queue: str | None) -> RCall | None:
        c = self.calls.get(cid)
        if c is None:
            if self.lookup_tomb(cid, t) is not None:
                return None
            c = self.new_call(cid, t, queue, "inbound")
            self.enqueue(c, ms)
            return c
        if c.phase != "waiting":
            return None
        if c.queue is None and queue is not None:
            c.queue = queue
            self.queues_seen.add(queue)
        return c

    # ------------------------------------------------------------- events

    def on_call_queued(self, ev: CallQueued, t: int) -> None:
        c = self.calls.get(ev.call_id)
        if c is not None:
            if c.phase == "waiting" and c.queue != ev.queue:
                c.queue = ev.queue
                self.queues_seen.add(ev.queue)
            return
        tomb = self.lookup_tomb(ev.call_id, t)
        if tomb is not None and tomb.outcome != "left_queue":
            return
        c = self.new_call(ev.call_id, t, ev.queue, "inbound")
        c.enq = ev.ms
        self.enqueue(c, ev.ms)

    def on_call_ringing(self, ev: CallRinging, t: int) -> None:
        c = self.waiting_call(ev.call_id, t, ev.ms, ev.queue)
        if c is not None and c.ring != ev.agent:
            self.ring_at(c, ev.agent, t)

    def on_call_answered(self, ev: CallAnswered, t: int) -> None:
        c = self.waiting_call(ev.call_id, t, ev.ms, ev.queue)
        if c is None:
            return
        agent = ev.agent if ev.agent is not None else c.ring
        c.waiting = False
        if c.ring is not None:
            self.unring(c, t, refresh=c.ring != agent)
        if c.outcome is None:
            if agent is not None:
                self.agent(agent, t)
            self.answer(c, t, ev.ms, agent)
        self.start_leg(c, agent, t, ev.ms)

    def on_call_hold(self, ev: CallHold, t: int) -> None:
        c = self.calls.get(ev.call_id)
        if c is not None and c.phase == "talking" and c.hold_since is None:
            c.hold_since = ev.ms

    def on_call_resumed(self, ev: CallResumed, t: int) -> None:
        c = self.calls.get(ev.call_id)
        if c is not None and c.phase == "talking" and c.hold_since is not None:
            c.hold += max(0, ev.ms - c.hold_since)
            c.hold_since = None

    def on_call_transferred(self, ev: CallTransferred, t: int) -> None:
        c = self.calls.get(ev.call_id)
        if c is None:
            return
        if c.phase == "waiting":
            moves = ev.to_queue is not None and ev.to_queue != c.queue
            rings = ev.to_agent is not None and ev.to_agent != c.ring
            if not (moves or rings):
                return
            self.transfer_count(c, t)
            if moves:
                c.queue = ev.to_queue
                self.queues_seen.add(ev.to_queue)  # type: ignore[arg-type]
            if rings:
                self.ring_at(c, ev.to_agent, t)  # type: ignore[arg-type]
        elif c.phase == "talking":
            same_agent = ev.to_agent is not None and ev.to_agent == c.agent
            if same_agent and (ev.to_queue is None or ev.to_queue == c.queue):
                return
            self.transfer_count(c, t)
            self.end_leg(c, t, ev.ms)
            self.record_leg(c, t, 0)
            if ev.to_queue is not None:
                c.queue = ev.to_queue
            if ev.to_agent is not None:
                self.start_leg(c, ev.to_agent, t, ev.ms)
            else:
                c.agent = None
                self.enqueue(c, ev.ms)

    def on_call_ended(self, ev: CallEnded, t: int) -> None:
        c = self.calls.get(ev.call_id)
        if c is None:
            return
        if c.phase == "talking":
            self.end_talk(c, t, ev.ms)
        elif c.phase == "waiting":
            c.waiting = False
            self.unring(c, t)
            self.unanswered(c, t, ev.ms, "abandoned")
        elif c.phase == "dialing":
            self.no_answer(c, t, ev.ms)

    def no_answer(self, c: RCall, t: int, ms: int) -> None:
        a = self.agents[c.agent]  # type: ignore[index]
        a.talk.remove(c.id)
        self.refresh(a, t)
        c.ended_ms = ms
        self.finish(c, t, "no_answer", 0, None)

    def on_call_wrapup_ended(self, ev: CallWrapupEnded, t: int) -> None:
        c = self.calls.get(ev.call_id)
        if c is None:
            return
        if c.phase == "wrapup":
            self.complete(c, t, max(0, ev.ms - c.wrap_start), ev.ms)
        elif c.phase == "talking":
            self.end_leg(c, t, ev.ms)
            c.ended_ms = ev.ms
            self.complete(c, t, 0, ev.ms)

    def unanswered_event(self, cid: str, t: int, ms: int, queue: str | None, kind: str) -> None:
        c = self.calls.get(cid)
        if c is None:
            if self.lookup_tomb(cid, t) is not None:
                return
            c = self.new_call(cid, t, queue, "inbound")
            self.unanswered(c, t, ms, kind)
            return
        if c.phase == "waiting":
            if c.queue is None and queue is not None:
                c.queue = queue
            c.waiting = False
            self.unring(c, t)
            self.unanswered(c, t, ms, kind)
        elif kind == "abandoned":
            if c.phase == "talking":
                self.end_talk(c, t, ms)
            elif c.phase == "dialing":
                self.no_answer(c, t, ms)

    def on_call_abandoned(self, ev: CallAbandoned, t: int) -> None:
        self.unanswered_event(ev.call_id, t, ev.ms, ev.queue, "abandoned")

    def on_call_left_queue(self, ev: CallLeftQueue, t: int) -> None:
        self.unanswered_event(ev.call_id, t, ev.ms, ev.queue, "left_queue")

    def on_call_dialed(self, ev: CallDialed, t: int) -> None:
        if ev.call_id in self.calls or self.lookup_tomb(ev.call_id, t) is not None:
            return
        c = self.new_call(ev.call_id, t, ev.queue, "outbound")
        c.phase = "dialing"
        c.agent = c.last_agent = ev.agent
        a = self.agent(ev.agent, t)
        a.talk.append(c.id)
        a.logged_in = True
        a.manual = None
        if a.wrap is not None:
            w = self.calls[a.wrap]
            self.complete(w, t, max(0, ev.ms - w.wrap_start), ev.ms)
        self.refresh(a, t)

    def on_call_connected(self, ev: CallConnected, t: int) -> None:
        c = self.calls.get(ev.call_id)
        if c is None:
            if self.lookup_tomb(ev.call_id, t) is not None:
                return
            c = self.new_call(ev.call_id, t, ev.queue, "outbound")
        elif c.phase != "dialing":
            return
        else:
            if c.queue is None:
                c.queue = ev.queue
            if c.agent is not None:
                a = self.agents[c.agent]
                a.talk.remove(c.id)
                if c.agent != ev.agent:
                    self.refresh(a, t)
        c.outcome = "answered"
        c.answered_ms = ev.ms
        c.oq = c.queue
        self.start_leg(c, ev.agent, t, ev.ms)

    def on_agent_login(self, ev: AgentLogin, t: int) -> None:
        a = self.agent(ev.agent, t)
        if not a.logged_in:
            a.logged_in = True
            a.manual = None
            self.refresh(a, t)

    def on_agent_logout(self, ev: AgentLogout, t: int) -> None:
        a = self.agent(ev.agent, t)
        a.logged_in = False
        a.manual = None
        for cid in a.ring:
            self.calls[cid].ring = None
        a.ring = []
        if a.wrap is not None:
            w = self.calls[a.wrap]
            self.complete(w, t, max(0, ev.ms - w.wrap_start), ev.ms)
        self.refresh(a, t)

    def on_agent_state(self, ev: AgentState, t: int) -> None:
        a = self.agent(ev.agent, t)
        a.logged_in = True
        a.manual = None if ev.state == "available" else (ev.reason or ev.state)
        if a.wrap is not None:
            w = self.calls[a.wrap]
            self.complete(w, t, max(0, ev.ms - w.wrap_start), ev.ms)
        self.refresh(a, t)

    def context(self, cid: str | None, t: int) -> tuple[str | None, str | None]:
        if cid is None:
            return None, None
        c = self.calls.get(cid)
        if c is not None:
            return (c.oq if c.oq is not None else c.queue), c.last_agent
        tomb = self.lookup_tomb(cid, t)
        if tomb is not None:
            return tomb.queue, tomb.agent
        return None, None

    def on_deal_closed(self, ev: DealClosed, t: int) -> None:
        queue, _ = self.context(ev.call_id, t)
        self.agent(ev.agent, t)
        micros = round(ev.amount * 1_000_000)
        self.record(t, self.scopes(queue, ev.agent), "deal", micros=micros)
        self.facts.append(
            DealFact(
                f"deal:{ev.id}",
                ev.agent,
                self.team(ev.agent),
                queue,
                ev.call_id,
                micros / 1_000_000,
                ev.currency,
                t,
            )
        )

    def on_csat_submitted(self, ev: CsatSubmitted, t: int) -> None:
        queue, call_agent = self.context(ev.call_id, t)
        agent = ev.agent if ev.agent is not None else call_agent
        if agent is not None:
            self.agent(agent, t)
        self.record(t, self.scopes(queue, agent), "csat", score=ev.score)
        self.facts.append(
            CsatFact(
                f"csat:{ev.id}",
                ev.score,
                agent,
                self.team(agent) if agent else None,
                queue,
                ev.call_id,
                t,
            )
        )

    def on_deal_created(self, ev: DealCreated, t: int) -> None:
        self.pipeline.created(ev, t)

    def on_deal_stage_changed(self, ev: DealStageChanged, t: int) -> None:
        self.pipeline.stage_changed(ev, t)

    def on_deal_won(self, ev: DealWon, t: int) -> None:
        self.pipeline.won(ev, t)

    def on_deal_lost(self, ev: DealLost, t: int) -> None:
        self.pipeline.lost(ev, t)

    # ------------------------------------------------------------- queries

    def scope_names(self) -> set[str]:
        out = {"tenant"} | {f"queue:{q}" for q in self.queues_seen}
        for a in self.agents:
            out.add(f"agent:{a}")
            team = self.team(a)
            if team is not None:
                out.add(f"team:{team}")
        return out | {f"pipeline:{p}" for p in self.pipeline.pipelines_seen}

    def window_start(self, window: str, q: int) -> tuple[int, bool]:
        """(start, inclusive)"""
        if window in ROLLING:
            return q - ROLLING[window], False
        if window == "today":
            return local_day_start(q, self.tz), True
        return local_interval_start(q, self.tz), True

    def in_scope(self, scope: str, agent: str, team: str | None) -> bool:
        if scope == "tenant":
            return True
        if scope.startswith("agent:"):
            return scope == f"agent:{agent}"
        if scope.startswith("team:"):
            return team is not None and scope == f"team:{team}"
        return False

    def metrics(self, scope: str, window: str, now: int) -> Metrics:
        q = max(now, self.wm)
        kind = scope.split(":", 1)[0]
        out: Metrics = {}
        if window != "live":
            start, inclusive = self.window_start(window, q)
            recs = [
                r
                for r in self.records
                if scope in r.scopes and (r.t >= start if inclusive else r.t > start) and r.t <= q
            ]
            sums = self.sums(recs)
            calls = call_metrics(sums)
            if kind == "pipeline":
                calls = {k: calls[k] for k in ("deals", "revenue", "average_deal")}
            out.update(calls)
            if kind not in ("queue", "pipeline"):
                out.update(agent_time_metrics(self.state_times(scope, start, q)))
            if kind != "queue":
                out.update(pipeline_metrics(sums))
        if kind in ("tenant", "queue"):
            waits = [
                c.wait_from
                for c in self.calls.values()
                if c.waiting and (kind == "tenant" or scope == f"queue:{c.queue}")
            ]
            out.update(queue_gauges(len(waits), min(waits) if waits else None, q))
        if kind not in ("queue", "pipeline"):
            n = dict.fromkeys(STATES, 0)
            reasons: dict[str, int] = {}
            for a in self.agents.values():
                if a.state != "logged_out" and self.in_scope(scope, a.id, self.team(a.id)):
                    n[a.state] += 1
                    if a.label is not None:
                        reasons[a.label] = reasons.get(a.label, 0) + 1
            out.update(
                agent_gauges(
                    n["ringing"],
                    n["on_call"],
                    n["wrapup"],
                    n["available"],
                    n["break"],
                    reasons,
                )
            )
        if kind != "queue":
            out.update(self.pipeline.gauges(scope, q))
        return out

    def sums(self, recs: list[Rec]) -> WindowSums:
        def total(kind: str, key: str | None = None) -> int:
            return sum(1 if key is None else r.values[key] for r in recs if r.kind == kind)

        answers = [r for r in recs if r.kind == "answer"]
        waits = [r.values["wait"] for r in answers if r.values["known"]] + [
            r.values["wait"] for r in recs if r.kind == "abandoned" and r.values["known"]
        ]
        unknown = sum(
            1 for r in recs if r.kind in ("abandoned", "left_queue") and not r.values["known"]
        )
        return WindowSums(
            answered=len(answers),
            answered_known=total("answer", "known"),
            answered_within_sl=total("answer", "within"),
            wait_ms=total("answer", "wait"),
            abandoned=total("abandoned"),
            short_abandoned=total("abandoned", "short"),
            left_queue=total("left_queue"),
            unanswered_unknown=unknown,
            handled=total("handled"),
            talk_ms=total("handled", "talk"),
            hold_ms=total("handled", "hold"),
            wrapup_ms=total("handled", "wrap"),
            transfers=total("transfer"),
            expired=total("expired"),
            deals=total("deal"),
            revenue_micros=total("deal", "micros"),
            csat_responses=total("csat"),
            csat_sum=total("csat", "score"),
            csat_satisfied=sum(1 for r in recs if r.kind == "csat" and r.values["score"] >= 4),
            **{
                name: sum(r.values.get(name, 0) for r in recs if r.kind == "pipeline")
                for name in PIPELINE_SUMS
            },
            max_wait_ms=max(waits, default=-1),
        )

    def state_times(self, scope: str, start: int, q: int) -> StateTimes:
        ms = dict.fromkeys(STATES, 0)
        for a in self.agents.values():
            for begin, end, state, _, team in a.intervals:
                if not self.in_scope(scope, a.id, team):  # type: ignore[arg-type]
                    continue
                lo = max(begin, start)  # type: ignore[call-overload]
                hi = min(end if end is not None else q, q)  # type: ignore[call-overload]
                if hi > lo:
                    ms[state] += hi - lo  # type: ignore[index]
        return StateTimes(ms["ringing"], ms["on_call"], ms["wrapup"], ms["available"], ms["break"])

    def board(self, now: int) -> list[tuple[object, ...]]:
        q = max(now, self.wm)
        start = local_day_start(q, self.tz)
        out: list[tuple[object, ...]] = []
        for a in self.agents.values():
            handled = sum(
                1
                for r in self.records
                if r.kind == "handled" and f"agent:{a.id}" in r.scopes and start <= r.t <= q
            )
            call = a.talk[-1] if a.talk else a.ring[-1] if a.ring else a.wrap
            queue = None
            if call is not None:
                queue = self.calls[call].queue
            out.append((a.id, a.state, a.label, a.since, call, queue, handled))
        return out


def day_after(ms: int, tz: ZoneInfo) -> int:
    """Start of the next local day (for tests that walk day by day)."""
    local = datetime.fromtimestamp(ms / 1000, UTC).astimezone(tz)
    nxt = (datetime(local.year, local.month, local.day) + timedelta(days=1)).replace(tzinfo=tz)
    return int(nxt.astimezone(UTC).timestamp() * 1000)
