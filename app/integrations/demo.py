"""Live demo traffic for `make run`: a simulated call centre feeding tenant `default`.

The simulation starts an hour in the past (so the dashboard is populated within seconds), then
follows the wall clock. Its local time zone is chosen so that it is late morning there right
now: whatever the hour of the demo, the simulated centre is open and busy.

So that a newcomer sees within two minutes what the product is for, the day is compressed:
calls are shorter than in life (DEMO_QUEUES), the floor is staffed for a comfortable 60 %
occupancy, and every six minutes, starting 15 s after the server starts, a rush (an outage, a
mailing) brings as many callers as there are free agents plus a dozen within 40 s: the queue
builds, the service level dips below 80 %, the demo's alert rules (DEMO_RULES) fire, and within
a few minutes the floor catches up and they resolve. The sales agents also work deals through
the pipeline; with the demo's short stall limits some of them stall within the hour.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.channel_owners import SERVICE
from app.alerts.models import AlertRule
from app.alerts.rule_service import create_rule
from app.alerts.schemas import RuleIn
from app.auth.policy import Access
from app.core.logging import get_logger
from app.dashboards.schemas import Widget
from app.dashboards.service import ensure_default_dashboard
from app.ingest.service import ingest_events
from app.integrations.provision import provision_roster
from app.integrations.simulation import DEFAULT_QUEUES, Callbacks, SimConfig, Simulator, Surge
from app.integrations.simulation.live import stream_live
from app.integrations.simulation.roster import Roster
from app.integrations.simulation.transcripts import DEMO_PHRASE_LISTS
from app.org.service import DEFAULT_TENANT, ensure_tenant
from app.phrases.service import ensure_phrase_lists
from app.pipeline.schemas import StallLimit
from app.pipeline.service import list_stall_limits, replace_stall_limits
from app.plans.feed import TargetFeed
from app.plans.models import PlanRow
from app.plans.service import PlanInput, apply_input, check_plan
from app.services import Services
from app.tenancy.models import Dashboard

log = get_logger(__name__)

DEMO_LOCAL_HOUR = 11
BACKFILL = timedelta(hours=1)
CALL_LENGTH_SCALE: Final = 0.4
"""Talk, hold and wrap-up of the demo's calls, against the life-like defaults."""
DEMO_QUEUES: Final = tuple(
    msgspec.structs.replace(
        q,
        talk_median_s=q.talk_median_s * CALL_LENGTH_SCALE,
        hold_median_s=q.hold_median_s * CALL_LENGTH_SCALE,
        wrapup_median_s=q.wrapup_median_s * CALL_LENGTH_SCALE,
    )
    for q in DEFAULT_QUEUES
)
DEMO_OCCUPANCY: Final = 0.6
FIRST_RUSH_AFTER: Final = timedelta(seconds=15)
RUSH_EVERY_S: Final = 360.0
RUSH_LENGTH_S: Final = 40.0
RUSH_EXTRA_CALLERS: Final = 12
DEMO_RULES: Final = (
    RuleIn(
        name="Calls waiting",
        description="Five or more callers in the queues for 10 s (demo rule).",
        metric="calls_waiting",
        scope="tenant",
        window="live",
        op=">=",
        threshold=5,
        clear_threshold=2,
        for_s=10,
        keep_firing_for_s=10,
        severity="critical",
    ),
    RuleIn(
        name="Service level below 80 %",
        description="The last five minutes' service level under 80 % for 30 s (demo rule).",
        metric="service_level",
        scope="tenant",
        window="5m",
        op="<",
        threshold=0.8,
        for_s=30,
        keep_firing_for_s=30,
        severity="warning",
    ),
)
"""The alert rules a demo tenant starts with (only if it has none), on the floor's figures."""
DEMO_STALL_LIMITS: Final = tuple(
    StallLimit(pipeline=pipeline, stage=stage, stall_s=limit)
    for pipeline in ("default", "enterprise")
    for stage, limit in (("new", 900.0), ("qualified", 1200.0), ("proposal", 1500.0),
                         ("negotiation", 1800.0))
)  # fmt: skip
"""The demo's day is compressed: a deal stalls after 15 to 30 minutes without a move (the
default of 7 days would show no stalled deal in a demo)."""
DEMO_PHRASE_RULE: Final = RuleIn(
    name="Banned phrase",
    description="An agent said a phrase of a `banned` list: who, on which call and queue, "
    "which phrase (demo rule; docs/alerts.md, Banned phrases).",
    metric="banned_phrase",
    scope="each_agent",
    window="live",
    op=">",
    threshold=0,
    severity="critical",
)
"""One alert per call and banned phrase (the demo's transcripts, docs/alerts.md)."""


