"""Plans: validation, CRUD, plan versus actual for report rows, and progress to plan.

Scenarios are named from the manager's point of view: `minimum` is the pessimistic target,
`maximum` the optimistic one. For metrics where less is better (AHT, ASA, abandonment,
lateness, ...) the optimistic value is the smaller number, so there `minimum >= standard >=
maximum`; elsewhere `minimum <= standard <= maximum`. `level` says which scenario the actual
value reached: `maximum`, `standard`, `minimum` or `below_minimum`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.facts.calendar import Period
from app.kpi.rows import METRICS, GroupBy, KpiRow
from app.plans.models import PlanRow
from app.registry.scopes import parse_scope, scope_forms

PLAN_PERIODS: Final = (Period.day, Period.week, Period.month)
LOWER_IS_BETTER: Final = frozenset(
    {
        "abandoned",
        "short_abandoned",
        "left_queue",
        "unknown_wait",
        "abandonment_rate",
        "asa",
        "max_wait",
        "aht",
        "talk_time",
        "hold_time",
        "wrapup_time",
        "transfers",
        "expired",
        "time_break",
        "late",
        "lateness",
        "absent",
        "absence_rate",
        "early_leave",
        "early_leave_minutes",
        "deals_lost",
        "time_to_close",
        "effort_to_close",
    }
)


@dataclass(frozen=True, slots=True)
class PlanInput:
    metric: str
    scope: str
    period: str
    start_date: date
    end_date: date
    standard: float
    minimum: float | None = None
    maximum: float | None = None
    note: str | None = None


def scope_group(scope: str) -> tuple[GroupBy, str | None]:
    """`tenant`, `queue:X`, `team:X`, `agent:X` or `pipeline:X` as (group, name)."""
    parsed = parse_scope(scope)
    if parsed is None:
        raise ValueError(f"scope: expected {scope_forms()}, got {scope!r}")
    return GroupBy(parsed.kind), parsed.name


def check_plan(plan: PlanInput) -> None:
    if plan.metric not in METRICS:
        raise ValueError(f"metric: unknown metric {plan.metric!r}; see docs/metrics.md")
    scope_group(plan.scope)
    if plan.period not in PLAN_PERIODS:
        raise ValueError(f"period: expected day, week or month, got {plan.period!r}")
    if plan.end_date < plan.start_date:
        raise ValueError("end_date: expected a date on or after start_date")
    lower = plan.metric in LOWER_IS_BETTER
    levels = [v for v in (plan.minimum, plan.standard, plan.maximum) if v is not None]
    ordered = sorted(levels, reverse=lower)
    if levels != ordered:
        order = "minimum >= standard >= maximum" if lower else "minimum <= standard <= maximum"
        raise ValueError(
            f"expected {order} for {plan.metric} ({'less' if lower else 'more'} is better)"
        )


def better_or_equal(metric: str, actual: float, target: float) -> bool:
    return actual <= target if metric in LOWER_IS_BETTER else actual >= target


def attainment(metric: str, actual: Any, standard: float) -> float | None:
    """How far the standard target is reached, the right way round: above 1 is better than
    the plan, below 1 worse, whichever way the metric is better. `actual / standard`, and for
    metrics where less is better `standard / actual` (an AHT of 7:27 against 7:00 is 0.94, not
    1.06). None without a value, a zero standard, or a zero actual where less is better."""
    if not isinstance(actual, int | float) or not standard:
        return None
    if metric in LOWER_IS_BETTER:
        return standard / actual if actual > 0 else None
    return actual / standard


def level(metric: str, actual: float | None, plan: PlanRow) -> str | None:
    if actual is None:
        return None
    if plan.maximum is not None and better_or_equal(metric, actual, plan.maximum):
        return "maximum"
    if better_or_equal(metric, actual, plan.standard):
        return "standard"
    if plan.minimum is not None and better_or_equal(metric, actual, plan.minimum):
        return "minimum"
    return "below_minimum"


def plan_versus_actual(plan: PlanRow, actual: Any) -> dict[str, Any]:
    value = float(actual) if isinstance(actual, int | float) else None
    deviation = None if value is None else value - plan.standard
    return {
        "plan_id": plan.id,
        "actual": actual,
        "minimum": plan.minimum,
        "standard": plan.standard,
        "maximum": plan.maximum,
        "deviation": deviation,
        "deviation_pct": (
            deviation / abs(plan.standard) if deviation is not None and plan.standard else None
        ),
        "level": level(plan.metric, value, plan),
    }


async def get_plan(session: AsyncSession, tenant_id: int, plan_id: int) -> PlanRow:
    row = await session.get(PlanRow, plan_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"no plan {plan_id}")
    return row


async def list_plans(
    session: AsyncSession,
    tenant_id: int,
    *,
    period: str | None = None,
    first: date | None = None,
    last: date | None = None,
    metric: str | None = None,
    scope: str | None = None,
) -> list[PlanRow]:
    """Plans (newest first) whose date range overlaps [first, last]."""
    query = select(PlanRow).where(PlanRow.tenant_id == tenant_id)
    if period is not None:
        query = query.where(PlanRow.period == period)
    if first is not None:
        query = query.where(PlanRow.end_date >= first)
    if last is not None:
        query = query.where(PlanRow.start_date <= last)
    if metric is not None:
        query = query.where(PlanRow.metric == metric)
    if scope is not None:
        query = query.where(PlanRow.scope == scope)
    return list((await session.scalars(query.order_by(PlanRow.id.desc()))).all())


async def day_standards(
    session: AsyncSession, tenant_id: int, day: date
) -> dict[str, dict[str, float]]:
    """scope → metric → standard of the day plans in force on `day` (the newest plan wins
    where plans overlap)."""
    standards: dict[str, dict[str, float]] = {}
    for plan in await list_plans(session, tenant_id, period="day", first=day, last=day):
        standards.setdefault(plan.scope, {}).setdefault(plan.metric, plan.standard)
    return standards


def apply_input(row: PlanRow, plan: PlanInput) -> None:
    row.metric = plan.metric
    row.scope = plan.scope
    row.period = plan.period
    row.start_date = plan.start_date
    row.end_date = plan.end_date
    row.minimum = plan.minimum
    row.standard = plan.standard
    row.maximum = plan.maximum
    row.note = plan.note


class PlanIndex:
    """The plans of one report period, found by scope, metric and date (the newest plan wins
    where plans overlap)."""

    def __init__(self, plans: Sequence[PlanRow]) -> None:
        self.by_scope: dict[str, dict[str, list[PlanRow]]] = defaultdict(lambda: defaultdict(list))
        for plan in sorted(plans, key=lambda p: -p.id):
            self.by_scope[plan.scope][plan.metric].append(plan)

    def for_row(self, scope: str, day: date) -> dict[str, PlanRow]:
        found: dict[str, PlanRow] = {}
        for metric, plans in self.by_scope.get(scope, {}).items():
            for plan in plans:
                if plan.start_date <= day <= plan.end_date:
                    found[metric] = plan
                    break
        return found

    @property
    def metrics(self) -> set[str]:
        return {m for metrics in self.by_scope.values() for m in metrics}


def attach_plans(
    rows: Sequence[KpiRow], group_by: GroupBy, index: PlanIndex, first_date: Any
) -> set[str]:
    """Fill `row.plan` with plan versus actual for each planned metric; returns the metrics
    planned in at least one row. `first_date(bucket)` is the local date a bucket starts on."""
    planned: set[str] = set()
    if not index.by_scope:
        return planned
    for row in rows:
        scope = row.scope(group_by)
        if scope not in index.by_scope:
            continue
        for metric, plan in index.for_row(scope, first_date(row.bucket)).items():
            row.plan[metric] = plan_versus_actual(plan, row.metrics.get(metric))
            planned.add(metric)
    return planned
