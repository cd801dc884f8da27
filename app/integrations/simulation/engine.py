"""A seeded discrete-event simulation of a call centre that emits canonical events.

One `random.Random(seed)` is drawn from in the order the simulation processes its events, and
the event heap is ordered by (time, insertion number), so the same config gives the same events
however `run_until` is sliced. Every event is emitted when the simulation reaches its time, which
keeps the output in time order without sorting.

Model: calls arrive by a non-homogeneous Poisson process (thinning against the intraday curve),
plus the rushes of the optional surge cycle, and pick a queue by its share; each caller draws a
Weibull patience and abandons if nobody answers in time. A queue is served by the agents of
some teams; an arriving call goes to the agent of those teams who has been idle longest, a freed
agent takes the oldest waiting call of its queues. Talk, hold, wrap-up and deal values are
lognormal. Agents log in at shift start (some a few minutes late, a few not at all), take two
breaks and lunch when they are free, and log out at shift end once their call is done.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import count
from random import Random
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

from app.events.schemas import (
    AgentLogin,
    AgentLogout,
    AgentState,
    AnyEvent,
    CallAbandoned,
    CallAnswered,
    CallConnected,
    CallDialed,
    CallEnded,
    CallHold,
    CallQueued,
    CallResumed,
    CallRinging,
    CallTranscript,
    CallWrapupEnded,
    CsatSubmitted,
    DealClosed,
    datetime_to_ms,
)
from app.integrations.simulation.config import (
    HOLD_SIGMA,
    Callbacks,
    QueueProfile,
    SimConfig,
    Surge,
)
from app.integrations.simulation.pipeline import PipelineSim
from app.integrations.simulation.roster import Roster, build_roster
from app.integrations.simulation.schedule import (
    Pause,
    auto_peak_calls_per_hour,
    local_ms,
    pauses_for,
)
from app.integrations.simulation.transcripts import Line, call_lines

MINUTE_MS: Final = 60_000
HOUR_MS: Final = 3_600_000
ITER_CHUNK_MS: Final = 5 * MINUTE_MS

# agent states
OFF, AVAILABLE, RINGING, ON_CALL, WRAPUP, PAUSED = range(6)
# call states
WAITING, OFFERED, CONNECTED, GONE = range(4)

CSAT_SCORES: Final = (1, 2, 3, 4, 5)
CSAT_WEIGHTS: Final = (0.03, 0.04, 0.10, 0.31, 0.52)
CSAT_WEIGHTS_AFTER_LONG_WAIT: Final = (0.09, 0.10, 0.20, 0.31, 0.30)
LONG_WAIT_FACTOR: Final = 3
_T = TypeVar("_T")
"""A wait longer than this many service-level thresholds lowers the score a caller gives."""


class _Agent:
    __slots__ = (
        "id",
        "idx",
        "logout_due",
        "name",
        "pause_token",
        "pending",
        "queues",
        "shift_hour",
        "state",
        "token",
    )

    def __init__(self, idx: int, agent_id: str, name: str, queues: tuple[int, ...], hour: float):
        self.idx = idx
        self.id = agent_id
        self.name = name
        self.queues = queues
        self.shift_hour = hour
        self.state = OFF
        self.token = 0
        """Changes each time the agent becomes available; stale idle-heap entries differ."""
        self.pause_token = 0
        self.pending: list[tuple[str, int]] = []
        self.logout_due = False


class _Call:
    __slots__ = ("agent", "answered", "caller", "enqueued", "id", "n", "queue", "state")

    def __init__(self, n: int, call_id: str, queue: int, enqueued: int) -> None:
        self.caller: str | None = None
        self.n = n
        self.id = call_id
        self.queue = queue
        self.enqueued = enqueued
        self.answered = enqueued
        self.state = WAITING
        self.agent: _Agent | None = None


class _Day:
    """One local day: when it opens and closes and its arrival rate knots in epoch ms."""

    __slots__ = ("close_ms", "date", "knot_ms", "knot_rate", "next_midnight_ms", "open_ms")

    def __init__(self, config: SimConfig, zone: ZoneInfo, day: date, peak_per_ms: float) -> None:
        peak = max(rate for _, rate in config.curve)
        self.date = day
        self.knot_ms = [local_ms(zone, day, hour) for hour, _ in config.curve]
        self.knot_rate = [rate / peak * peak_per_ms for _, rate in config.curve]
        self.open_ms = self.knot_ms[0]
        self.close_ms = self.knot_ms[-1]
        self.next_midnight_ms = local_ms(zone, day, 24)

    def rate(self, t: float) -> float:
        knots = self.knot_ms
        i = 1
        while knots[i] <= t:
            i += 1
        t0, t1 = knots[i - 1], knots[i]
        r0, r1 = self.knot_rate[i - 1], self.knot_rate[i]
        return r0 + (r1 - r0) * (t - t0) / (t1 - t0)


class Simulator:
    """Generates the events of a simulated call centre from `config.start` onwards."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._roster = build_roster(config)
        self._zone = ZoneInfo(config.time_zone)
        self._rng = Random(config.seed)
        self._speech = Random(f"speech-{config.seed}") if config.transcripts else None
        self._segment_no = count(1)
        self._prefix = config.prefix + "-"
        self._call_prefix = config.prefix + "-call-"
        self._event_no = count(1)
        self._call_no = count(1)
        self._seq = count()
        self._heap: list[tuple[int, int, Callable[[int, Any], None], Any]] = []
        self._out: list[AnyEvent] = []
        self._queues = config.queues
        self._queue_names = [q.name for q in config.queues]
        self._queue_weights = _cumulative([q.share for q in config.queues])
        self._waiting: list[deque[_Call]] = [deque() for _ in config.queues]
        self._idle: list[list[tuple[int, int, int]]] = [[] for _ in config.queues]
        self._agents = self._make_agents()
        self.peak_calls_per_hour = (
            config.peak_calls_per_hour
            if config.peak_calls_per_hour is not None
            else auto_peak_calls_per_hour(config, [a.shift_hour for a in self._agents])
        )
        self._peak_per_ms = self.peak_calls_per_hour / HOUR_MS
        self._days: dict[date, _Day] = {}
        self._start_ms = datetime_to_ms(config.start)
        self._now_ms = self._start_ms
        first_day = self._day(config.start.astimezone(self._zone).date())
        self._plan_agents(first_day)
        self._push(first_day.next_midnight_ms, self._on_new_day, first_day.date + timedelta(days=1))
        self._arrival_day = first_day
        self._schedule_next_arrival(self._start_ms)
        if config.surge is not None:
            self._push(self._first_surge_ms(config.surge), self._on_surge, config.surge)
        self._pipeline = (
            PipelineSim(config.seed, self._prefix, self._id) if config.pipeline else None
        )
        self._call_deal: dict[str, str] = {}
        self._callers = Random(config.seed * 1_000_003 + 16)
        """Caller numbers and call-backs draw from here, so they change no other draw."""
        self._missed: deque[str] = deque(maxlen=500)

    # public API

    def roster(self) -> Roster:
        """Teams with their agents and shifts, and queues with their settings."""
        return self._roster

    @property
    def now_ms(self) -> int:
        """The simulated time up to which events have been generated."""
        return self._now_ms

    @property
    def start_ms(self) -> int:
        return self._start_ms

    def run_until(self, until_ms: int) -> list[AnyEvent]:
        """The events up to `until_ms` (inclusive) not returned before, in time order. The first
        call includes the events at exactly `start`; a time already passed gives []."""
        heap = self._heap
        out = self._out = []
        while heap and heap[0][0] <= until_ms:
            t, _, handler, arg = heapq.heappop(heap)
            handler(t, arg)
        self._now_ms = max(self._now_ms, until_ms)
        return out

    def iter_events(self, until_ms: int, chunk_ms: int = ITER_CHUNK_MS) -> Iterator[AnyEvent]:
        """Events up to `until_ms` generated lazily in slices of simulated time, for volumes
        that should not be held in memory at once."""
        if chunk_ms <= 0:
            raise ValueError("chunk_ms must be > 0")
        while True:
            yield from self.run_until(min(until_ms, self._now_ms + chunk_ms))
            if self._now_ms >= until_ms:
                return

    # set-up

    def _make_agents(self) -> list[_Agent]:
        queue_index = {name: i for i, name in enumerate(self._queue_names)}
        agents: list[_Agent] = []
        for team in self._roster.teams:
            queues = tuple(queue_index[name] for name in team.queues)
            for agent in team.agents:
                hour = agent.shift_start.hour + agent.shift_start.minute / 60
                agents.append(_Agent(len(agents), agent.id, agent.name, queues, hour))
        return agents

    def _day(self, day: date) -> _Day:
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = _Day(self.config, self._zone, day, self._peak_per_ms)
            self._days.pop(day - timedelta(days=3), None)
        return found

    def _plan_agents(self, day: _Day) -> None:
        """Logins, pauses and logouts of one local day; shifts already over at start are skipped
        and agents whose shift is running at start log in at start."""
        rng = self._rng
        shift_ms = round(self.config.shift_hours * HOUR_MS)
        pauses = pauses_for(self.config.shift_hours)
        for agent in self._agents:
            shift_start = local_ms(self._zone, day.date, agent.shift_hour)
            shift_end = shift_start + shift_ms
            absent = rng.random() < self.config.absent_probability
            if rng.random() < self.config.late_probability:
                login = shift_start + round(rng.uniform(1, 12) * MINUTE_MS)
            else:
                login = shift_start - round(rng.uniform(0, 4) * MINUTE_MS)
            planned = [(_pause_start(rng, p, shift_start, shift_ms), p) for p in pauses]
            if absent or shift_end <= self._start_ms:
                continue
            login = max(login, self._start_ms)
            self._push(login, self._on_login, agent)
            for at, pause in planned:
                if at >= login:
                    self._push(at, self._on_pause_due, (agent, pause.state, _pause_ms(rng, pause)))
            self._push(shift_end, self._on_shift_end, agent)

    # heap and output

    def _push(self, t: int, handler: Callable[[int, _T], None], arg: _T) -> None:
        heapq.heappush(self._heap, (t, next(self._seq), handler, arg))

    def _id(self) -> str:
        return f"{self._prefix}{next(self._event_no)}"

    # arrivals and callers

    def _schedule_next_arrival(self, after: float) -> None:
        if self._peak_per_ms <= 0:
            return
        rng = self._rng
        peak = self._peak_per_ms
        t = after
        day = self._arrival_day
        while True:
            if t >= day.next_midnight_ms or t >= day.close_ms:
                day = self._arrival_day = self._day(day.date + timedelta(days=1))
                t = max(t, day.open_ms)
                continue
            t = max(t, day.open_ms) + rng.expovariate(peak)
            if t < day.close_ms and rng.random() * peak < day.rate(t):
                self._push(math.ceil(t), self._on_arrival, None)
                return

    def _first_surge_ms(self, surge: Surge) -> int:
        """The first surge at or after the start (surges repeat every period from the anchor,
        before it too)."""
        anchor = datetime_to_ms(surge.anchor)
        period = round(surge.period_s * 1000)
        return self._start_ms + (anchor - self._start_ms) % period

    def _on_surge(self, t: int, surge: Surge) -> None:
        rng = self._rng
        free = sum(1 for agent in self._agents if agent.state == AVAILABLE)
        length = round(surge.length_s * 1000)
        for _ in range(free + surge.extra_callers):
            self._push(t + rng.randrange(length), self._on_surge_arrival, None)
        self._push(t + round(surge.period_s * 1000), self._on_surge, surge)

    def _on_surge_arrival(self, t: int, _: None) -> None:
        self._arrive(t)

    def _on_arrival(self, t: int, _: None) -> None:
        self._arrive(t)
        self._schedule_next_arrival(t)

    def _arrive(self, t: int) -> None:
        rng = self._rng
        q = _pick(self._queue_weights, rng.random())
        profile = self._queues[q]
        n = next(self._call_no)
        call = _Call(n, f"{self._call_prefix}{n}", q, t)
        if self.config.callbacks is not None:
            call.caller = self._caller(self.config.callbacks)
        self._out.append(
            CallQueued(id=self._id(), ts=t, call_id=call.id, queue=profile.name, caller=call.caller)
        )
        agent = self._longest_idle(q)
        if agent is None or self.config.ringing:
            patience_s = rng.weibullvariate(profile.patience_scale_s, profile.patience_shape)
            self._push(t + round(patience_s * 1000), self._on_abandon, call)
        if agent is None:
            self._waiting[q].append(call)
        else:
            self._connect(call, agent, t)

    def _on_abandon(self, t: int, call: _Call) -> None:
        if call.state == WAITING or call.state == OFFERED:
            offered_to = call.agent if call.state == OFFERED else None
            call.state = GONE
            self._out.append(
                CallAbandoned(
                    id=self._id(), ts=t, call_id=call.id, queue=self._queue_names[call.queue]
                )
            )
            if offered_to is not None:
                self._release(offered_to, t, announce=False)
            behaviour = self.config.callbacks
            if behaviour is not None and call.caller is not None:
                self._missed.append(call.caller)
                rng = self._callers
                if rng.random() < behaviour.callback_probability:
                    delay_ms = round(rng.uniform(*behaviour.delay_s) * 1000)
                    self._push(t + delay_ms, self._on_callback_due, (call.caller, call.queue, 2))

    # call-backs

    def _caller(self, behaviour: Callbacks) -> str:
        """A number: one that hung up before and tries again, or one of the callers."""
        rng = self._callers
        if self._missed and rng.random() < behaviour.call_again_probability:
            return self._missed[rng.randrange(len(self._missed))]
        return f"+{behaviour.country_code}5{rng.randrange(behaviour.callers):08d}"

    def _on_callback_due(self, t: int, due: tuple[str, int, int]) -> None:
        """An agent of the queue calls the number back, when one is free."""
        number, q, tries = due
        agent = self._longest_idle(q)
        if agent is None:
            self._push(t + 2 * MINUTE_MS, self._on_callback_due, due)
            return
        behaviour = self.config.callbacks
        assert behaviour is not None, "call-backs are scheduled only when configured"
        rng = self._callers
        agent.state = ON_CALL
        agent.token += 1
        call_id = f"{self._call_prefix}back-{next(self._call_no)}"
        queue = self._queue_names[q]
        self._out.append(
            CallDialed(id=self._id(), ts=t, call_id=call_id, agent=agent.id, queue=queue,
                       caller=number)
        )  # fmt: skip
        if rng.random() < behaviour.answer_probability:
            connect = t + round(rng.uniform(8, 25) * 1000)
            talk = _lognormal_ms(rng, behaviour.talk_median_s, 0.5)
            self._push(connect, self._on_callback_connected, (call_id, agent, queue))
            self._push(connect + talk, self._on_callback_end, (call_id, agent))
        else:
            self._push(t + 30_000, self._on_callback_end, (call_id, agent))
            if tries > 1:
                later = t + round(rng.uniform(*behaviour.delay_s) * 1000)
                self._push(later, self._on_callback_due, (number, q, tries - 1))

    def _on_callback_connected(self, t: int, call: tuple[str, _Agent, str]) -> None:
        call_id, agent, queue = call
        self._out.append(
            CallConnected(id=self._id(), ts=t, call_id=call_id, agent=agent.id, queue=queue)
        )

    def _on_callback_end(self, t: int, call: tuple[str, _Agent]) -> None:
        call_id, agent = call
        self._out.append(CallEnded(id=self._id(), ts=t, call_id=call_id))
        self._out.append(CallWrapupEnded(id=self._id(), ts=t, call_id=call_id))
        self._release(agent, t, announce=False)

    # routing

    def _longest_idle(self, q: int) -> _Agent | None:
        idle = self._idle[q]
        agents = self._agents
        while idle:
            _, idx, token = idle[0]
            heapq.heappop(idle)
            agent = agents[idx]
            if agent.state == AVAILABLE and agent.token == token:
                return agent
        return None

    def _oldest_waiting(self, agent: _Agent) -> _Call | None:
        best: _Call | None = None
        best_queue: deque[_Call] | None = None
        for q in agent.queues:
            waiting = self._waiting[q]
            while waiting and waiting[0].state != WAITING:
                waiting.popleft()
            if waiting and (best is None or waiting[0].n < best.n):
                best, best_queue = waiting[0], waiting
        if best_queue is not None:
            best_queue.popleft()
        return best

    def _release(self, agent: _Agent, t: int, *, announce: bool) -> None:
        """The agent is free (logged in, back from a pause, wrap-up done): log out or pause if
        that is due, else take the oldest waiting call or wait for one."""
        if agent.logout_due:
            self._logout(agent, t)
            return
        if agent.pending:
            state, duration_ms = agent.pending.pop(0)
            self._pause(agent, t, state, duration_ms)
            return
        if announce:
            self._out.append(AgentState(id=self._id(), ts=t, agent=agent.id, state="available"))
        call = self._oldest_waiting(agent)
        if call is not None:
            self._connect(call, agent, t)
            return
        agent.state = AVAILABLE
        agent.token += 1
        entry = (t, agent.idx, agent.token)
        for q in agent.queues:
            heapq.heappush(self._idle[q], entry)

    def _connect(self, call: _Call, agent: _Agent, t: int) -> None:
        call.agent = agent
        if self.config.ringing:
            call.state = OFFERED
            agent.state = RINGING
            self._out.append(
                CallRinging(
                    id=self._id(),
                    ts=t,
                    call_id=call.id,
                    agent=agent.id,
                    queue=self._queue_names[call.queue],
                )
            )
            self._push(t + round(self._rng.uniform(2, 8) * 1000), self._on_answer, call)
        else:
            self._answer(call, agent, t)

    # the call with an agent

    def _on_answer(self, t: int, call: _Call) -> None:
        if call.state == OFFERED and call.agent is not None:
            self._answer(call, call.agent, t)

    def _answer(self, call: _Call, agent: _Agent, t: int) -> None:
        rng = self._rng
        profile = self._queues[call.queue]
        call.state = CONNECTED
        call.answered = t
        agent.state = ON_CALL
        if self._pipeline is not None and profile.conversion:
            before, deal_id = self._pipeline.call_answered(t, agent.id)
            self._out.extend(before)
            if deal_id is not None:
                self._call_deal[call.id] = deal_id
        self._out.append(
            CallAnswered(id=self._id(), ts=t, call_id=call.id, agent=agent.id, queue=profile.name)
        )
        talk_ms = _lognormal_ms(rng, profile.talk_median_s, profile.talk_sigma)
        hold_ms = 0
        if rng.random() < profile.hold_probability:
            hold_ms = _lognormal_ms(rng, profile.hold_median_s, HOLD_SIGMA)
            hold_at = t + round(talk_ms * rng.uniform(0.2, 0.8))
            self._push(hold_at, self._on_hold, (call, hold_at + hold_ms))
        self._push(t + talk_ms + hold_ms, self._on_end, call)
        if self._speech is not None:
            self._plan_segments(call, agent, t, talk_ms)

    def _plan_segments(self, call: _Call, agent: _Agent, t: int, talk_ms: int) -> None:
        speech = self._speech
        assert speech is not None
        polish = speech.random() < 0.5
        for line in call_lines(speech, agent.name, polish):
            offset = round(line.offset_s * 1000) if line.offset_s is not None else 0
            offset = min(offset or round(line.at * talk_ms), round(0.95 * talk_ms))
            self._push(t + offset, self._on_segment, (call, agent, line, offset, polish))

    def _on_segment(self, t: int, segment: tuple[_Call, _Agent, Line, int, bool]) -> None:
        call, agent, line, offset, polish = segment
        self._out.append(
            CallTranscript(
                id=f"{self._prefix}seg-{next(self._segment_no)}",
                ts=t,
                call_id=call.id,
                role=line.role,
                text=line.text,
                offset_ms=offset,
                agent=agent.id,
                language="pl-PL" if polish else "en-GB",
                sentiment=line.sentiment,
            )
        )

    def _on_hold(self, t: int, hold: tuple[_Call, int]) -> None:
        call, resume_at = hold
        self._out.append(CallHold(id=self._id(), ts=t, call_id=call.id))
        self._push(resume_at, self._on_resume, call)

    def _on_resume(self, t: int, call: _Call) -> None:
        self._out.append(CallResumed(id=self._id(), ts=t, call_id=call.id))

    def _on_end(self, t: int, call: _Call) -> None:
        rng = self._rng
        agent = call.agent
        assert agent is not None, "a call that ends was answered by an agent"
        profile = self._queues[call.queue]
        out = self._out
        deal_id = self._call_deal.pop(call.id, None)
        out.append(CallEnded(id=self._id(), ts=t, call_id=call.id, deal_id=deal_id))
        if deal_id is not None and self._pipeline is not None:
            out.extend(self._pipeline.call_ended(t, agent.id, deal_id))
        if profile.conversion and rng.random() < profile.conversion:
            amount = round(_lognormal(rng, profile.deal_median, profile.deal_sigma), 2)
            out.append(
                DealClosed(
                    id=self._id(),
                    ts=t,
                    agent=agent.id,
                    amount=amount,
                    call_id=call.id,
                    currency=self.config.currency,
                )
            )
        if rng.random() < profile.csat_probability:
            score = _csat_score(rng, profile, call.answered - call.enqueued)
            self._push(t + round(rng.uniform(15, 90) * 1000), self._on_csat, (call, agent, score))
        agent.state = WRAPUP
        wrapup_ms = (
            _lognormal_ms(rng, profile.wrapup_median_s, profile.wrapup_sigma)
            if profile.wrapup_median_s > 0
            else 0
        )
        if wrapup_ms:
            self._push(t + wrapup_ms, self._on_wrapup_end, call)
        else:
            self._on_wrapup_end(t, call)

    def _on_wrapup_end(self, t: int, call: _Call) -> None:
        agent = call.agent
        assert agent is not None, "a call in wrap-up was answered by an agent"
        call.state = GONE
        self._out.append(CallWrapupEnded(id=self._id(), ts=t, call_id=call.id))
        self._release(agent, t, announce=False)

    def _on_csat(self, t: int, survey: tuple[_Call, _Agent, int]) -> None:
        call, agent, score = survey
        self._out.append(
            CsatSubmitted(id=self._id(), ts=t, score=score, call_id=call.id, agent=agent.id)
        )

    # the agent's day

    def _on_login(self, t: int, agent: _Agent) -> None:
        if agent.state != OFF:
            return
        agent.pending.clear()
        agent.logout_due = False
        self._out.append(AgentLogin(id=self._id(), ts=t, agent=agent.id, name=agent.name))
        self._release(agent, t, announce=True)

    def _on_pause_due(self, t: int, due: tuple[_Agent, str, int]) -> None:
        agent, state, duration_ms = due
        if agent.state == OFF:
            return
        if agent.state == AVAILABLE:
            self._pause(agent, t, state, duration_ms)
        else:
            agent.pending.append((state, duration_ms))

    def _pause(self, agent: _Agent, t: int, state: str, duration_ms: int) -> None:
        agent.state = PAUSED
        agent.pause_token += 1
        self._out.append(AgentState(id=self._id(), ts=t, agent=agent.id, state=state))
        self._push(t + duration_ms, self._on_pause_end, (agent, agent.pause_token))

    def _on_pause_end(self, t: int, pause: tuple[_Agent, int]) -> None:
        agent, token = pause
        if agent.state == PAUSED and agent.pause_token == token:
            self._release(agent, t, announce=True)

    def _on_shift_end(self, t: int, agent: _Agent) -> None:
        if agent.state in (AVAILABLE, PAUSED):
            self._logout(agent, t)
        elif agent.state != OFF:
            agent.logout_due = True

    def _logout(self, agent: _Agent, t: int) -> None:
        agent.state = OFF
        agent.pause_token += 1
        agent.pending.clear()
        agent.logout_due = False
        self._out.append(AgentLogout(id=self._id(), ts=t, agent=agent.id))

    def _on_new_day(self, _: int, day: date) -> None:
        planned = self._day(day)
        self._plan_agents(planned)
        self._push(planned.next_midnight_ms, self._on_new_day, day + timedelta(days=1))


