"""Checkpoints: the aggregator state as plain msgspec Structs in msgpack (no pickle).

The dump is canonical: it holds the logical state only (no history older than any window can
reach, no forgotten calls, no derived indexes), so a run restored from a checkpoint and a run
that never stopped dump identical bytes at the same point. Time columns are little-endian
int64; packed running totals (ledgers.pack) are little-endian unsigned integers of one width
per ledger (kept encoded between checkpoints: see `_bigs`).
"""

from __future__ import annotations

import sys
from array import array
from operator import attrgetter
from typing import Final

import msgspec

from app.events.schemas import EVENT_TYPE_NAMES, EVENT_TYPES
from app.streams.aggregator.base import HOUR_MS
from app.streams.aggregator.callbacks import CallbackList, Entry, FirstMisses
from app.streams.aggregator.config import TenantConfig
from app.streams.aggregator.facts import Fact, materialize
from app.streams.aggregator.ledgers import Counters, Encoded, MaxWait, StateTime
from app.streams.aggregator.machine import Machine
from app.streams.aggregator.pipeline import Deal
from app.streams.aggregator.records import EMPTY, Agent, AgentCategory, Call, Stats

VERSION: Final = 3
"""2: calls carry their wrap-up limit (`Call.wrap_limit`, `Call.wrap_due`, the last fields).
3: the sales pipeline (a sixth ledger per scope, pipelines, deals, call tags)."""
READABLE_VERSIONS: Final = frozenset({1, 2, VERSION})
"""An older checkpoint decodes with the defaults of the fields added since: its calls in
wrap-up have no limit, as every wrap-up had then (1), and it knows no deals (1, 2)."""
_SWAP: Final = sys.byteorder != "little"


def _times(values: list[int], start: int) -> bytes:
    part = array("q", values[start:])
    if _SWAP:
        part.byteswap()
    return part.tobytes()


def _untimes(data: bytes) -> list[int]:
    out = array("q")
    out.frombytes(data)
    if _SWAP:
        out.byteswap()
    return out.tolist()


def _big(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "little")


def _unbig(data: bytes) -> int:
    return int.from_bytes(data, "little")


def _records(led: Counters | StateTime, start: int) -> tuple[bytes, int, bytes]:
    """The records from `start` on: (times as int64, width, running totals as concatenated
    little-endian unsigned integers of that width, whole 64-bit fields that fit the last one:
    running totals never decrease, so it is the largest).

    Encoding a big integer costs about 0.3 us and an hour of records is hundreds of thousands
    of them: what an earlier checkpoint encoded is kept on the ledger (`Encoded`), so a
    checkpoint encodes only the records added since (the output is the same either way)."""
    c = led.totals
    width = max(8, ((c[-1] if c else 0).bit_length() + 63) // 64 * 8)
    first = led.dropped + start
    enc = led.enc
    if enc is None or enc.width != width or not enc.first <= first <= enc.end():
        enc = led.enc = Encoded(first, width)  # (again) from `start`
    new = enc.end() - led.dropped
    enc.times += _times(led.times, new)
    enc.data += b"".join(v.to_bytes(width, "little") for v in c[new:])
    if first > enc.first:
        del enc.times[: (first - enc.first) * 8]
        del enc.data[: (first - enc.first) * width]
        enc.first = first
    return bytes(enc.times), width, bytes(enc.data)


def _unbigs(width: int, data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + width], "little") for i in range(0, len(data), width)]


class LedgerState(msgspec.Struct, array_like=True):
    times: bytes
    width: int
    totals: bytes
    total: bytes
    day_base: bytes
    interval_base: bytes


class StateTimeState(msgspec.Struct, array_like=True):
    times: bytes
    width: int
    totals: bytes
    counts: bytes
    integral: bytes
    last: int
    day_base: bytes
    interval_base: bytes


class MaxWaitState(msgspec.Struct, array_like=True):
    times: bytes
    values: bytes
    day_max: int
    interval_max: int


class StatsState(msgspec.Struct, array_like=True):
    counters: list[LedgerState | None]
    max_wait: MaxWaitState
    states: StateTimeState | None
    reasons: dict[str, int]


class AgentRecordState(msgspec.Struct, array_like=True):
    id: str
    logged_in: bool
    manual: str | None
    talk: list[str]
    ring: list[str]
    wrap: str | None
    category: AgentCategory
    label: str | None
    since: int
    team: str | None
    name: str | None
    queues: list[str]


class CallbackListState(msgspec.Struct, array_like=True):
    """The call-back list (app/streams/aggregator/callbacks.py): open entries in order of
    their last miss, closed entries still kept in the order they closed; the first-miss times
    of the entries called back or dismissed (added later: empty in older checkpoints)."""

    next_id: int
    open: list[Entry]
    closed: list[Entry]
    tenant: LedgerState
    queues: dict[str, LedgerState]
    tenant_firsts: FirstMisses | None = None
    queue_firsts: dict[str, FirstMisses] = {}


