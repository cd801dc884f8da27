"""KPI reports: the metric catalog of the live API per group (tenant, queue, team, agent) and
period, from the 15-minute rollups, plus lateness, absence and adherence from shifts.

The numbers come from the same sums and the same formulas as the live aggregator
(`app.streams.aggregator.catalog`), so a finished day's report equals what the live `today`
window showed at the end of that day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.policy import Access
from app.facts.calendar import Period, ReportCalendar
from app.facts.phrase_rollups import PhraseRollupRow
from app.facts.rollups import (
    AGENT,
    COL,
    DAILY,
    NO_MAX,
    PIPELINE,
    QUEUE,
    SUM_COLUMNS,
    TEAM,
    TENANT,
    KpiRollupRow,
    daily_zone,
)
from app.kpi.phrase_rows import (
    PHRASE_COLUMNS,
    PhraseLists,
    PhraseSums,
    merge_sums,
    no_phrase_metrics,
    phrase_groups,
    phrase_metrics,
)
from app.registry.metrics import PIPELINE_CALL_METRICS, PIPELINE_METRICS, SHIFT_METRICS, ratio
from app.shifts.outcomes import MINUTE_MS, ShiftOutcome
from app.streams.aggregator.catalog import (
    AGENT_TIME_METRICS,
    CALL_METRICS,
    Metrics,
    StateTimes,
    WindowSums,
    agent_time_metrics,
    call_metrics,
    pipeline_metrics,
)


class GroupBy(StrEnum):
    tenant = "tenant"
    queue = "queue"
    team = "team"
    agent = "agent"
    pipeline = "pipeline"


METRICS: Final = (
    *CALL_METRICS,
    *AGENT_TIME_METRICS,
    *SHIFT_METRICS,
    *PIPELINE_METRICS,
    *PHRASE_COLUMNS,
)
"""The metrics of every report; the per-list phrase metrics follow, named by the tenant's
phrase lists (app/kpi/phrase_rows.py)."""
KEY_FIELDS: Final = {
    GroupBy.pipeline: ("pipeline",),
    GroupBy.tenant: (),
    GroupBy.queue: ("queue",),
    GroupBy.team: ("team",),
    GroupBy.agent: ("agent", "team"),
}
WINDOW_FIELDS: Final = tuple(f for f in WindowSums._fields if f != "max_wait_ms")
STATE_FIELDS: Final = (
    ("ringing", "ringing_ms"),
    ("on_call", "on_call_ms"),
    ("wrapup", "wrapup_state_ms"),
    ("available", "available_ms"),
    ("on_break", "break_ms"),
)
WINDOW_INDEXES: Final = tuple(COL[f] for f in WINDOW_FIELDS)
STATE_INDEXES: Final = tuple(COL[c] for _, c in STATE_FIELDS)
assert tuple(f for f, _ in STATE_FIELDS) == StateTimes._fields

GroupKey = tuple[str, ...]


class Acc:
    """Rollup sums of one group in one bucket."""

    __slots__ = ("max_wait", "sums")

    def __init__(self) -> None:
        self.sums = [0] * len(SUM_COLUMNS)
        self.max_wait = NO_MAX

    def add(self, sums: Sequence[int], max_wait: int) -> None:
        mine = self.sums
        for i, value in enumerate(sums):
            mine[i] += value
        if max_wait > self.max_wait:
            self.max_wait = max_wait

    def window_sums(self) -> WindowSums:
        sums = self.sums
        return WindowSums._make([*(sums[i] for i in WINDOW_INDEXES), self.max_wait])

    def state_times(self) -> StateTimes:
        sums = self.sums
        return StateTimes._make([sums[i] for i in STATE_INDEXES])


@dataclass(slots=True)
class ShiftTotals:
    shifts: int = 0
    late: int = 0
    late_ms: int = 0
    absent: int = 0
    early: int = 0
    early_ms: int = 0
    productive_ms: int = 0
    planned_ms: int = 0

    def add(self, o: ShiftOutcome) -> None:
        if not o.started:
            return
        self.shifts += 1
        self.late += o.late
        self.late_ms += o.late_ms
        self.absent += o.absent
        self.early += o.early_leave
        self.early_ms += o.early_leave_ms
        if o.ended:
            self.planned_ms += o.planned_ms
            self.productive_ms += min(o.productive_ms, o.planned_ms)

    def metrics(self) -> Metrics:
        return {
            "shifts": self.shifts,
            "late": self.late,
            "lateness": self.late_ms / MINUTE_MS,
            "absent": self.absent,
            "absence_rate": ratio(self.absent, self.shifts),
            "early_leave": self.early,
            "early_leave_minutes": self.early_ms / MINUTE_MS,
            "adherence": ratio(self.productive_ms, self.planned_ms),
        }


NO_STATES: Final[Metrics] = dict.fromkeys(AGENT_TIME_METRICS)
NO_SHIFTS: Final[Metrics] = dict.fromkeys(SHIFT_METRICS)
NO_CALLS: Final[Metrics] = {m: None for m in CALL_METRICS if m not in PIPELINE_CALL_METRICS}
"""A pipeline row has no calls: only `deals`, `revenue` and `average_deal` of the call metrics."""


@dataclass(slots=True)
class KpiRow:
    bucket: int
    key: GroupKey
    metrics: Metrics
    plan: dict[str, dict[str, Any]] = field(default_factory=dict)

    def scope(self, group_by: GroupBy) -> str:
        """The row's scope in the live API's syntax (`tenant`, `queue:X`, `team:X`, `agent:X`)."""
        if group_by is GroupBy.tenant:
            return "tenant"
        return f"{group_by.value}:{self.key[0]}"


@dataclass(frozen=True, slots=True)
class Filters:
    queue: str | None = None
    team: str | None = None
    agent: str | None = None


DAILY_PERIODS: Final = frozenset({Period.day, Period.week, Period.month, Period.whole})


async def rollup_kind(session: AsyncSession, tenant_id: int, kind: str, cal: ReportCalendar) -> str:
    """The daily rows of `kind` where the report's periods are whole local days and the daily
    rows are cut in the tenant's current zone; else the 15-minute rows."""
    if cal.period in DAILY_PERIODS and await daily_zone(session, tenant_id) == cal.tz_name:
        return DAILY[kind]
    return kind


