"""Hypothesis strategies for aggregator tests: messy event streams (duplicates, gaps, reordering,
unknown calls, calls that never end) around local midnight and DST changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from hypothesis import strategies as st

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
)
from app.streams.aggregator import QueueConfig, TenantConfig

AGENTS = ("a1", "a2", "a3", "a4")
TEAMS = {"a1": "red", "a2": "red", "a3": "blue"}
QUEUES = ("q1", "q2", "q3")
CALLS = tuple(f"c{i}" for i in range(1, 9))
DEALS = tuple(f"d{i}" for i in range(1, 6))
STAGES = ("new", "qualified", "offer")
PIPELINES = ("default", "b2b")

# (zone, an instant shortly before a local midnight that starts a DST change day or a plain one)
STARTS = (
    ("Europe/Warsaw", "2024-03-30T22:00:00+00:00"),  # spring forward at 01:00Z
    ("Europe/Warsaw", "2024-10-26T21:30:00+00:00"),  # fall back at 01:00Z
    ("America/New_York", "2024-03-10T04:00:00+00:00"),  # spring forward at 07:00Z
    ("America/New_York", "2024-11-03T03:30:00+00:00"),  # fall back at 06:00Z
    ("Australia/Lord_Howe", "2024-04-06T12:30:00+00:00"),  # 30-minute fall back at 15:00Z
    ("Asia/Kathmandu", "2024-06-01T17:45:00+00:00"),  # +05:45, midnight at 18:15Z
    ("UTC", "2024-02-28T23:00:00+00:00"),
)


def config(tz: str) -> TenantConfig:
    return TenantConfig(
        tenant_id=1,
        timezone=tz,
        queues={
            "q1": QueueConfig(sl_threshold_s=20, short_abandon_s=5, wrapup_s=None),
            "q2": QueueConfig(sl_threshold_s=10.5, short_abandon_s=3, wrapup_s=0),
            "q3": QueueConfig(wrapup_s=45),
        },
        default_queue=QueueConfig(wrapup_s=20.5),
        agent_teams=dict(TEAMS),
        max_call_age_s=1800,
        finished_call_retention_s=900,
        stall_limits={"b2b": {"offer": 600, "new": 5400.5}},
        default_stall_s=3600,
        closed_deal_retention_s=7200,
    )


@dataclass(frozen=True)
class Op:
    """`event`, `advance` (to now_ms), `check` (compare at now_ms) or `restart` (dump + load)."""

    kind: str
    now_ms: int = 0
    event: Event | None = None


@st.composite
def event_at(draw: st.DrawFn, ts: int, n: int) -> Event:
    eid = f"e{n}"
    call = draw(st.sampled_from(CALLS))
    agent = draw(st.sampled_from(AGENTS))
    queue = draw(st.sampled_from(QUEUES))
    maybe_queue = draw(st.one_of(st.none(), st.sampled_from(QUEUES)))
    maybe_agent = draw(st.one_of(st.none(), st.sampled_from(AGENTS)))
    kind = draw(
        st.sampled_from(
            (
                "queued",
                "queued",
                "queued",
                "ringing",
                "answered",
                "answered",
                "answered",
                "hold",
                "resumed",
                "transferred",
                "ended",
                "ended",
                "wrapup_ended",
                "wrapup_ended",
                "abandoned",
                "left_queue",
                "dialed",
                "connected",
                "login",
                "logout",
                "state",
                "deal",
                "csat",
                "deal_created",
                "deal_created",
                "deal_stage",
                "deal_stage",
                "deal_won",
                "deal_lost",
            )
        )
    )
    common: dict[str, Any] = {"id": eid, "ts": ts}
    if kind.startswith("deal_"):
        return draw(deal_event(common, kind, maybe_agent))
    if kind in ("queued", "answered", "ended", "dialed"):
        common["deal_id"] = draw(st.none() | st.sampled_from(DEALS))
    if kind == "queued":
        return CallQueued(**common, call_id=call, queue=queue)
    if kind == "ringing":
        return CallRinging(**common, call_id=call, agent=agent, queue=maybe_queue)
    if kind == "answered":
        return CallAnswered(**common, call_id=call, agent=maybe_agent, queue=maybe_queue)
    if kind == "hold":
        return CallHold(**common, call_id=call)
    if kind == "resumed":
        return CallResumed(**common, call_id=call)
    if kind == "transferred":
        to_queue, to_agent = draw(st.sampled_from(((queue, None), (None, agent), (queue, agent))))
        return CallTransferred(**common, call_id=call, to_queue=to_queue, to_agent=to_agent)
    if kind == "ended":
        return CallEnded(**common, call_id=call)
    if kind == "wrapup_ended":
        return CallWrapupEnded(**common, call_id=call)
    if kind == "abandoned":
        return CallAbandoned(**common, call_id=call, queue=maybe_queue)
    if kind == "left_queue":
        return CallLeftQueue(**common, call_id=call, reason="timeout", queue=maybe_queue)
    if kind == "dialed":
        return CallDialed(**common, call_id=call, agent=agent, queue=maybe_queue)
    if kind == "connected":
        return CallConnected(**common, call_id=call, agent=agent, queue=maybe_queue)
    if kind == "login":
        return AgentLogin(**common, agent=agent)
    if kind == "logout":
        return AgentLogout(**common, agent=agent)
    if kind == "state":
        state, reason = draw(
            st.sampled_from(
                (("available", None), ("break", "lunch"), ("break", None), ("away", None))
            )
        )
        return AgentState(**common, agent=agent, state=state, reason=reason)
    if kind == "deal":
        amount = draw(st.sampled_from((0.0, 9.99, 120.5, 1e9 + 0.25)))
        return DealClosed(
            **common, agent=agent, amount=amount, call_id=draw(st.none() | st.just(call))
        )
    score = draw(st.integers(1, 5))
    return CsatSubmitted(
        **common, score=score, call_id=draw(st.none() | st.just(call)), agent=maybe_agent
    )


@st.composite
def deal_event(draw: st.DrawFn, common: dict[str, Any], kind: str, agent: str | None) -> Event:
    deal = draw(st.sampled_from(DEALS))
    amount = draw(st.none() | st.sampled_from((0.0, 99.99, 1500.5)))
    if kind == "deal_created":
        return DealCreated(
            **common,
            deal_id=deal,
            agent=agent,
            stage=draw(st.sampled_from(STAGES)),
            pipeline=draw(st.sampled_from(PIPELINES)),
            amount=amount,
        )
    if kind == "deal_stage":
        return DealStageChanged(
            **common, deal_id=deal, stage=draw(st.sampled_from(STAGES)), agent=agent
        )
    if kind == "deal_won":
        call = draw(st.none() | st.sampled_from(CALLS))
        return DealWon(**common, deal_id=deal, amount=amount, agent=agent, call_id=call)
    return DealLost(**common, deal_id=deal, reason="price", agent=agent)


@st.composite
def scenarios(draw: st.DrawFn, max_events: int = 70) -> tuple[str, list[Op]]:
    tz, start = draw(st.sampled_from(STARTS))
    t = int(datetime.fromisoformat(start).timestamp() * 1000)
    t += draw(st.integers(-2 * 3_600_000, 3_600_000))
    ops: list[Op] = []
    latest = t
    n = draw(st.integers(1, max_events))
    for i in range(n):
        roll = draw(st.integers(0, 99))
        if roll < 40:
            t += draw(st.integers(0, 40_000))
        elif roll < 75:
            t += draw(st.integers(40_000, 600_000))
        elif roll < 85:
            t -= draw(st.integers(0, 120_000))  # arrives late
        elif roll < 88:
            t += draw(st.integers(600_000, 3 * 3_600_000))  # a gap: expiries, new periods
        ops.append(Op("event", event=draw(event_at(t, i))))
        latest = max(latest, t)
        extra = draw(st.integers(0, 99))
        if extra < 12:
            ops.append(Op("check", now_ms=latest + draw(st.integers(0, 1_200_000))))
        elif extra < 16:
            ops.append(Op("advance", now_ms=latest + draw(st.integers(0, 3_600_000))))
        elif extra < 19:
            ops.append(Op("restart"))
        elif extra < 22:
            # the same event sent again under a new id (not a transport duplicate)
            prev = ops[-1].event
            assert prev is not None
            ops.append(Op("event", event=_again(prev, f"r{i}")))
    ops.append(Op("check", now_ms=latest))
    ops.append(Op("check", now_ms=latest + draw(st.integers(0, 2 * 3_600_000))))
    return tz, ops


def _again(ev: Event, new_id: str) -> Event:
    return msgspec.structs.replace(ev, id=new_id)