def _cumulative(weights: list[float]) -> list[float]:
    total = sum(weights)
    running = 0.0
    cumulative = []
    for w in weights:
        running += w / total
        cumulative.append(running)
    cumulative[-1] = 1.0
    return cumulative


def _pick(cumulative: list[float], u: float) -> int:
    for i, edge in enumerate(cumulative):
        if u < edge:
            return i
    return len(cumulative) - 1


def _lognormal(rng: Random, median: float, sigma: float) -> float:
    return math.exp(rng.gauss(math.log(median), sigma))


def _lognormal_ms(rng: Random, median_s: float, sigma: float) -> int:
    """A duration of at least one second."""
    return max(1000, round(_lognormal(rng, median_s, sigma) * 1000))


def _pause_start(rng: Random, pause: Pause, shift_start: int, shift_ms: int) -> int:
    jitter = rng.uniform(-pause.jitter_min, pause.jitter_min) * MINUTE_MS
    return shift_start + round(pause.at * shift_ms + jitter)


def _pause_ms(rng: Random, pause: Pause) -> int:
    minutes = rng.choice(pause.minutes) + rng.uniform(0, pause.overstay_min)
    return round(minutes * MINUTE_MS)


def _csat_score(rng: Random, profile: QueueProfile, waited_ms: int) -> int:
    long_wait = waited_ms > LONG_WAIT_FACTOR * profile.sl_threshold_s * 1000
    weights = CSAT_WEIGHTS_AFTER_LONG_WAIT if long_wait else CSAT_WEIGHTS
    return rng.choices(CSAT_SCORES, weights=weights)[0]
