"""The KPI report over facts written directly: DST days, hour buckets of the repeated hour,
state time split over intervals and days, idempotent fact writes, rebuilding the rollups,
CSV, and the parameters that are refused."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import update

from app.core.db import Database
from app.facts.rollups import KpiRollupZone, daily_zone, rebuild_rollups
from app.kpi.rows import METRICS
from app.streams.aggregator.facts import Fact
from app.tenancy.models import Tenant
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.reports.support import (
    abandoned,
    answered,
    at,
    deal,
    kpi,
    state,
    store_facts,
    survey,
)

TZ = "Europe/Warsaw"
GROUP_BYS = ("tenant", "queue", "team", "agent")


def dst_facts() -> list[Fact]:
    first_0230 = at(TZ, 2024, 10, 27, 2, 30, fold=0)
    second_0230 = at(TZ, 2024, 10, 27, 2, 30, fold=1)
    assert second_0230 - first_0230 == 3_600_000
    return [
        answered("c1", "Sales", "n1", "North", first_0230 - 10_000, first_0230, 120, 30),
        answered("c2", "Sales", "n1", "North", second_0230 - 40_000, second_0230, 60),
        abandoned("c3", "Sales", second_0230, second_0230 + 3_000),
        abandoned("c4", "Support", second_0230, second_0230 + 90_000),
        state("n1", "North", "available", at(TZ, 2024, 10, 26, 23), at(TZ, 2024, 10, 27, 1)),
        state("n1", "North", "on_call", first_0230, first_0230 + 120_000),
        state("n1", "North", "wrapup", first_0230 + 120_000, first_0230 + 150_000),
        state("s1", "South", "available", at(TZ, 2024, 3, 31, 1, 30), at(TZ, 2024, 3, 31, 3, 30)),
        deal("d1", "n1", "North", "Sales", 99.5, first_0230 + 60_000),
        survey("s1", 5, "n1", "North", "Sales", second_0230 + 120_000),
        survey("s2", 3, None, None, "Sales", second_0230 + 130_000),
    ]


def rows_by(body: dict[str, Any], field: str = "period") -> dict[str, dict[str, Any]]:
    return {row[field]: row for row in body["rows"]}


@pytest.fixture
async def tenant(app_server: RunningApp) -> tuple[int, str]:
    tenant_id, key = await make_tenant_key(app_server.settings.database_url, timezone=TZ)
    await store_facts(app_server.settings.database_url, tenant_id, dst_facts())
    return tenant_id, key


async def test_autumn_day_and_its_repeated_hour(
    app_server: RunningApp, tenant: tuple[int, str]
) -> None:
    _, key = tenant
    day = await kpi(
        app_server,
        key,
        group_by="tenant",
        period="day",
        **{"from": "2024-10-26", "to": "2024-10-27"},
    )
    rows = rows_by(day)
    sunday = rows["2024-10-27"]
    assert (sunday["start"], sunday["end"]) == (
        "2024-10-27T00:00:00+02:00",
        "2024-10-28T00:00:00+01:00",
    )
    m = sunday["metrics"]
    assert (m["offered"], m["answered"], m["abandoned"], m["short_abandoned"]) == (4, 2, 2, 1)
    assert m["service_level"] == 1 / 3  # c1 within 20 s; c2 waited 40 s; c3 short
    assert m["abandonment_rate"] == 1 / 3
    assert m["asa"] == 25.0
    assert m["max_wait"] == 90.0
    assert m["aht"] == (150 + 60) / 2
    assert (m["deals"], m["revenue"], m["conversion"], m["average_deal"]) == (1, 99.5, 0.5, 99.5)
    assert (m["csat_responses"], m["csat_mean"], m["csat_satisfied"]) == (2, 4.0, 0.5)
    assert m["time_available"] == 3600.0
    assert rows["2024-10-26"]["metrics"]["time_available"] == 3600.0
    assert m["occupancy"] == 150 / (150 + 3600)

    hour = await kpi(
        app_server,
        key,
        group_by="queue",
        period="hour",
        **{"from": "2024-10-27", "to": "2024-10-27"},
    )
    sales = {r["period"]: r["metrics"] for r in hour["rows"] if r["queue"] == "Sales"}
    assert sales["2024-10-27T02:00+02:00"]["answered"] == 1
    assert sales["2024-10-27T02:00+01:00"]["answered"] == 1
    assert sales["2024-10-27T02:00+01:00"]["abandoned"] == 1
    tenant_hours = await kpi(
        app_server, key, period="hour", **{"from": "2024-10-27", "to": "2024-10-27"}
    )
    assert len(tenant_hours["rows"]) == 25


async def test_spring_day_splits_state_time_over_real_hours(
    app_server: RunningApp, tenant: tuple[int, str]
) -> None:
    _, key = tenant
    params = {"from": "2024-03-31", "to": "2024-03-31"}
    day = await kpi(app_server, key, group_by="agent", period="day", **params)
    (row,) = day["rows"]
    assert (row["agent"], row["team"]) == ("s1", "South")
    assert row["metrics"]["time_available"] == 3600.0  # 01:30 to 03:30 local is one hour
    assert (row["start"], row["end"]) == ("2024-03-31T00:00:00+01:00", "2024-04-01T00:00:00+02:00")
    hours = await kpi(app_server, key, group_by="team", period="hour", **params)
    got = {r["period"]: r["metrics"]["time_available"] for r in hours["rows"]}
    assert got == {"2024-03-31T01:00+01:00": 1800.0, "2024-03-31T03:00+02:00": 1800.0}
    week = await kpi(app_server, key, period="week", **params)
    (only,) = week["rows"]
    assert (only["period"], only["start"]) == ("2024-W13", "2024-03-25T00:00:00+01:00")


async def test_writing_facts_again_and_rebuilding_change_nothing(
    app_server: RunningApp, tenant: tuple[int, str]
) -> None:
    tenant_id, key = tenant
    url = app_server.settings.database_url
    params = {"group_by": "agent", "period": "interval", "from": "2024-10-27", "to": "2024-10-27"}
    before = await kpi(app_server, key, **params)
    await store_facts(url, tenant_id, dst_facts())
    assert await kpi(app_server, key, **params) == before
    db = Database(url)
    try:
        assert await rebuild_rollups(db, tenant_id) == len(dst_facts())
    finally:
        await db.close()
    assert await kpi(app_server, key, **params) == before
    intervals = {r["period"] for r in before["rows"]}
    assert {"2024-10-27T02:30+02:00", "2024-10-27T00:00+02:00"} <= intervals


async def test_csv_has_one_column_per_metric_and_empty_cells_for_nulls(
    app_server: RunningApp, tenant: tuple[int, str]
) -> None:
    _, key = tenant
    async with app_server.client(key) as client:
        response = await client.get(
            "/v1/reports/kpi",
            params={"group_by": "agent", "from": "2024-10-27", "to": "2024-10-27", "format": "csv"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert list(table[0]) == ["period", "start", "end", "agent", "agent_name", "team", *METRICS]
    (row,) = table
    assert (row["period"], row["agent"], row["team"]) == ("2024-10-27", "n1", "North")
    assert (row["answered"], row["handled"], row["deals"]) == ("2", "2", "1")
    assert float(row["aht"]) == 105.0
    assert row["shifts"] == "0"
    assert (row["absence_rate"], row["adherence"]) == ("", "")  # no shifts: null, not 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2024-03-02", "to": "2024-03-01"}, "before"),
        ({"from": "2024-03-01", "to": "2024-06-01", "period": "interval"}, "periods"),
        ({"from": "yesterday-ish", "to": "2024-03-01"}, "expected a date"),
        ({"from": "2024-03-01", "to": "2024-03-01", "team": "North"}, "does not apply"),
        ({"from": "0001-01-01", "to": "2024-03-01"}, "expected a date from 1970-01-02"),
        ({"from": "2024-03-01", "to": "9999-12-31", "period": "month"}, "to 9998-12-31"),
    ],
)
async def test_bad_parameters_are_refused_with_a_reason(
    app_server: RunningApp, tenant: tuple[int, str], params: dict[str, str], message: str
) -> None:
    _, key = tenant
    async with app_server.client(key) as client:
        response = await client.get("/v1/reports/kpi", params=params)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


async def test_daily_rows_agree_with_the_15_minute_rows_and_a_new_zone_falls_back(
    app_server: RunningApp, tenant: tuple[int, str]
) -> None:
    """Day reports read the daily rollup rows; if they were cut in another zone than the
    tenant's (its time zone changed), the 15-minute rows answer, until a rebuild."""
    tenant_id, key = tenant
    url = app_server.settings.database_url
    params = {"period": "day", "from": "2024-10-26", "to": "2024-10-28"}
    daily = {g: await kpi(app_server, key, group_by=g, **params) for g in GROUP_BYS}
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(update(KpiRollupZone).values(timezone="Asia/Tokyo"))
        async with db.engine.connect() as conn:
            assert await daily_zone(conn, tenant_id) is None
        fallback = {g: await kpi(app_server, key, group_by=g, **params) for g in GROUP_BYS}
        assert fallback == daily
        async with db.engine.begin() as conn:
            await conn.execute(update(KpiRollupZone).values(timezone=TZ))
            await conn.execute(
                update(Tenant).where(Tenant.id == tenant_id).values(timezone="Asia/Tokyo")
            )
        await store_facts(
            url,
            tenant_id,
            [
                answered(
                    "late",
                    "Sales",
                    "n1",
                    "North",
                    at(TZ, 2024, 10, 27, 9),
                    at(TZ, 2024, 10, 27, 9, 0, 5),
                    60,
                )
            ],
        )
        tokyo = await kpi(app_server, key, group_by="tenant", **params)
        await rebuild_rollups(db, tenant_id)
        async with db.engine.connect() as conn:
            assert await daily_zone(conn, tenant_id) == "Asia/Tokyo"
    finally:
        await db.close()
    assert await kpi(app_server, key, group_by="tenant", **params) == tokyo
    assert tokyo["rows"][1]["start"] == "2024-10-27T00:00:00+09:00"
    assert sum(r["metrics"]["answered"] for r in tokyo["rows"]) == 3
    # 23:00-01:00 in Warsaw on the night to the 27th is 06:00-08:00 on the 27th in Tokyo
    assert [r["metrics"]["time_available"] for r in tokyo["rows"]] == [0.0, 7200.0, 0.0]
