"""Team scoping of reports, shifts, plans and coaching over real HTTP: a team lead of North
gets no South rows and cannot read or write South's shifts, plans and notes; an agent sees
only itself and writes nothing; a wall display reads none of them (only its wall)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app.auth.keys import Scope
from app.auth.roles import Role
from tests.auth.support import Token, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.reports.support import abandoned, answered, at, state, store_facts

TZ = "Europe/Berlin"
DAY = {"from": "2024-05-14", "to": "2024-05-14"}


def t(h: int, m: int = 0) -> int:
    return at(TZ, 2024, 5, 14, h, m)


async def build(app: RunningApp) -> tuple[str, dict[str, Token], dict[str, int]]:
    url = app.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, timezone=TZ, name=f"s-{uuid.uuid4().hex[:8]}"
    )
    await make_org(url, tenant_id, {"North": ["n1", "n2"], "South": ["s1"]}, ("Sales",))
    await store_facts(
        url,
        tenant_id,
        [
            answered("c1", "Sales", "n1", "North", t(9), t(9, 1), 300),
            answered("c2", "Sales", "s1", "South", t(9), t(9, 2), 200),
            abandoned("c3", "Sales", t(9), t(9, 3)),
            state("n1", "North", "available", t(8), t(9, 1)),
            state("s1", "South", "available", t(8), t(9, 2)),
        ],
    )
    ids: dict[str, int] = {}
    async with app.client(key) as client:
        for agent in ("n1", "s1"):
            shift = await client.post(
                "/v1/shifts",
                json={"agent": agent, "start": "2024-05-14T08:00", "end": "2024-05-14T16:00"},
            )
            ids[f"shift:{agent}"] = shift.json()["id"]
            note = await client.post(
                "/v1/coaching", json={"agent": agent, "date": "2024-05-14", "topic": "Greeting"}
            )
            ids[f"note:{agent}"] = note.json()["id"]
        for team in ("North", "South"):
            plan = await client.post(
                "/v1/plans",
                json={
                    "metric": "answered",
                    "scope": f"team:{team}",
                    "period": "day",
                    "start_date": "2024-05-01",
                    "end_date": "2024-05-31",
                    "standard": 1,
                },
            )
            ids[f"plan:{team}"] = plan.json()["id"]
    users = {
        "lead.north": {"role": Role.team_lead, "teams": ("North",)},
        "agent.n1": {"role": Role.agent, "agent": "n1"},
        "wall": {"role": Role.display},
    }
    tokens = {}
    for name, spec in users.items():
        user_id = await make_user(url, tenant_id, name, **spec)  # type: ignore[arg-type]
        tokens[name] = await make_token(url, user_id)
    return key, tokens, ids


def client(app: RunningApp, who: Token) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=app.base_url, headers=who.headers(), timeout=30)


async def rows(c: httpx.AsyncClient, group_by: str) -> list[dict[str, Any]]:
    response = await c.get("/v1/reports/kpi", params={"group_by": group_by, **DAY})
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["rows"]
    return result


async def test_team_lead_of_north_gets_nothing_of_south(app_server: RunningApp) -> None:
    _, tokens, ids = await build(app_server)
    async with client(app_server, tokens["lead.north"]) as c:
        assert [r["agent"] for r in await rows(c, "agent")] == ["n1"]
        assert [r["team"] for r in await rows(c, "team")] == ["North"]
        assert [r["queue"] for r in await rows(c, "queue")] == ["Sales"]
        (tenant,) = await rows(c, "tenant")
        assert tenant["metrics"]["offered"] == 3  # the floor-wide figures stay whole
        csv_text = (
            await c.get("/v1/reports/kpi", params={"group_by": "agent", "format": "csv", **DAY})
        ).text
        assert "s1" not in csv_text
        assert "South" not in csv_text

        assert [s["agent"] for s in (await c.get("/v1/shifts", params=DAY)).json()] == ["n1"]
        assert (await c.get(f"/v1/shifts/{ids['shift:s1']}")).status_code == 404
        south_shift = {"agent": "s1", "start": "2024-05-15T08:00", "end": "2024-05-15T16:00"}
        assert (await c.post("/v1/shifts", json=south_shift)).status_code == 403
        assert (await c.post("/v1/shifts", json={**south_shift, "agent": "n1"})).status_code == 201
        assert (await c.delete(f"/v1/shifts/{ids['shift:s1']}")).status_code == 404
        assert (
            await c.post("/v1/shifts/import", content="s1,2024-05-16 08:00,2024-05-16 16:00\n")
        ).status_code == 403

        assert [p["scope"] for p in (await c.get("/v1/plans")).json()] == ["team:North"]
        assert (await c.get(f"/v1/plans/{ids['plan:South']}")).status_code == 404
        progress = (await c.get("/v1/plans/progress", params={"date": "2024-05-14"})).json()
        assert [p["scope"] for p in progress] == ["team:North"]
        plan = {
            "metric": "aht",
            "period": "day",
            "start_date": "2024-05-01",
            "end_date": "2024-05-31",
            "standard": 300,
        }
        assert (await c.post("/v1/plans", json={**plan, "scope": "team:South"})).status_code == 403
        assert (await c.post("/v1/plans", json={**plan, "scope": "tenant"})).status_code == 403
        assert (await c.post("/v1/plans", json={**plan, "scope": "team:North"})).status_code == 201

        assert [n["agent"] for n in (await c.get("/v1/coaching")).json()] == ["n1"]
        assert (await c.get(f"/v1/coaching/{ids['note:s1']}")).status_code == 404
        assert (await c.get(f"/v1/coaching/{ids['note:s1']}/impact")).status_code == 404
        note = {"agent": "s1", "date": "2024-05-15", "topic": "x"}
        assert (await c.post("/v1/coaching", json=note)).status_code == 403
        mine = await c.post("/v1/coaching", json={**note, "agent": "n1"})
        assert mine.json()["author"] == "lead.north"


async def test_agent_sees_itself_and_a_display_reads_no_reports_and_neither_writes(
    app_server: RunningApp,
) -> None:
    _, tokens, ids = await build(app_server)
    async with client(app_server, tokens["agent.n1"]) as c:
        assert [r["agent"] for r in await rows(c, "agent")] == ["n1"]
        assert await rows(c, "team") == []
        assert [s["agent"] for s in (await c.get("/v1/shifts", params=DAY)).json()] == ["n1"]
        assert (await c.get(f"/v1/coaching/{ids['note:n1']}/impact")).status_code == 200
        shift = {"agent": "n1", "start": "2024-05-15T08:00", "end": "2024-05-15T16:00"}
        assert (await c.post("/v1/shifts", json=shift)).status_code == 403
        assert (await c.delete(f"/v1/coaching/{ids['note:n1']}")).status_code == 403
    async with client(app_server, tokens["wall"]) as c:  # a display reads its wall only
        for group_by in ("agent", "team", "queue", "tenant"):
            report = await c.get("/v1/reports/kpi", params={"group_by": group_by, **DAY})
            assert report.status_code == 403, group_by
        assert (await c.get("/v1/shifts", params=DAY)).status_code == 403
        assert (await c.get("/v1/plans")).status_code == 403
        assert (await c.get("/v1/coaching")).status_code == 403
        assert (await c.get(f"/v1/coaching/{ids['note:n1']}")).status_code == 403
        plan = {
            "metric": "aht",
            "period": "day",
            "start_date": "2024-05-01",
            "end_date": "2024-05-31",
            "standard": 300,
        }
        assert (await c.post("/v1/plans", json=plan)).status_code == 403
