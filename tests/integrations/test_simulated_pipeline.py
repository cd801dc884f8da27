"""The simulated pipeline (`SimConfig.pipeline`, on in the demo): deals follow a valid life,
the calls stay exactly what they are without it, and the demo shows a living pipeline (open
deals in several stages, wins, losses, stalled deals) within its first hour."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from app.events.schemas import (
    AnyEvent,
    CallEnded,
    DealCreated,
    DealLost,
    DealStageChanged,
    DealWon,
)
from app.integrations.demo import DEMO_STALL_LIMITS, demo_config
from app.integrations.simulation import Simulator
from app.integrations.simulation.pipeline import STAGES
from app.pipeline.service import stall_limits_by_pipeline
from tests.integrations.test_demo_curve import aggregator_for

NOW = datetime(2026, 12, 7, 0, 40, tzinfo=UTC)
HOUR_MS = 3_600_000


def number(value: float | None) -> float:
    assert value is not None
    return value


def demo_events(pipeline: bool, minutes: int = 90) -> tuple[Simulator, list[AnyEvent]]:
    sim = Simulator(msgspec.structs.replace(demo_config(NOW), pipeline=pipeline))
    return sim, sim.run_until(int(NOW.timestamp() * 1000) + minutes * 60_000)


def test_deals_live_a_valid_life() -> None:
    _, events = demo_events(True)
    created: dict[str, int] = {}
    closed: set[str] = set()
    tagged = 0
    for e in events:
        if isinstance(e, DealCreated):
            assert e.deal_id not in created
            assert (e.stage, e.amount is not None and e.amount > 0) == ("new", True)
            created[e.deal_id] = 0
        elif isinstance(e, DealStageChanged):
            assert e.deal_id in created
            assert e.deal_id not in closed
            assert STAGES.index(e.stage) == created[e.deal_id] + 1  # one stage forward
            created[e.deal_id] += 1
        elif isinstance(e, DealWon | DealLost):
            assert e.deal_id in created
            assert e.deal_id not in closed
            if isinstance(e, DealWon):
                assert created[e.deal_id] >= STAGES.index("proposal")
            closed.add(e.deal_id)
        elif isinstance(e, CallEnded) and e.deal_id is not None:
            assert e.deal_id in created
            tagged += 1
    assert len(created) > 30
    assert tagged > len(created)


def test_the_calls_are_the_same_with_and_without_the_pipeline() -> None:
    def calls(events: list[AnyEvent]) -> list[tuple[str, int, object]]:
        return [
            (type(e).__name__, e.ms, getattr(e, "call_id", None))
            for e in events
            if hasattr(e, "call_id") and not type(e).__name__.startswith("Deal")
        ]

    assert calls(demo_events(True)[1]) == calls(demo_events(False)[1])


def test_the_demo_shows_a_living_pipeline() -> None:
    sim, events = demo_events(True)
    agg = aggregator_for(sim)
    agg.set_config(
        msgspec.structs.replace(
            agg.config, stall_limits=stall_limits_by_pipeline(list(DEMO_STALL_LIMITS))
        )
    )
    agg.apply_batch(events)
    now = agg.clock_ms
    live = agg.metrics("tenant", "live", now)
    today = agg.metrics("tenant", "today", now)
    assert number(live["deals_open"]) > 20
    assert sum(1 for k in live if k.startswith("deals_open:")) >= 3
    assert number(live["deals_stalled"]) > 0
    assert number(live["pipeline_value"]) > 0
    assert number(today["deals_won"]) > 0
    assert number(today["deals_lost"]) > 0
    assert today["effort_to_close"] is not None
    assert number(agg.metrics("pipeline:enterprise", "live", now)["deals_open"]) > 0