def busy_time_zone(now: datetime) -> str:
    """An `Etc/GMT±N` zone in which `now` is around DEMO_LOCAL_HOUR (note the inverted sign)."""
    offset = (DEMO_LOCAL_HOUR - now.hour + 12) % 24 - 12
    offset = max(-12, min(14, offset))
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def demo_config(now: datetime, seed: int = 7) -> SimConfig:
    """The demo centre, its live part starting at `now` (an hour of it is backfilled)."""
    start = now - BACKFILL
    return SimConfig(
        start=start,
        seed=seed,
        teams=4,
        agents_per_team=10,
        queues=DEMO_QUEUES,
        target_occupancy=DEMO_OCCUPANCY,
        time_zone=busy_time_zone(now),
        id_prefix=f"demo-{int(start.timestamp())}",
        transcripts=True,
        surge=Surge(
            anchor=now + FIRST_RUSH_AFTER,
            period_s=RUSH_EVERY_S,
            length_s=RUSH_LENGTH_S,
            extra_callers=RUSH_EXTRA_CALLERS,
        ),
        pipeline=True,
        callbacks=Callbacks(),
    )


async def ensure_demo_rules(session: AsyncSession, tenant_id: int) -> bool:
    """Give the demo tenant DEMO_RULES and DEMO_PHRASE_RULE unless it has alert rules already;
    True if it did."""
    have = await session.scalar(
        select(func.count()).select_from(AlertRule).where(AlertRule.tenant_id == tenant_id)
    )
    if have:
        return False
    for rule in (*DEMO_RULES, DEMO_PHRASE_RULE):
        await create_rule(session, tenant_id, rule, Access.everything(), {}, SERVICE)
    return True


async def ensure_demo_stall_limits(session: AsyncSession, tenant_id: int) -> bool:
    """Give the demo tenant DEMO_STALL_LIMITS unless it has stall limits already."""
    if await list_stall_limits(session, tenant_id):
        return False
    await replace_stall_limits(session, tenant_id, list(DEMO_STALL_LIMITS))
    return True


CALLBACKS_DASHBOARD: Final = "Call-backs"


def callbacks_widgets() -> list[Widget]:
    """The demo's second dashboard: the call-back list with its figures."""

    def kpi(wid: str, y: int, metric: str, window: str) -> Widget:
        return Widget(id=wid, type="kpi", x=8, y=y, w=4, h=2, metric=metric, window=window)

    return [
        Widget(id="callbacks", type="callbacks", x=0, y=0, w=8, h=6),
        kpi("unreturned", 0, "unreturned", "live"),
        kpi("callback-rate", 2, "callback_rate", "today"),
        kpi("time-to-callback", 4, "time_to_callback", "today"),
    ]


PIPELINE_DASHBOARD: Final = "Sales pipeline"


def pipeline_widgets() -> list[Widget]:
    """The demo's third dashboard: the default pipeline's funnel today over the stalled deals,
    the sales against each agent's day plan beside them, and the pipeline's value below."""
    return [
        Widget(id="funnel", type="funnel", x=0, y=0, w=7, h=3, options={"period": "today"}),
        Widget(id="stalled-deals", type="stalled_deals", x=0, y=3, w=7, h=4),
        Widget(
            id="targets",
            type="leaderboard",
            x=7,
            y=0,
            w=5,
            h=5,
            window="today",
            options={"by": "deals", "limit": 10, "targets": True},
        ),
        Widget(
            id="pipeline-value",
            type="kpi",
            x=7,
            y=5,
            w=5,
            h=2,
            metric="pipeline_value",
            window="live",
        ),
    ]


