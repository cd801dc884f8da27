"""The wall's deal list (stalled deals and recent wins) against the plain pipeline reference on
deal-heavy streams with reordered, repeated and unknown-deal events and restarts from
checkpoints: a restored run lists exactly what the reference and a never-stopped run list."""

from __future__ import annotations

from datetime import datetime

import msgspec
from hypothesis import HealthCheck, given, settings

from app.events.schemas import AgentLogin, DealCreated, DealStageChanged, DealWon
from app.streams.aggregator import TenantAggregator
from app.streams.aggregator.deal_list import RECENT_WIN_MS
from tests.streams.reference import Reference
from tests.streams.scenarios import Op, config
from tests.streams.test_pipeline_reference import deal_scenarios

Row = tuple[object, ...]


def reference_rows(ref: Reference, now: int) -> list[Row]:
    q = max(now, ref.wm)
    deals = ref.pipeline.deals
    limit = ref.config.stall_limit_s
    stalled = sorted(
        (d.entered_stage, deal_id, d.owner, ref.team(d.owner) if d.owner else None, d.stage)
        for deal_id, d in deals.items()
        if d.status == "open" and q - d.entered_stage > limit(d.pipeline, d.stage) * 1000
    )
    won = sorted(
        (d.last_event, deal_id, d.owner, ref.team(d.owner) if d.owner else None, d.expected)
        for deal_id, d in deals.items()
        if d.status == "won" and q - d.last_event < RECENT_WIN_MS
    )
    return [("stalled", i, o, team, s, since) for since, i, o, team, s in stalled] + [
        ("won", i, o, team, None if e is None else e / 1_000_000, at) for at, i, o, team, e in won
    ]


def rows_of(agg: TenantAggregator, now: int) -> list[Row]:
    return [
        (
            r["kind"],
            r["id"],
            r["owner"],
            r["team"],
            r["stage"] if r["kind"] == "stalled" else r["amount"],
            r["since"] if r["kind"] == "stalled" else r["at"],
        )
        for r in agg.deal_rows(now)
    ]


def run(tz: str, ops: list[Op]) -> set[object]:
    cfg = config(tz)
    agg, twin, ref = TenantAggregator(cfg), TenantAggregator(cfg), Reference(cfg)
    kinds: set[object] = set()
    for op in ops:
        if op.kind == "event":
            assert op.event is not None
            agg.apply(op.event)
            twin.apply_batch([op.event])
            ref.apply(op.event)
        elif op.kind == "restart":
            agg = TenantAggregator.load(agg.dump(), cfg)
        elif op.kind == "check":
            want = reference_rows(ref, op.now_ms)
            assert rows_of(agg, op.now_ms) == want
            assert rows_of(twin, op.now_ms) == want
            kinds.update(row[0] for row in want)
    return kinds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal_scenarios())
def test_deal_list_matches_reference(case: tuple[str, list[Op]]) -> None:
    run(*case)


def test_the_streams_list_deals() -> None:
    """The generated streams are not vacuous: over a fixed sample they list stalled deals and
    recent wins."""
    listed: set[object] = set()

    @settings(max_examples=30, deadline=None, database=None, derandomize=True)
    @given(deal_scenarios())
    def sample(case: tuple[str, list[Op]]) -> None:
        listed.update(run(*case))

    sample()
    assert listed == {"stalled", "won"}


def test_oldest_first_with_names_values_and_recent_wins() -> None:
    cfg = msgspec.structs.replace(
        config("Europe/Warsaw"),
        agent_names={"a1": "Ala Nowak"},
        stall_limits={"default": {"demo": 60}},
    )
    t = int(datetime.fromisoformat("2026-03-02T10:00:00+01:00").timestamp() * 1000)
    agg = TenantAggregator(cfg)
    for event in (
        AgentLogin(id="l", ts=t, agent="a1"),
        DealCreated(id="c1", ts=t, deal_id="d1", agent="a1", stage="demo", amount=1200.5),
        DealCreated(id="c2", ts=t - 5000, deal_id="d2", stage="demo"),
        DealCreated(id="c3", ts=t, deal_id="d3", agent="a1", stage="offer", amount=10),
        DealStageChanged(id="s1", ts=t + 30_000, deal_id="d1", stage="offer"),
        DealStageChanged(id="s2", ts=t + 30_000, deal_id="d1", stage="demo"),
    ):
        agg.apply(event)
    rows = agg.deal_rows(t + 70_000)
    assert [(r["id"], r["owner_name"], r["stage"], r["amount"]) for r in rows] == [
        ("d2", None, "demo", None)  # d1 moved at +30 s: not stalled yet; d3's stage: 7 days
    ]
    rows = agg.deal_rows(t + 100_000)
    assert [(r["id"], r["owner_name"], r["since"], r["limit_s"]) for r in rows] == [
        ("d2", None, t - 5000, 60),
        ("d1", "Ala Nowak", t + 30_000, 60),
    ]
    agg.apply(DealWon(id="w1", ts=t + 100_000, deal_id="d1", amount=1500))
    won = [r for r in agg.deal_rows(t + 100_000) if r["kind"] == "won"]
    assert won == [
        {
            "kind": "won",
            "id": "d1",
            "owner": "a1",
            "owner_name": "Ala Nowak",
            "team": cfg.agent_teams.get("a1"),
            "pipeline": "default",
            "at": t + 100_000,
            "amount": 1500.0,
        }
    ]
    assert [r["id"] for r in agg.deal_rows(t + 100_000 + RECENT_WIN_MS)] == ["d2"]
