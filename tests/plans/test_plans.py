"""Plans: validation by metric direction, CRUD, plan versus actual in reports (JSON and CSV),
and progress to plan on a date."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.auth.keys import Scope
from tests.auth.support import make_org
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.reports.support import answered, at, kpi, store_facts

TZ = "Europe/Berlin"
ADMIN = {Scope.ingest, Scope.read, Scope.admin}


def plan(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metric": "answered",
        "scope": "team:North",
        "period": "day",
        "start_date": "2024-05-01",
        "end_date": "2024-05-31",
        "minimum": 2,
        "standard": 4,
        "maximum": 6,
    }
    body.update(changes)
    return body


async def setup(app: RunningApp) -> tuple[int, str]:
    url = app.settings.database_url
    tenant_id, key = await make_tenant_key(url, ADMIN, timezone=TZ)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]}, ("Sales",))
    calls = [
        answered(
            f"c{i}",
            "Sales",
            "n1",
            "North",
            at(TZ, 2024, 5, 14, 9, i),
            at(TZ, 2024, 5, 14, 9, i, 10),
            300,
        )
        for i in range(5)
    ]
    calls.append(
        answered(
            "x", "Sales", "s1", "South", at(TZ, 2024, 5, 14, 9), at(TZ, 2024, 5, 14, 9, 1), 200
        )
    )
    await store_facts(url, tenant_id, calls)
    return tenant_id, key


async def test_plan_validation_follows_the_metric_direction(app_server: RunningApp) -> None:
    _, key = await setup(app_server)
    async with app_server.client(key) as client:
        unknown = await client.post("/v1/plans", json=plan(metric="happiness"))
        assert unknown.status_code == 400
        assert "unknown metric" in unknown.json()["error"]["message"]
        upside_down = await client.post("/v1/plans", json=plan(minimum=7))
        assert upside_down.status_code == 400
        assert "minimum <= standard <= maximum" in upside_down.json()["error"]["message"]
        aht = await client.post(
            "/v1/plans", json=plan(metric="aht", minimum=330, standard=300, maximum=270)
        )
        assert aht.status_code == 201, aht.text
        aht_wrong = await client.post(
            "/v1/plans", json=plan(metric="aht", minimum=270, standard=300, maximum=330)
        )
        assert aht_wrong.status_code == 400
        assert (await client.post("/v1/plans", json=plan(scope="squad:X"))).status_code == 400
        assert (await client.post("/v1/plans", json=plan(period="year"))).status_code == 422
        backwards = await client.post("/v1/plans", json=plan(end_date="2024-04-01"))
        assert backwards.status_code == 400


async def test_crud_and_plan_versus_actual_in_reports(app_server: RunningApp) -> None:
    _, key = await setup(app_server)
    async with app_server.client(key) as client:
        created = (await client.post("/v1/plans", json=plan())).json()
        aht = (
            await client.post(
                "/v1/plans", json=plan(metric="aht", minimum=330, standard=300, maximum=270)
            )
        ).json()
        assert (await client.get(f"/v1/plans/{created['id']}")).json()["standard"] == 4
        changed = await client.put(f"/v1/plans/{created['id']}", json=plan(standard=5))
        assert changed.json()["standard"] == 5
        listed = (await client.get("/v1/plans", params={"metric": "answered"})).json()
        assert [p["id"] for p in listed] == [created["id"]]

    body = await kpi(
        app_server, key, group_by="team", plan="true", **{"from": "2024-05-14", "to": "2024-05-14"}
    )
    rows = {r["team"]: r for r in body["rows"]}
    north = rows["North"]["plan"]
    assert north["answered"] == {
        "plan_id": created["id"],
        "actual": 5,
        "minimum": 2.0,
        "standard": 5.0,
        "maximum": 6.0,
        "deviation": 0.0,
        "deviation_pct": 0.0,
        "level": "standard",
    }
    assert north["aht"]["level"] == "standard"  # 300 s: at the plan, not the optimistic 270
    assert north["aht"]["deviation"] == 0.0
    assert rows["South"]["plan"] == {}

    async with app_server.client(key) as client:
        response = await client.get(
            "/v1/reports/kpi",
            params={
                "group_by": "team",
                "plan": "true",
                "format": "csv",
                "from": "2024-05-14",
                "to": "2024-05-14",
            },
        )
        table = {r["team"]: r for r in csv.DictReader(io.StringIO(response.text))}
        assert table["North"]["answered_standard"] == "5.0"
        assert table["North"]["answered_level"] == "standard"
        assert table["South"]["answered_level"] == ""
        assert (await client.delete(f"/v1/plans/{aht['id']}")).status_code == 204
        assert (await client.get(f"/v1/plans/{aht['id']}")).status_code == 404


async def test_progress_to_plan_on_a_date(app_server: RunningApp) -> None:
    _, key = await setup(app_server)
    async with app_server.client(key) as client:
        day = (await client.post("/v1/plans", json=plan(maximum=None))).json()
        month = (
            await client.post(
                "/v1/plans",
                json=plan(scope="tenant", period="month", minimum=None, standard=60, maximum=None),
            )
        ).json()
        await client.post("/v1/plans", json=plan(start_date="2024-06-01", end_date="2024-06-30"))
        aht = (
            await client.post(
                "/v1/plans", json=plan(metric="aht", minimum=330, standard=280, maximum=250)
            )
        ).json()
        response = await client.get("/v1/plans/progress", params={"date": "2024-05-14"})
    assert response.status_code == 200, response.text
    items = {p["plan_id"]: p for p in response.json()}
    assert set(items) == {day["id"], month["id"], aht["id"]}
    # less is better: 300 s against a plan of 280 s is short of the plan (280 / 300), not 107 %
    slow = items[aht["id"]]
    assert (slow["actual"], slow["deviation"], slow["level"]) == (300, 20, "minimum")
    assert slow["progress"] == 280 / 300
    team = items[day["id"]]
    assert (team["actual"], team["progress"], team["level"], team["elapsed"]) == (
        5,
        1.25,
        "standard",
        1.0,
    )
    assert (team["period_start"], team["period_end"]) == (
        "2024-05-14T00:00:00+02:00",
        "2024-05-15T00:00:00+02:00",
    )
    tenant = items[month["id"]]
    assert (tenant["actual"], tenant["progress"], tenant["level"]) == (6, 0.1, "below_minimum")
    assert tenant["period_start"] == "2024-05-01T00:00:00+02:00"
