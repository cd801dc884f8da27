"""The state of one tenant's aggregator, shared by its parts, and its clock. The machine
(`machine.py`) lets time pass as described here; the parts bind the dicts, lists and methods
they use at construction, so those are emptied and refilled in place, never replaced.

Time. Every event is applied at its *aggregator time* `max(event time, latest time seen)`, so
the ledgers stay sorted and a late event counts when it arrives (never in a window that was
already shown). Durations (wait, talk, hold, wrap-up) are measured on the event times as sent,
each clamped at zero. Calls expire `max_call_age_s` after their first event; a wrap-up with a
limit (a queue's `wrapup_s`) ends by itself that long after the aggregator time at which it
started; period boundaries (local 15-minute intervals, local midnight) are crossed when
aggregator time reaches them. All of these happen in time order between events (at one
instant: boundary, wrap-up limits, expiries), so the state depends on the events only.
"""

from __future__ import annotations

from collections import Counter, deque
from heapq import heapify, heappop, heappush
from itertools import count
from typing import Final

from app.events.schemas import (
    EVENT_TYPES,
)
from app.streams.aggregator.callbacks import CallbackList
from app.streams.aggregator.config import QueueConfig, TenantConfig
from app.streams.aggregator.facts import Fact, materialize
from app.streams.aggregator.ledgers import StateTime
from app.streams.aggregator.periods import Calendar
from app.streams.aggregator.phrases import PhraseSpotter
from app.streams.aggregator.records import (
    EMPTY,
    WRAPUP,
    Agent,
    Call,
    Interval,
    Stats,
)

HOUR_MS: Final = 3_600_000
NEVER: Final = 1 << 62
MICROS: Final = 1_000_000
UNLIMITED: Final = -1
"""Wrap-up limit of a queue with `wrapup_s` None: wrap-up lasts until an event ends it."""


def clamped_wrap(call: Call, wrap: int, ms: int) -> tuple[int, int]:
    """A wrap-up of `wrap` ms ending at `ms`, held to the call's limit: at most the limit, and
    then ending (for the facts) when the limit was reached."""
    limit = call.wrap_limit
    if limit >= 0 and wrap > limit:
        return limit, call.wrap_start + limit
    return wrap, ms


WrapupDeadline = tuple[int, str, int, int, Call]
"""(aggregator time the wrap-up ends by itself, call id, visit, entry number, call). Live calls
come out by (time, call id); the entry number keeps the heap from ever comparing two calls (a
forgotten call's stale entry may share the rest with a new call of the same id)."""


def wrapup_limit_ms(q: QueueConfig) -> int:
    """`UNLIMITED`, 0 (no wrap-up) or the limit in milliseconds (a truthy int unless 0)."""
    return UNLIMITED if q.wrapup_s is None else round(q.wrapup_s * 1000)


def _rules(q: QueueConfig) -> tuple[float, float, int]:
    return (q.sl_threshold_s * 1000, q.short_abandon_s * 1000, wrapup_limit_ms(q))


