"""`TenantAggregator`: the live metrics of one tenant, a pure function of the events applied
and the clock passed in. See docs/metrics.md for every rule and metric."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

from app.events.schemas import EVENT_TYPE_NAMES, EVENT_TYPES, Event
from app.registry.scopes import parse_scope, scope_forms
from app.streams.aggregator import catalog
from app.streams.aggregator.board import AgentStatus, agent_board
from app.streams.aggregator.callback_metrics import callback_scope_metrics
from app.streams.aggregator.callbacks import Entry as CallbackEntry
from app.streams.aggregator.catalog import LIVE, PIPELINE_CALL_METRICS, WINDOWS, Metrics
from app.streams.aggregator.checkpoint import dump_machine, load_machine
from app.streams.aggregator.config import TenantConfig
from app.streams.aggregator.deal_list import deal_rows
from app.streams.aggregator.facts import Fact
from app.streams.aggregator.ledgers import StateTime, unpack
from app.streams.aggregator.machine import Machine
from app.streams.aggregator.periods import Calendar
from app.streams.aggregator.phrases import HitRecord
from app.streams.aggregator.records import (
    LOGGED_OUT,
    STATE_DELTAS,
    TIMED_STATES,
    Agent,
    Stats,
)
from app.streams.aggregator.windows import oldest_waiting, window_sums

_TYPE_NAMES: Final = dict(zip(EVENT_TYPES, EVENT_TYPE_NAMES, strict=True))


class TenantAggregator:
    def __init__(self, config: TenantConfig) -> None:
        self._m = Machine(config)
        self._empty = {
            "queue": Stats(with_states=False, stacked=True),
            "team": Stats(with_states=True, stacked=False),
            "agent": Stats(with_states=True, stacked=False),
            "pipeline": Stats(with_states=False, stacked=False),
        }

    @property
    def config(self) -> TenantConfig:
        return self._m.state.config

    # ------------------------------------------------------------------ input

    def set_config(self, config: TenantConfig) -> None:
        """Apply edited settings. Queue settings apply to calls from now on; an agent that
        changed team moves with its current state at aggregator time; a new time zone
        restarts `today` and `interval` at aggregator time."""
        state = self._m.state
        old = state.config
        state.configure(config)
        if config.timezone != old.timezone:
            state.calendar = Calendar(config.timezone)
            if state.day >= 0:
                self._m.roll(state.clock)
        for ag in state.agents.values():
            team = config.agent_teams.get(ag.id)
            if team != ag.team:
                self._change_team(ag, team)
        state.due = min(state.interval_end, state.next_deadline())

    def _change_team(self, ag: Agent, team: str | None) -> None:
        """The agent leaves its old team's counts and joins the new one's, at aggregator
        time; what it did before stays with the old team."""
        state = self._m.state
        t = state.clock
        joined = STATE_DELTAS[LOGGED_OUT][ag.category]
        if joined:
            ag.states[1].move(t, -joined)
        for stats in ag.stats[1:]:
            _reason(stats, ag.label, -1)
        state.place(ag, team)
        if joined:
            ag.states[1].move(t, joined)
        for stats in ag.stats[1:]:
            _reason(stats, ag.label, 1)

    def apply(self, event: Event) -> None:
        self._m.apply_batch((event,))

    def apply_batch(self, events: Sequence[Event]) -> None:
        self._m.apply_batch(events)

    def advance(self, now_ms: int) -> None:
        """Let the clock reach `now_ms`: expire calls that are due. Windows slide and
        `today` resets by themselves at query time."""
        self._m.advance(now_ms)

    # ------------------------------------------------------------------ queries

    @property
    def clock_ms(self) -> int:
        """Aggregator time: the latest event time (or expiry) applied (0 before any)."""
        return max(self._m.state.clock, 0)

    def metrics(self, scope: str, window: str, now_ms: int) -> Metrics:
        """The metric catalog of `scope` over `window` at `now_ms` (at least aggregator
        time). `live` holds the point-in-time gauges only; every other window holds the
        windowed metrics and the gauges."""
        parsed = parse_scope(scope)
        if parsed is None:
            raise ValueError(f"unknown scope {scope!r}: expected {scope_forms()}")
        kind, name = parsed.kind, parsed.name
        if window != LIVE and window not in WINDOWS:
            raise ValueError(
                f"unknown window {window!r}: expected live, 5m, 15m, 60m, today or interval"
            )
        m = self._m
        state = m.state
        stats = self._stats(kind, name)
        q = max(now_ms, state.clock)
        out: Metrics = {}
        states = self._states(kind, stats)
        if window != LIVE:
            sums, times = window_sums(state, stats, window, q, states)
            calls = catalog.call_metrics(sums)
            if kind == "pipeline":
                calls = {name: calls[name] for name in PIPELINE_CALL_METRICS}
            out.update(calls)
            if times is not None:
                out.update(catalog.agent_time_metrics(times))
            if kind != "queue":
                out.update(catalog.pipeline_metrics(sums))
        if kind in ("tenant", "queue"):
            out.update(catalog.queue_gauges(len(stats.waiting), oldest_waiting(stats), q))
            out.update(callback_scope_metrics(state, name, window, q))
        if states:
            ring, call, wrap, avail, brk = unpack(sum(st.counts for st in states), TIMED_STATES)
            out.update(catalog.agent_gauges(ring, call, wrap, avail, brk, stats.reasons))
        if kind != "queue":
            out.update(m.deal_part.deal_gauges(m.deal_part.open_in(kind, name), q))
        if window != LIVE and state.phrases.active and kind != "pipeline":
            out.update(state.phrases.metrics(scope, window, q))
        return out

    def snapshot(
        self, now_ms: int, windows: Sequence[str] = WINDOWS
    ) -> dict[str, dict[str, Metrics]]:
        """Every scope over every window: {scope: {window: metrics}}."""
        return {s: {w: self.metrics(s, w, now_ms) for w in windows} for s in self.scopes()}

    def _states(self, kind: str, stats: Stats) -> list[StateTime]:
        if kind == "tenant":
            return self._m.state.tenant_states()
        return [stats.states] if stats.states is not None else []

    def _stats(self, kind: str, name: str | None) -> Stats:
        m = self._m.state
        if kind == "tenant":
            return m.tenant
        table = {
            "queue": m.queues,
            "team": m.teams,
            "agent": m.agent_stats,
            "pipeline": m.pipelines,
        }[kind]
        found = table.get(name) if name is not None else None
        return found if found is not None else self._empty[kind]

    def scopes(self) -> list[str]:
        m = self._m.state
        scopes = [
            "tenant",
            *(f"queue:{q}" for q in m.queues),
            *(f"team:{t}" for t in m.teams),
            *(f"agent:{a}" for a in m.agent_stats),
            *(f"pipeline:{p}" for p in m.pipelines),
        ]
        if m.phrases.scopes:
            known = set(scopes)
            scopes += [key for key in m.phrases.scopes if key not in known]
        return scopes

    def agent_board(
        self, now_ms: int, team: str | None = None, queue: str | None = None
    ) -> list[AgentStatus]:
        return agent_board(self._m.state, now_ms, team, queue)

    def callback_entries(self, now_ms: int) -> list[CallbackEntry]:
        """The call-back list: open entries and those closed in the last day, oldest first
        miss first (app/streams/aggregator/callbacks.py)."""
        state = self._m.state
        return state.callbacks.entries(max(now_ms, state.clock))

    def callback_rows(self, now_ms: int) -> list[dict[str, object]]:
        """`callback_entries` as plain rows, each with `teams`: the teams whose agents took or
        were offered calls of the entry's queue (their leads may see the number whole)."""
        served: dict[str, set[str]] = {}
        for ag in self._m.state.agents.values():
            if ag.team is not None:
                for queue in ag.queues:
                    served.setdefault(queue, set()).add(ag.team)
        rows = []
        for entry in self.callback_entries(now_ms):
            row = msgspec.structs.asdict(entry)
            row["teams"] = sorted(served.get(entry.queue, ())) if entry.queue else []
            rows.append(row)
        return rows

    def deal_rows(self, now_ms: int) -> list[dict[str, object]]:
        """The wall's deal list: stalled open deals and recent wins
        (app/streams/aggregator/deal_list.py)."""
        return deal_rows(self._m.deal_part, now_ms)

    def phrase_hits(self, now_ms: int = 0, after: int = 0) -> list[HitRecord]:
        """The latest phrase hits (at most `phrases.RECENT_HITS`) newer than hit number `after`,
        at `now_ms` (segments past their retention without text)."""
        return self._m.state.phrases.latest_hits(now_ms, after)

    def counts_by_type(self) -> dict[str, int]:
        return {_TYPE_NAMES[cls]: n for cls, n in self._m.state.counts.items() if n}

    def drain_facts(self) -> list[Fact]:
        return self._m.state.take_facts()

    @property
    def has_facts(self) -> bool:
        """Facts wait to be drained (events, or time alone: expiries, wrap-up limits)."""
        return bool(self._m.state.facts)

    # ------------------------------------------------------------------ checkpoints

    def dump(self) -> bytes:
        return dump_machine(self._m)

    @classmethod
    def load(cls, data: bytes, config: TenantConfig) -> TenantAggregator:
        agg = cls(config)
        agg._m = load_machine(data, config)
        agg.set_config(config)
        return agg


def _reason(stats: Stats, label: str | None, d: int) -> None:
    if label is not None:
        n = stats.reasons.get(label, 0) + d
        if n:
            stats.reasons[label] = n
        else:
            stats.reasons.pop(label, None)
