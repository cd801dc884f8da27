"""Checkpoints: the aggregator state as plain msgspec Structs in msgpack (no pickle).

The dump is canonical: it holds the logical state only (no history older than any window can
reach, no stale heap entries, no forgotten calls), so a run restored from a checkpoint and a run
that never stopped dump identical bytes at the same point. Arrays are stored little-endian.
"""

from __future__ import annotations

import sys
from array import array
from heapq import heapify
from typing import Final

import msgspec

from app.events.schemas import EVENT_TYPE_NAMES, EVENT_TYPES
from app.streams.aggregator.config import TenantConfig
from app.streams.aggregator.facts import Fact
from app.streams.aggregator.ledgers import Counters, MaxWait, TimeInState
from app.streams.aggregator.machine import HOUR_MS, Machine
from app.streams.aggregator.records import WAITING, Agent, Call, Finished, Stats

VERSION: Final = 1
_SWAP: Final = sys.byteorder != "little"


def _pack(values: array[int] | list[int], start: int) -> bytes | list[int]:
    if isinstance(values, list):
        return values[start:]
    part = values[start:]
    if _SWAP:
        part.byteswap()
    return part.tobytes()


def _unpack(data: bytes | list[int]) -> array[int]:
    out = array("q")
    out.frombytes(data)  # type: ignore[arg-type]
    if _SWAP:
        out.byteswap()
    return out


class CountersState(msgspec.Struct, array_like=True):
    t: bytes
    cols: list[bytes | list[int]]
    sums: tuple[int, int, int, int]
    day_base: tuple[int, int, int, int]
    ivl_base: tuple[int, int, int, int]


class TimeInStateState(msgspec.Struct, array_like=True):
    t: bytes
    v: bytes
    cnt: int
    cum: int
    last: int
    day_base: int
    ivl_base: int


class MaxWaitState(msgspec.Struct, array_like=True):
    t: bytes
    v: bytes
    day_max: int
    ivl_max: int


class StatsState(msgspec.Struct, array_like=True):
    counters: list[CountersState]
    max_wait: MaxWaitState
    states: list[TimeInStateState]
    reasons: dict[str, int]


class CallState(msgspec.Struct, array_like=True):
    id: str
    visit: int
    first: int
    queue: str | None
    direction: str
    phase: int
    seq: int
    enq: int | None
    wait_from: int
    ring: str | None
    agent: str | None
    last_agent: str | None
    outcome: str | None
    oq: str | None
    answered_ms: int | None
    wait: int | None
    within: bool
    short: bool
    leg_start: int
    hold: int
    hold_since: int | None
    leg_talk: int
    leg_hold: int
    talk_total: int
    hold_total: int
    ended_ms: int | None
    wrap_start: int
    transfers: int


CALL_FIELDS: Final = CallState.__struct_fields__


class AgentRecordState(msgspec.Struct, array_like=True):
    id: str
    logged_in: bool
    manual: str | None
    talk: list[str]
    ring: list[str]
    wrap: str | None
    cat: int
    label: str | None
    since: int
    team: str | None
    name: str | None
    queues: list[str]


class FinishedState(msgspec.Struct, array_like=True):
    id: str
    visit: int
    outcome: str
    queue: str | None
    agent: str | None
    at: int


class MachineState(msgspec.Struct):
    version: int
    wm: int
    day: int
    ivl: int
    ivl_end: int
    seq: int
    counts: dict[str, int]
    tenant: StatsState
    queues: dict[str, StatsState]
    teams: dict[str, StatsState]
    agent_stats: dict[str, StatsState]
    agents: list[AgentRecordState]
    calls: list[CallState]
    finished: list[FinishedState]
    facts: list[Fact]


# ---------------------------------------------------------------------- dump


def _counters(led: Counters, cutoff: int) -> CountersState:
    i = led.retained(cutoff)
    return CountersState(
        t=_pack(led.t, i),  # type: ignore[arg-type]
        cols=[_pack(col, i) for col in (led.c0, led.c1, led.c2, led.c3)],
        sums=led.totals(),
        day_base=led.day_base,
        ivl_base=led.ivl_base,
    )


def _time_in_state(st: TimeInState, cutoff: int) -> TimeInStateState:
    i = st.retained(cutoff)
    return TimeInStateState(
        t=_pack(st.t, i),  # type: ignore[arg-type]
        v=_pack(st.v, i),  # type: ignore[arg-type]
        cnt=st.cnt,
        cum=st.cum,
        last=st.last,
        day_base=st.day_base,
        ivl_base=st.ivl_base,
    )


def _stats(stats: Stats, cutoff: int) -> StatsState:
    mw = stats.max_wait
    i = mw.retained(cutoff)
    return StatsState(
        counters=[_counters(led, cutoff) for led in stats.counters()],
        max_wait=MaxWaitState(
            t=_pack(mw.t, i),  # type: ignore[arg-type]
            v=_pack(mw.v, i),  # type: ignore[arg-type]
            day_max=mw.day_max,
            ivl_max=mw.ivl_max,
        ),
        states=[_time_in_state(st, cutoff) for st in stats.states],
        reasons=dict(sorted(stats.reasons.items())),
    )


def _agent(ag: Agent) -> AgentRecordState:
    return AgentRecordState(
        id=ag.id,
        logged_in=ag.logged_in,
        manual=ag.manual,
        talk=[c.id for c in ag.talk],
        ring=[c.id for c in ag.ring],
        wrap=ag.wrap.id if ag.wrap is not None else None,
        cat=ag.cat,
        label=ag.label,
        since=ag.since,
        team=ag.team,
        name=ag.name,
        queues=sorted(ag.queues),
    )


