"""The demo's per-person targets: day plans of deals and revenue for the agents of the teams
that take the sales queue (valid plans, in force whatever the demo's time zone), given once;
the demo's sales dashboard shows them on a leaderboard; and the demo's first hour fills the
bars part-way, not all empty and not all full."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.core.db import Database
from app.integrations.demo import (
    PIPELINE_DASHBOARD,
    demo_config,
    demo_plans,
    ensure_demo_dashboards,
    ensure_demo_plans,
)
from app.integrations.simulation import Simulator
from app.org.service import ensure_tenant
from app.plans.models import PlanRow
from app.plans.service import check_plan
from app.tenancy.models import Dashboard
from tests.integrations.test_demo_curve import aggregator_for

NOW = datetime(2026, 12, 7, 3, 40, tzinfo=UTC)


def test_the_sales_agents_get_day_plans_of_deals_and_revenue() -> None:
    roster = Simulator(demo_config(NOW)).roster()
    plans = demo_plans(roster, NOW.date())
    sales = {a.id for t in roster.teams if "Sales" in t.queues for a in t.agents}
    assert {t.name for t in roster.teams if "Sales" in t.queues} == {"North", "West"}
    assert {(p.scope, p.metric) for p in plans} == {
        (f"agent:{agent}", metric) for agent in sales for metric in ("deals", "revenue")
    }
    for plan in plans:
        check_plan(plan)
        assert plan.period == "day"
        for local_today in (NOW.date() - timedelta(days=1), NOW.date() + timedelta(days=1)):
            assert plan.start_date <= local_today <= plan.end_date
    deals = {p.scope: p.standard for p in plans if p.metric == "deals"}
    revenue = {p.scope: p.standard for p in plans if p.metric == "revenue"}
    assert revenue == {scope: target * 550 for scope, target in deals.items()}


def test_the_first_hour_fills_the_bars_part_way() -> None:
    sim = Simulator(demo_config(NOW))
    agg = aggregator_for(sim)
    live_ms = int(NOW.timestamp() * 1000)
    agg.apply_batch(sim.run_until(live_ms))
    agg.advance(live_ms)
    plans = demo_plans(sim.roster(), NOW.date())
    shares = [
        float(agg.metrics(p.scope, "today", live_ms)["deals"] or 0) / p.standard
        for p in plans
        if p.metric == "deals"
    ]
    assert any(0 < share < 1 for share in shares), shares
    assert sum(share >= 1 for share in shares) < len(shares) / 2, shares
    assert sum(share == 0 for share in shares) < len(shares) / 2, shares


async def test_plans_and_the_targets_leaderboard_are_given_once(sqlite_url: str) -> None:
    roster = Simulator(demo_config(NOW)).roster()
    db = Database(sqlite_url)
    try:
        async with db.session() as session:
            tenant = await ensure_tenant(session, "demo-targets")
            assert await ensure_demo_plans(session, tenant.id, roster, date(2026, 12, 7))
            await ensure_demo_dashboards(session, tenant.id)
            await session.commit()
            assert not await ensure_demo_plans(session, tenant.id, roster, date(2026, 12, 8))
            await session.commit()
            count = await session.scalar(
                select(func.count()).select_from(PlanRow).where(PlanRow.tenant_id == tenant.id)
            )
            board = await session.scalar(
                select(Dashboard).where(
                    Dashboard.tenant_id == tenant.id, Dashboard.name == PIPELINE_DASHBOARD
                )
            )
        assert count == 2 * 20
        assert board is not None
        targets = [w for w in board.widgets if w["type"] == "leaderboard"]
        assert [(w["window"], w["options"]) for w in targets] == [
            ("today", {"by": "deals", "limit": 10, "targets": True})
        ]
    finally:
        await db.close()