DEMO_SALES_QUEUE: Final = "Sales"
DEMO_DEAL_TARGETS: Final = (4, 6, 5, 8, 7, 9)
"""Day targets of deals for the sales agents, in turn (the demo's agents close a few deals an
hour, so at the demo's late morning the bars stand from a quarter to full)."""
DEMO_AVERAGE_DEAL: Final = 550.0


def demo_plans(roster: Roster, today: date) -> list[PlanInput]:
    """Day plans of deals and revenue for every agent of a team that takes the sales queue,
    in force from a week ago for a year (the demo's time zone moves with the hour it starts)."""
    agents = [
        agent.id
        for team in roster.teams
        if DEMO_SALES_QUEUE in team.queues
        for agent in team.agents
    ]
    plans: list[PlanInput] = []
    for i, agent in enumerate(agents):
        deals = float(DEMO_DEAL_TARGETS[i % len(DEMO_DEAL_TARGETS)])
        for metric, standard in (("deals", deals), ("revenue", deals * DEMO_AVERAGE_DEAL)):
            plans.append(
                PlanInput(
                    metric=metric,
                    scope=f"agent:{agent}",
                    period="day",
                    start_date=today - timedelta(days=7),
                    end_date=today + timedelta(days=365),
                    minimum=standard * 0.75,
                    standard=standard,
                    maximum=standard * 1.25,
                    note="demo",
                )
            )
    return plans


async def ensure_demo_plans(
    session: AsyncSession, tenant_id: int, roster: Roster, today: date
) -> bool:
    """Give the demo tenant `demo_plans` unless it has plans already; True if it did."""
    have = await session.scalar(
        select(func.count()).select_from(PlanRow).where(PlanRow.tenant_id == tenant_id)
    )
    if have:
        return False
    for plan in demo_plans(roster, today):
        check_plan(plan)
        row = PlanRow(tenant_id=tenant_id)
        apply_input(row, plan)
        session.add(row)
    return True


async def ensure_demo_dashboards(session: AsyncSession, tenant_id: int) -> None:
    """A fresh demo tenant gets the floor overview, the call-back list's dashboard and the
    sales pipeline's; a tenant that has dashboards already keeps them as they are."""
    if await ensure_default_dashboard(session, tenant_id):
        for name, widgets in (
            (CALLBACKS_DASHBOARD, callbacks_widgets()),
            (PIPELINE_DASHBOARD, pipeline_widgets()),
        ):
            session.add(
                Dashboard(
                    tenant_id=tenant_id,
                    name=name,
                    widgets=[w.model_dump(mode="json") for w in widgets],
                    created_by="floorwatch",
                    updated_by="floorwatch",
                )
            )


async def run_demo(services: Services, speed: float = 1.0) -> None:
    """Feed the demo until cancelled."""
    now = datetime.now(UTC)
    sim = Simulator(demo_config(now))
    async with services.db.session() as session:
        tenant = await ensure_tenant(session, DEFAULT_TENANT)
        await provision_roster(session, tenant.id, sim.roster())
        await ensure_demo_rules(session, tenant.id)
        await ensure_demo_stall_limits(session, tenant.id)
        await ensure_demo_dashboards(session, tenant.id)
        await ensure_phrase_lists(session, tenant.id, DEMO_PHRASE_LISTS)
        await ensure_demo_plans(session, tenant.id, sim.roster(), now.date())
        await session.commit()
        tenant_id = tenant.id
    services.configs.invalidate(tenant_id)
    services.part(TargetFeed).changed(tenant_id)
    backfill = sim.run_until(int(time.time() * 1000))
    for start in range(0, len(backfill), 1000):
        await ingest_events(
            services.engine, services.settings, tenant_id, backfill[start : start + 1000]
        )
    log.info("demo traffic started", backfilled=len(backfill), tenant=DEFAULT_TENANT)
    async for batch in stream_live(sim, speed, time.time, tick_s=0.5):
        try:
            await ingest_events(services.engine, services.settings, tenant_id, batch)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("demo batch failed")