def dump_machine(m: Machine) -> bytes:
    cutoff = m.wm - HOUR_MS
    alive = [(tomb.at, cid, tomb) for cid, tomb in m.finished.items() if m.wm - tomb.at < m.keep_ms]
    alive.sort(key=lambda item: (item[0], item[1]))
    state = MachineState(
        version=VERSION,
        wm=m.wm,
        day=m.day,
        ivl=m.ivl,
        ivl_end=m.ivl_end,
        seq=m.seq,
        counts={
            name: m.counts[cls] for name, cls in zip(EVENT_TYPE_NAMES, EVENT_TYPES, strict=True)
        },
        tenant=_stats(m.tenant, cutoff),
        queues={name: _stats(s, cutoff) for name, s in m.queues.items()},
        teams={name: _stats(s, cutoff) for name, s in m.teams.items()},
        agent_stats={name: _stats(s, cutoff) for name, s in m.agent_stats.items()},
        agents=[_agent(ag) for ag in m.agents.values()],
        calls=[CallState(*(getattr(c, f) for f in CALL_FIELDS)) for c in m.calls.values()],
        finished=[
            FinishedState(cid, tomb.visit, tomb.outcome, tomb.queue, tomb.agent, at)
            for at, cid, tomb in alive
        ],
        facts=list(m.facts),
    )
    return msgspec.msgpack.encode(state)


# ---------------------------------------------------------------------- load


def _load_counters(led: Counters, s: CountersState) -> None:
    led.t = _unpack(s.t)
    cols: list[array[int] | list[int]] = [
        list(c) if isinstance(c, list) else _unpack(c) for c in s.cols
    ]
    led.c0, led.c1, led.c2, led.c3 = cols
    led.s0, led.s1, led.s2, led.s3 = s.sums
    led.day_base = s.day_base
    led.ivl_base = s.ivl_base


def _load_stats(stats: Stats, s: StatsState) -> None:
    for led, ls in zip(stats.counters(), s.counters, strict=True):
        _load_counters(led, ls)
    mw: MaxWait = stats.max_wait
    mw.t, mw.v = _unpack(s.max_wait.t), _unpack(s.max_wait.v)
    mw.day_max, mw.ivl_max = s.max_wait.day_max, s.max_wait.ivl_max
    for st, ts in zip(stats.states, s.states, strict=True):
        st.t, st.v = _unpack(ts.t), _unpack(ts.v)
        st.cnt, st.cum, st.last = ts.cnt, ts.cum, ts.last
        st.day_base, st.ivl_base = ts.day_base, ts.ivl_base
    stats.reasons = dict(s.reasons)


def load_machine(data: bytes, config: TenantConfig) -> Machine:
    state = msgspec.msgpack.decode(data, type=MachineState)
    if state.version != VERSION:
        raise ValueError(f"checkpoint version {state.version}: expected {VERSION}")
    m = Machine(config)
    m.wm, m.day, m.ivl, m.ivl_end, m.seq = state.wm, state.day, state.ivl, state.ivl_end, state.seq
    by_name = dict(zip(EVENT_TYPE_NAMES, EVENT_TYPES, strict=True))
    for name, n in state.counts.items():
        m.counts[by_name[name]] = n
    _load_stats(m.tenant, state.tenant)
    for name, s in state.queues.items():
        _load_stats(m.queue_stats(name), s)
    for name, s in state.teams.items():
        _load_stats(m.team_stats(name), s)
    for name, s in state.agent_stats.items():
        stats = m.agent_stats[name] = Stats(with_states=True)
        _load_stats(stats, s)
    for cs in state.calls:
        call = Call(cs.id, cs.visit, cs.first, cs.queue, cs.direction)
        for f in CALL_FIELDS:
            setattr(call, f, getattr(cs, f))
        m.calls[call.id] = call
        m.expiry.append(call)
        if call.phase == WAITING and call.seq >= 0:
            entry = (call.wait_from, call.seq, call)
            m.tenant.waiting += 1
            m.tenant.heap.append(entry)
            if call.queue is not None:
                qs = m.queue_stats(call.queue)
                qs.waiting += 1
                qs.heap.append(entry)
    for stats in m.all_stats():
        heapify(stats.heap)
    for a in state.agents:
        ag = Agent(a.id, a.since)
        ag.logged_in, ag.manual = a.logged_in, a.manual
        ag.talk = [m.calls[cid] for cid in a.talk]
        ag.ring = [m.calls[cid] for cid in a.ring]
        ag.wrap = m.calls[a.wrap] if a.wrap is not None else None
        ag.cat, ag.label, ag.name = a.cat, a.label, a.name
        ag.queues = set(a.queues)
        ag.team = a.team
        own = m.agent_stats[a.id]
        ag.scopes = (own, m.tenant) if a.team is None else (own, m.team_stats(a.team), m.tenant)
        m.agents[a.id] = ag
    for fin in state.finished:
        m.finished[fin.id] = Finished(fin.visit, fin.outcome, fin.queue, fin.agent, fin.at)
        m.finished_order.append((fin.at, fin.id))
    m.facts = list(state.facts)
    m.due = min(m.ivl_end, m.next_deadline())
    return m