class MachineState(msgspec.Struct):
    version: int
    clock: int = msgspec.field(name="wm")
    day: int
    interval: int = msgspec.field(name="ivl")
    interval_end: int = msgspec.field(name="ivl_end")
    counts: dict[str, int]
    tenant: StatsState
    unteamed: StateTimeState
    queues: dict[str, StatsState]
    teams: dict[str, StatsState]
    agent_stats: dict[str, StatsState]
    agents: list[AgentRecordState]
    calls: list[Call]
    finished: list[Call]
    facts: list[Fact]
    pipelines: dict[str, StatsState] = {}
    deals: list[Deal] = []
    call_deals: dict[str, str] = {}
    callbacks: CallbackListState | None = None  # added later: None in older checkpoints
    phrases: bytes = b""  # phrase_checkpoint.PhraseState, empty without phrase spotting


# ---------------------------------------------------------------------- dump


def _ledger(led: Counters, cutoff: int) -> LedgerState:
    times, width, c = _records(led, led.retained(cutoff))
    return LedgerState(
        times, width, c, _big(led.total), _big(led.day_base), _big(led.interval_base)
    )


def _state_time(st: StateTime, cutoff: int) -> StateTimeState:
    times, width, c = _records(st, st.retained(cutoff))
    return StateTimeState(
        times,
        width,
        c,
        _big(st.counts),
        _big(st.integral),
        st.last,
        _big(st.day_base),
        _big(st.interval_base),
    )


def _stats(stats: Stats, cutoff: int) -> StatsState:
    mw = stats.max_wait
    i = mw.retained(cutoff)
    return StatsState(
        [_ledger(led, cutoff) if led is not EMPTY else None for led in stats.counters()],
        MaxWaitState(_times(mw.times, i), _times(mw.values, i), mw.day_max, mw.interval_max),
        _state_time(stats.states, cutoff) if stats.states is not None else None,
        dict(sorted(stats.reasons.items())),
    )


def _agent(ag: Agent) -> AgentRecordState:
    return AgentRecordState(
        ag.id,
        ag.logged_in,
        ag.manual,
        [c.id for c in ag.talk],
        [c.id for c in ag.ring],
        ag.wrap.id if ag.wrap is not None else None,
        ag.category,
        ag.label,
        ag.since,
        ag.team,
        ag.name,
        sorted(ag.queues),
    )


def _callbacks(cb: CallbackList, now: int, cutoff: int) -> CallbackListState:
    return CallbackListState(
        cb.next_id,
        list(cb.open.values()),
        cb.kept_closed(now),
        _ledger(cb.tenant, cutoff),
        {name: _ledger(led, cutoff) for name, led in cb.queues.items()},
        cb.tenant_firsts,
        cb.queue_firsts,
    )


def dump_machine(machine: Machine) -> bytes:
    from app.streams.aggregator.phrase_checkpoint import dump_phrases

    m = machine.state
    cutoff = m.clock - HOUR_MS
    alive = sorted(
        (tomb for tomb in m.finished.values() if m.clock - tomb.done_at < m.keep_ms),
        key=attrgetter("done_at", "id"),
    )
    state = MachineState(
        version=VERSION,
        clock=m.clock,
        day=m.day,
        interval=m.interval,
        interval_end=m.interval_end,
        counts={
            name: m.counts[cls] for name, cls in zip(EVENT_TYPE_NAMES, EVENT_TYPES, strict=True)
        },
        tenant=_stats(m.tenant, cutoff),
        unteamed=_state_time(m.unteamed, cutoff),
        queues={name: _stats(s, cutoff) for name, s in m.queues.items()},
        teams={name: _stats(s, cutoff) for name, s in m.teams.items()},
        agent_stats={name: _stats(s, cutoff) for name, s in m.agent_stats.items()},
        agents=[_agent(ag) for ag in m.agents.values()],
        calls=list(m.calls.values()),
        finished=alive,
        facts=[materialize(f) for f in m.facts],
        pipelines={name: _stats(s, cutoff) for name, s in m.pipelines.items()},
        deals=list(machine.deal_part.deals.values()),
        call_deals=dict(m.call_deals),
        callbacks=_callbacks(m.callbacks, m.clock, cutoff),
        phrases=dump_phrases(m.phrases, m.clock, cutoff),
    )
    return msgspec.msgpack.encode(state)


# ---------------------------------------------------------------------- load


def _loaded(s: LedgerState | None) -> Counters | None:
    if s is None:
        return None
    led = Counters()
    led.times = _untimes(s.times)
    led.totals = _unbigs(s.width, s.totals)
    led.total, led.day_base, led.interval_base = (
        _unbig(s.total),
        _unbig(s.day_base),
        _unbig(s.interval_base),
    )
    return led


