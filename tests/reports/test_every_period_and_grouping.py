"""Every report period with every grouping, on both databases (memory engine on SQLite, redis
engine on PostgreSQL), over a day without a DST change: the hour buckets then have one UTC
offset, which SQLite once took for a GROUP BY column position (`3rd GROUP BY term out of
range`)."""

from __future__ import annotations

import pytest

from app.kpi.rows import GroupBy
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.reports.support import abandoned, answered, at, kpi, state, store_facts

TZ = "Europe/Warsaw"
PERIODS = ("interval", "hour", "day", "week", "month")
DAY = {"from": "2024-06-12", "to": "2024-06-12"}


@pytest.mark.parametrize("period", PERIODS)
async def test_every_grouping_of_a_period_answers_with_the_day_totals(
    app_server: RunningApp, period: str
) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, timezone=TZ)
    nine, ten = at(TZ, 2024, 6, 12, 9, 5), at(TZ, 2024, 6, 12, 10, 40)
    await store_facts(
        url,
        tenant_id,
        [
            answered("c1", "Sales", "n1", "North", nine, nine + 5_000, 100),
            answered("c2", "Support", "s1", "South", ten, ten + 30_000, 50),
            abandoned("c3", "Sales", ten, ten + 60_000),
            state("n1", "North", "available", nine - 600_000, nine),
        ],
    )
    for group_by in GroupBy:
        body = await kpi(app_server, key, group_by=group_by.value, period=period, **DAY)
        if group_by is GroupBy.pipeline:  # calls belong to no pipeline
            assert body["rows"] == [], period
            continue
        rows = [r for r in body["rows"] if r["metrics"]["offered"]]
        assert sum(r["metrics"]["answered"] for r in rows) == 2, (group_by, period)
        if group_by in (GroupBy.tenant, GroupBy.queue):  # an abandon has no team or agent
            assert sum(r["metrics"]["abandoned"] for r in rows) == 1, (group_by, period)
        if period == "hour" and group_by is GroupBy.queue:
            assert sorted((r["period"], r["queue"]) for r in rows) == [
                ("2024-06-12T09:00+02:00", "Sales"),
                ("2024-06-12T10:00+02:00", "Sales"),
                ("2024-06-12T10:00+02:00", "Support"),
            ]
        if period == "hour" and group_by is GroupBy.tenant:
            assert len(body["rows"]) == 24