class TenantState:
    """Live calls and agents, the ledgers of every scope, pending facts, the clock; the
    scopes' lookups and what time does to them (period boundaries, the deadlines due)."""

    def __init__(self, config: TenantConfig) -> None:
        self.callbacks = CallbackList(
            config.country_code,
            int(config.callback_expiry_s * 1000),
            lambda fact: self.facts.append(fact),
        )
        self.phrases = PhraseSpotter(self)
        self.configure(config)
        self.calendar = Calendar(config.timezone)
        self.clock = -1  # aggregator time: latest event time (or expiry) applied; -1: none yet
        self.day = -1  # start of the local day / interval the ledgers' bases belong to
        self.interval = -1
        self.interval_end = 0
        self.due = 0  # next time something happens by itself (a boundary or an expiry)
        self.tenant = Stats(with_states=False, stacked=True)
        # Time in state of the agents without a team; the tenant's is the sum of this and the
        # teams' (so each state change writes two records: the agent's and its group's).
        self.unteamed = StateTime()
        self.queues: dict[str, Stats] = {}
        self.teams: dict[str, Stats] = {}
        self.agent_stats: dict[str, Stats] = {}
        self.pipelines: dict[str, Stats] = {}
        self.agents: dict[str, Agent] = {}
        self.calls: dict[str, Call] = {}
        self.finished: dict[str, Call] = {}
        self.finished_order: deque[Call] = deque()
        self.expiry: deque[Call] = deque()
        # wrap-ups with a limit, by when they end by itself; entries of finished calls are
        # dropped when they reach the top (or when the heap is compacted at a boundary)
        self.wrap_deadlines: list[WrapupDeadline] = []
        self.wrap_entries = count()
        self.facts: list[Fact | Call | Interval] = []
        self.counts: Counter[type] = Counter(dict.fromkeys(EVENT_TYPES, 0))
        self.call_deals: dict[str, str] = {}
        """call id -> the deal the call is tagged with (a call event's `deal_id`)."""

    def configure(self, config: TenantConfig) -> None:
        """Settings read on the hot path, in the units it uses."""
        self.config = config
        self.age_ms = int(config.max_call_age_s * 1000)
        self.keep_ms = int(config.finished_call_retention_s * 1000)
        self.rules: dict[str | None, tuple[float, float, int]] = {
            name: _rules(q) for name, q in config.queues.items()
        }
        self.default_rules = _rules(config.default_queue)
        self.callbacks.country_code = config.country_code
        self.callbacks.expiry_ms = int(config.callback_expiry_s * 1000)
        self.phrases.configure(config)

    def sl_ms(self, queue: str | None) -> float:
        return self.rules.get(queue, self.default_rules)[0]

    def short_ms(self, queue: str | None) -> float:
        return self.rules.get(queue, self.default_rules)[1]

    def wrapup_limit(self, queue: str | None) -> int:
        """`UNLIMITED`, 0 (no wrap-up) or the wrap-up limit in ms of a call of `queue`."""
        return self.rules.get(queue, self.default_rules)[2]

    def take_facts(self) -> list[Fact]:
        """The pending facts, materialized; the list is emptied in place (the parts hold it)."""
        facts = [materialize(f) for f in self.facts]
        self.facts.clear()
        return facts

    # ------------------------------------------------------------------ time

    def next_deadline(self) -> int:
        """The earliest wrap-up limit, call expiry or call-back entry expiry still pending
        (stale entries dropped)."""
        first = NEVER
        exp = self.expiry
        calls = self.calls
        while exp:
            call = exp[0]
            if calls.get(call.id) is call:
                first = call.first + self.age_ms
                break
            exp.popleft()
        callbacks_due = self.callbacks.due
        if callbacks_due < first:
            first = callbacks_due
        wraps = self.wrap_deadlines
        while wraps:
            entry = wraps[0]
            if entry[4].fate is None:
                return entry[0] if entry[0] < first else first
            heappop(wraps)
        return first

    def begin_wrapup(self, call: Call, ag: Agent, t: int, ms: int, limit: int) -> None:
        """Talk ended at event time `ms` (aggregator time `t`): `call` is the agent's wrap-up,
        ending by itself after `limit` ms when the queue has a limit (limit > 0)."""
        call.wrap_start = ms
        call.phase = WRAPUP
        ag.wrap = call
        if limit > 0:
            self.limit_wrapup(call, t, limit)

    def limit_wrapup(self, call: Call, t: int, limit: int) -> None:
        """`call` went to wrap-up at `t` in a queue with a limit: it ends by itself at t + limit."""
        call.wrap_limit = limit
        due = call.wrap_due = t + limit
        heappush(self.wrap_deadlines, (due, call.id, call.visit, next(self.wrap_entries), call))
        if due < self.due:
            self.due = due

    def rebuild_wrap_deadlines(self) -> None:
        """The heap from the live calls only (after a load, or to drop finished calls' entries)."""
        entries = self.wrap_entries
        self.wrap_deadlines = [
            (c.wrap_due, c.id, c.visit, next(entries), c)
            for c in self.calls.values()
            if c.wrap_limit > 0
        ]
        heapify(self.wrap_deadlines)

    def roll(self, x: int) -> None:
        """Aggregator time reaches `x`, past the current interval: capture the period bases,
        prune what no window can reach, forget calls finished long ago."""
        cal = self.calendar
        day = cal.day(x)
        interval = cal.interval(x)
        new_day = day != self.day
        self.day, self.interval, self.interval_end = day, interval, cal.interval_end
        cutoff = x - HOUR_MS
        for stats in self.all_stats():
            for led in stats.counters():
                if led is not EMPTY:
                    led.roll(new_day)
                    led.prune(cutoff)
            stats.max_wait.roll(new_day)
            stats.max_wait.prune(cutoff)
            if stats.states is not None:
                stats.states.roll(interval, day if new_day else None)
                stats.states.prune(cutoff)
        self.unteamed.roll(interval, day if new_day else None)
        self.unteamed.prune(cutoff)
        self.callbacks.roll(x, new_day, cutoff, day)
        self.phrases.roll(new_day, cutoff, x)
        forget = x - self.keep_ms
        order = self.finished_order
        finished = self.finished
        while order and order[0].done_at <= forget:
            tomb = order.popleft()
            if finished.get(tomb.id) is tomb:
                del finished[tomb.id]
        if len(self.expiry) > 2 * len(self.calls) + 1024:
            self.expiry.clear()
            self.expiry.extend(self.calls.values())
        if len(self.wrap_deadlines) > 2 * len(self.calls) + 1024:
            self.rebuild_wrap_deadlines()

    def all_stats(self) -> list[Stats]:
        return [
            self.tenant,
            *self.queues.values(),
            *self.teams.values(),
            *self.agent_stats.values(),
            *self.pipelines.values(),
        ]

    # ------------------------------------------------------------------ calls

    def lookup_finished(self, call_id: str, t: int) -> Call | None:
        tomb = self.finished.get(call_id)
        if tomb is not None and t - tomb.done_at >= self.keep_ms:
            del self.finished[call_id]
            return None
        return tomb

    def call_context(self, call_id: str | None, t: int) -> tuple[str | None, str | None]:
        """(queue, agent) of a live or recently finished call."""
        if call_id is None:
            return None, None
        call = self.calls.get(call_id)
        if call is not None:
            return (
                call.outcome_queue if call.outcome_queue is not None else call.queue
            ), call.last_agent
        tomb = self.lookup_finished(call_id, t)
        if tomb is not None:
            return (
                tomb.outcome_queue if tomb.outcome_queue is not None else tomb.queue
            ), tomb.last_agent
        return None, None

    # ------------------------------------------------------------------ scopes

    def queue_stats(self, name: str) -> Stats:
        stats = self.queues.get(name)
        if stats is None:
            stats = self.queues[name] = Stats(with_states=False, stacked=True)
        return stats

    def team_stats(self, name: str) -> Stats:
        stats = self.teams.get(name)
        if stats is None:
            stats = self.teams[name] = Stats(with_states=True, stacked=False)
        return stats

    def pipeline_stats(self, name: str) -> Stats:
        stats = self.pipelines.get(name)
        if stats is None:
            stats = self.pipelines[name] = Stats(with_states=False, stacked=False)
        return stats

    def agent(self, agent_id: str, t: int) -> Agent:
        ag = self.agents.get(agent_id)
        if ag is None:
            ag = self.agents[agent_id] = Agent(agent_id, t)
            self.agent_stats[agent_id] = Stats(with_states=True, stacked=False)
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