async def rollup_groups(
    session: AsyncSession,
    tenant_id: int,
    kind: str,
    cal: ReportCalendar,
    group_columns: Sequence[str],
    where: Sequence[Any] = (),
) -> dict[tuple[GroupKey, int], Acc]:
    """Sum the rollup rows of `kind` per group and bucket (one SQL aggregation; weeks and
    months are merged from days here)."""
    t = KpiRollupRow.__table__
    groups = [t.c[c] for c in group_columns]
    keys = cal.sql_keys(t.c.ivl_ms)
    sums = [cast(func.sum(t.c[c]), BigInteger) for c in SUM_COLUMNS]
    query = (
        select(*groups, *keys, *sums, func.max(t.c.max_wait_ms))
        .where(
            t.c.tenant_id == tenant_id,
            t.c.kind == await rollup_kind(session, tenant_id, kind, cal),
            t.c.ivl_ms >= cal.start_ms,
            t.c.ivl_ms < cal.end_ms,
            *where,
        )
        .group_by(*groups, *keys)
    )
    n_groups, n_keys = len(groups), len(keys)
    out: dict[tuple[GroupKey, int], Acc] = {}
    for row in (await session.execute(query)).all():
        group = tuple(row[:n_groups])
        bucket = cal.bucket_from_keys(tuple(row[n_groups : n_groups + n_keys]))
        acc = out.get((group, bucket))
        if acc is None:
            acc = out[(group, bucket)] = Acc()
        acc.add(row[n_groups + n_keys : -1], row[-1])
    return out


async def kpi_rows(
    session: AsyncSession,
    tenant_id: int,
    group_by: GroupBy,
    cal: ReportCalendar,
    access: Access,
    filters: Filters = Filters(),
    shifts: Sequence[ShiftOutcome] = (),
    team_of: Callable[[str], str | None] = lambda _: None,
    phrase_lists: PhraseLists = PhraseLists(),
) -> list[KpiRow]:
    """The report's rows, ordered by period then group. `shifts` are the outcomes of the
    shifts starting in the report's range (`team_of` gives an agent's team for them);
    `phrase_lists` the lists with per-list phrase columns."""
    kind, columns = GROUPS[group_by]
    t = KpiRollupRow.__table__
    sums = await rollup_groups(
        session, tenant_id, kind, cal, columns, group_filters(t, group_by, filters)
    )
    phrases: dict[tuple[GroupKey, int], PhraseSums] = {}
    if group_by is not GroupBy.pipeline:
        phrases = await phrase_groups(
            session,
            tenant_id,
            await rollup_kind(session, tenant_id, kind, cal),
            cal,
            columns,
            group_filters(PhraseRollupRow.__table__, group_by, filters),
        )

    totals: dict[tuple[GroupKey, int], ShiftTotals] = {}
    if group_by not in (GroupBy.queue, GroupBy.pipeline):
        for outcome in shifts:
            team = team_of(outcome.agent) or ""
            if filters.team and team != filters.team:
                continue
            if filters.agent and outcome.agent != filters.agent:
                continue
            if group_by is GroupBy.team and not team:
                continue
            key: GroupKey = {
                GroupBy.tenant: (),
                GroupBy.team: (team,),
                GroupBy.agent: (outcome.agent, team),
            }[group_by]
            slot = (key, cal.bucket_of(outcome.start_ms))
            found = totals.get(slot)
            if found is None:
                found = totals[slot] = ShiftTotals()
            found.add(outcome)

    slots = set(sums) | set(totals) | set(phrases)
    if group_by is GroupBy.tenant:
        slots |= {((), bucket) for bucket in cal.buckets()}
    rows = []
    empty = Acc()
    no_shifts = ShiftTotals()
    for key, bucket in sorted(slots, key=lambda s: (s[1], s[0])):
        if not _visible(access, group_by, key):
            continue
        acc = sums.get((key, bucket), empty)
        window = acc.window_sums()
        metrics = call_metrics(window)
        if group_by in (GroupBy.queue, GroupBy.pipeline):
            metrics.update(NO_STATES)
            metrics.update(NO_SHIFTS)
        else:
            metrics.update(agent_time_metrics(acc.state_times()))
            metrics.update(totals.get((key, bucket), no_shifts).metrics())
        if group_by is GroupBy.pipeline:
            metrics.update(NO_CALLS)
        metrics.update(pipeline_metrics(window))
        if group_by is GroupBy.pipeline:
            metrics.update(no_phrase_metrics(phrase_lists))
        else:
            metrics.update(phrase_metrics(phrases.get((key, bucket)), phrase_lists))
        rows.append(KpiRow(bucket, key, metrics))
    return rows