def _load_stats(stats: Stats, s: StatsState) -> None:
    padded = [*s.counters, None][:6]  # a version-2 checkpoint has no pipeline ledger
    answer, unanswered, handled, other, csat, pipeline = (_loaded(ls) for ls in padded)
    stats.answer = answer or Counters()
    stats.handled = handled or Counters()
    stats.unanswered, stats.other, stats.csat = unanswered, other, csat
    stats.pipeline = pipeline
    mw: MaxWait = stats.max_wait
    mw.times, mw.values = _untimes(s.max_wait.times), _untimes(s.max_wait.values)
    mw.day_max, mw.interval_max = s.max_wait.day_max, s.max_wait.interval_max
    if stats.states is not None and s.states is not None:
        _load_state_time(stats.states, s.states)
    stats.reasons = dict(s.reasons)


def _load_state_time(st: StateTime, ss: StateTimeState) -> None:
    st.times, st.totals = _untimes(ss.times), _unbigs(ss.width, ss.totals)
    st.counts, st.integral, st.last = _unbig(ss.counts), _unbig(ss.integral), ss.last
    st.day_base, st.interval_base = _unbig(ss.day_base), _unbig(ss.interval_base)


def _load_callbacks(cb: CallbackList, s: CallbackListState) -> None:
    cb.next_id = s.next_id
    for entry in s.open:
        if entry.opened_in is None and entry.misses == 1:
            entry.opened_in = entry.queue  # written before `opened_in`: one miss, one queue
    cb.open = {e.number: e for e in s.open}
    cb.closed.extend(s.closed)
    cb.tenant = _loaded(s.tenant) or Counters()
    cb.queues = {name: _loaded(ls) or Counters() for name, ls in s.queues.items()}
    cb.tenant_firsts = s.tenant_firsts or FirstMisses([], [])
    cb.queue_firsts = dict(s.queue_firsts)


class CheckpointUnreadable(ValueError):
    """A checkpoint this version cannot read: written by another format version, or damaged.
    The message says which."""


def load_machine(data: bytes, config: TenantConfig) -> Machine:
    from app.streams.aggregator.phrase_checkpoint import load_phrases

    try:
        state = msgspec.msgpack.decode(data, type=MachineState)
    except msgspec.MsgspecError as exc:
        raise CheckpointUnreadable(f"not a tenant checkpoint of version {VERSION}: {exc}") from exc
    if state.version not in READABLE_VERSIONS:
        raise CheckpointUnreadable(
            f"checkpoint format version {state.version}: this version reads "
            f"{', '.join(map(str, sorted(READABLE_VERSIONS)))}"
        )
    machine = Machine(config)
    m = machine.state
    m.clock, m.day, m.interval, m.interval_end = (
        state.clock,
        state.day,
        state.interval,
        state.interval_end,
    )
    by_name = dict(zip(EVENT_TYPE_NAMES, EVENT_TYPES, strict=True))
    for name, n in state.counts.items():
        m.counts[by_name[name]] = n
    _load_stats(m.tenant, state.tenant)
    _load_state_time(m.unteamed, state.unteamed)
    for name, s in state.queues.items():
        _load_stats(m.queue_stats(name), s)
    for name, s in state.teams.items():
        _load_stats(m.team_stats(name), s)
    for name, s in state.agent_stats.items():
        stats = m.agent_stats[name] = Stats(with_states=True, stacked=False)
        _load_stats(stats, s)
    for call in state.calls:
        m.calls[call.id] = call
        m.expiry.append(call)
        if call.waiting:
            m.tenant.waiting[call.id] = call
            if call.queue is not None:
                m.queue_stats(call.queue).waiting[call.id] = call
    for a in state.agents:
        ag = Agent(a.id, a.since)
        ag.logged_in, ag.manual = a.logged_in, a.manual
        ag.talk = [m.calls[cid] for cid in a.talk]
        ag.ring = [m.calls[cid] for cid in a.ring]
        ag.wrap = m.calls[a.wrap] if a.wrap is not None else None
        ag.category, ag.label, ag.name = a.category, a.label, a.name
        ag.queues = set(a.queues)
        m.agents[a.id] = ag
        m.place(ag, a.team)
    for tomb in state.finished:
        m.finished[tomb.id] = tomb
        m.finished_order.append(tomb)
    m.facts.extend(state.facts)
    if state.callbacks is not None:
        _load_callbacks(m.callbacks, state.callbacks)
    for name, s in state.pipelines.items():
        _load_stats(m.pipeline_stats(name), s)
    machine.deal_part.deals.update((deal.id, deal) for deal in state.deals)
    m.call_deals.update(state.call_deals)
    machine.deal_part.reindex()
    load_phrases(m.phrases, state.phrases)
    m.rebuild_wrap_deadlines()
    m.due = min(m.interval_end, m.next_deadline())
    return machine