GROUPS: Final[dict[GroupBy, tuple[str, tuple[str, ...]]]] = {
    GroupBy.tenant: (TENANT, ()),
    GroupBy.queue: (QUEUE, ("name",)),
    GroupBy.team: (TEAM, ("name",)),
    GroupBy.pipeline: (PIPELINE, ("name",)),
    GroupBy.agent: (AGENT, ("name", "team")),
}
"""The rollup kind and group columns of each grouping (KPI and phrase rollups alike)."""


def group_filters(t: Any, group_by: GroupBy, filters: Filters) -> list[Any]:
    """The conditions on rollup table `t` (KPI or phrase rollups) of a grouping and filters."""
    if group_by is GroupBy.queue:
        return [t.c.name != ""] + ([t.c.name == filters.queue] if filters.queue else [])
    if group_by is GroupBy.team:
        return [t.c.name == filters.team] if filters.team else []
    if group_by is GroupBy.agent:
        where = [t.c.team == filters.team] if filters.team else []
        if filters.agent:
            where.append(t.c.name == filters.agent)
        return where
    return []


async def agent_totals(
    session: AsyncSession,
    tenant_id: int,
    agent: str,
    cal: ReportCalendar,
    shifts: Sequence[ShiftOutcome] = (),
) -> Metrics:
    """One agent's metrics over each bucket of `cal` merged (whatever its team was)."""
    t = KpiRollupRow.__table__
    groups = await rollup_groups(session, tenant_id, AGENT, cal, ("name",), [t.c.name == agent])
    acc = Acc()
    for found in groups.values():
        acc.add(found.sums, found.max_wait)
    p = PhraseRollupRow.__table__
    phrases: PhraseSums = {}
    for by_list in (
        await phrase_groups(
            session,
            tenant_id,
            await rollup_kind(session, tenant_id, AGENT, cal),
            cal,
            ("name",),
            [p.c.name == agent],
        )
    ).values():
        merge_sums(phrases, by_list)
    totals = ShiftTotals()
    for outcome in shifts:
        if outcome.agent == agent:
            totals.add(outcome)
    metrics = call_metrics(acc.window_sums())
    metrics.update(agent_time_metrics(acc.state_times()))
    metrics.update(totals.metrics())
    metrics.update(pipeline_metrics(acc.window_sums()))
    metrics.update(phrase_metrics(phrases, PhraseLists()))
    return metrics


def empty_metrics(group_by: GroupBy) -> Metrics:
    """The metrics of a group with no facts and no shifts (zeros and nulls)."""
    empty = Acc()
    metrics = call_metrics(empty.window_sums())
    if group_by in (GroupBy.queue, GroupBy.pipeline):
        metrics.update(NO_STATES)
        metrics.update(NO_SHIFTS)
    else:
        metrics.update(agent_time_metrics(empty.state_times()))
        metrics.update(ShiftTotals().metrics())
    if group_by is GroupBy.pipeline:
        metrics.update(NO_CALLS)
    metrics.update(pipeline_metrics(empty.window_sums()))
    if group_by is GroupBy.pipeline:
        metrics.update(no_phrase_metrics(PhraseLists()))
    else:
        metrics.update(phrase_metrics(None, PhraseLists()))
    return metrics


def _visible(access: Access, group_by: GroupBy, key: GroupKey) -> bool:
    if group_by is GroupBy.tenant:
        return access.can_see_scope("tenant", {})
    if group_by in (GroupBy.queue, GroupBy.pipeline):
        return access.can_see_scope(f"{group_by.value}:{key[0]}", {})
    if group_by is GroupBy.team:
        return access.can_see_team(key[0] or None)
    return access.can_see_agent(key[0], key[1] or None)
