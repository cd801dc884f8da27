"""Shifts: CRUD and CSV import in local time; lateness, absence, early leave and adherence from
the agents' state facts, cached for finished shifts and recomputed when new facts arrive; a
shift in progress judged on the live board."""

from __future__ import annotations

from typing import Any

import pytest

from app.auth.keys import Scope
from tests.auth.support import make_org
from tests.conftest import RunningApp
from tests.helpers import ev, eventually, make_tenant_key
from tests.reports.support import at, kpi, state, store_facts

TZ = "Europe/Berlin"
ADMIN = {Scope.ingest, Scope.read, Scope.admin}
DAY = (2024, 5, 14)
CSV = """agent,start,end,break_minutes,note
a1,2024-05-14 08:00,2024-05-14 16:00,30,early
a2,2024-05-14T08:00,2024-05-14T16:00,0,
a3,2024-05-14T06:00:00Z,2024-05-14T14:00:00Z
"""


def t(h: int, m: int = 0) -> int:
    return at(TZ, *DAY, h, m)


FACTS = [
    state("a1", "North", "available", t(7, 55), t(12)),
    state("a1", "North", "on_call", t(12), t(12, 10)),
    state("a1", "North", "break", t(12, 10), t(12, 40), "lunch"),
    state("a1", "North", "available", t(12, 40), t(16, 5)),
    state("a2", "North", "available", t(8, 12), t(15, 30)),
]


async def setup(app: RunningApp) -> tuple[int, str]:
    url = app.settings.database_url
    tenant_id, key = await make_tenant_key(url, ADMIN, timezone=TZ)
    await make_org(url, tenant_id, {"North": ["a1", "a2"], "South": ["a3"]})
    async with app.client(key) as client:
        response = await client.post("/v1/shifts/import", content=CSV)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 3, "updated": 0}
    return tenant_id, key


async def shifts(app: RunningApp, key: str) -> dict[str, dict[str, Any]]:
    async with app.client(key) as client:
        response = await client.get("/v1/shifts", params={"from": "2024-05-14", "to": "2024-05-14"})
    assert response.status_code == 200, response.text
    return {s["agent"]: s for s in response.json()}


async def test_lateness_absence_early_leave_and_adherence(app_server: RunningApp) -> None:
    tenant_id, key = await setup(app_server)
    await store_facts(app_server.settings.database_url, tenant_id, FACTS)
    got = await shifts(app_server, key)
    a1, a2, a3 = got["a1"]["outcome"], got["a2"]["outcome"], got["a3"]["outcome"]
    assert got["a1"]["start"] == "2024-05-14T08:00:00+02:00"
    assert got["a3"]["start"] == "2024-05-14T08:00:00+02:00"  # given in UTC
    assert (got["a1"]["break_minutes"], got["a1"]["note"], got["a1"]["team"]) == (
        30,
        "early",
        "North",
    )
    assert a1 == {
        "status": "finished",
        "present": True,
        "absent": False,
        "late_minutes": 0.0,
        "early_leave_minutes": 0.0,
        "productive_minutes": 450.0,
        "adherence": 1.0,
    }
    assert (a2["late_minutes"], a2["early_leave_minutes"], a2["productive_minutes"]) == (
        12,
        30,
        438,
    )
    assert a2["adherence"] == 438 / 480
    assert (a3["absent"], a3["present"], a3["adherence"]) == (True, False, 0.0)

    body = await kpi(app_server, key, group_by="team", **{"from": "2024-05-14", "to": "2024-05-14"})
    teams = {r["team"]: r["metrics"] for r in body["rows"]}
    north = teams["North"]
    assert (north["shifts"], north["late"], north["lateness"], north["absent"]) == (2, 1, 12.0, 0)
    assert (north["early_leave"], north["early_leave_minutes"]) == (1, 30.0)
    assert north["adherence"] == (450 + 438) / (450 + 480)
    south = teams["South"]
    assert (south["shifts"], south["absent"], south["absence_rate"]) == (1, 1, 1.0)
    tenant = await kpi(app_server, key, **{"from": "2024-05-14", "to": "2024-05-14"})
    assert tenant["rows"][0]["metrics"]["absence_rate"] == 1 / 3

    # a late login of a3 arrives: the cached outcome is recomputed
    await store_facts(
        app_server.settings.database_url,
        tenant_id,
        [state("a3", "South", "available", t(8, 30), t(9))],
    )
    a3 = (await shifts(app_server, key))["a3"]["outcome"]
    assert (a3["absent"], a3["late_minutes"], a3["early_leave_minutes"]) == (False, 30.0, 420.0)


async def test_crud_local_times_and_refusals(app_server: RunningApp) -> None:
    _, key = await setup(app_server)
    async with app_server.client(key) as client:
        created = await client.post(
            "/v1/shifts",
            json={"agent": "a1", "start": "2024-05-15T09:00", "end": "2024-05-15T17:30"},
        )
        assert created.status_code == 201, created.text
        shift = created.json()
        assert (shift["start"], shift["end"]) == (
            "2024-05-15T09:00:00+02:00",
            "2024-05-15T17:30:00+02:00",
        )
        assert shift["outcome"]["status"] == "finished"
        overlap = await client.post(
            "/v1/shifts",
            json={"agent": "a1", "start": "2024-05-15T17:00", "end": "2024-05-15T20:00"},
        )
        assert overlap.status_code == 409
        gap = await client.post(
            "/v1/shifts",
            json={"agent": "a1", "start": "2024-03-31T02:30", "end": "2024-03-31T10:00"},
        )
        assert gap.status_code == 400
        assert "does not exist" in gap.json()["error"]["message"]
        ancient = await client.post(
            "/v1/shifts",
            json={"agent": "a1", "start": "0001-01-01T08:00", "end": "0001-01-01T09:00"},
        )
        assert ancient.status_code == 400
        backwards = await client.post(
            "/v1/shifts",
            json={"agent": "a1", "start": "2024-05-16T10:00", "end": "2024-05-16T09:00"},
        )
        assert backwards.status_code == 400
        moved = await client.put(
            f"/v1/shifts/{shift['id']}",
            json={
                "agent": "a1",
                "start": "2024-05-15T10:00+02:00",
                "end": "2024-05-15T18:00+02:00",
                "break_minutes": 45,
            },
        )
        assert moved.status_code == 200
        assert moved.json()["break_minutes"] == 45
        assert (await client.get(f"/v1/shifts/{shift['id']}")).json()[
            "start"
        ] == "2024-05-15T10:00:00+02:00"
        assert (await client.delete(f"/v1/shifts/{shift['id']}")).status_code == 204
        assert (await client.get(f"/v1/shifts/{shift['id']}")).status_code == 404

        again = await client.post("/v1/shifts/import", content=CSV.replace(",30,early", ",15,"))
        assert again.json() == {"created": 0, "updated": 3}
        bad = await client.post(
            "/v1/shifts/import",
            content=(
                "a1,2024-05-20 08:00\n"
                "a2,2024-05-20 08:00,2024-05-20 07:00\n"
                "a3,2024-03-31 02:15,2024-03-31 09:00\n"
            ),
        )
        assert bad.status_code == 400
        lines = [d["line"] for d in bad.json()["error"]["details"]]
        assert lines == [1, 2, 3]
        clash = await client.post(
            "/v1/shifts/import", content="a1,2024-05-14 15:00,2024-05-14 20:00\n"
        )
        assert clash.status_code == 409
    assert (await shifts(app_server, key))["a1"]["break_minutes"] == 15


async def test_unknown_agents_are_refused_and_every_bad_line_is_reported(
    app_server: RunningApp,
) -> None:
    _, key = await setup(app_server)
    async with app_server.client(key) as client:
        bad = await client.post(
            "/v1/shifts/import",
            content=(
                "agent,start,end\n"
                "a1,2024-05-21 08:00,2024-05-21 16:00\n"
                "nobody-x,2024-05-21 08:00,2024-05-21 16:00\n"
                "a2,not a time,2024-05-21 16:00\n"
                "nobody-y,2024-05-21 08:00,2024-05-21 16:00\n"
            ),
        )
        assert bad.status_code == 400, bad.text
        details = bad.json()["error"]["details"]
        assert [d["line"] for d in details] == [3, 4, 5]
        assert [d.get("field") for d in details] == ["agent", None, "agent"]
        assert "nobody-x" in details[0]["reason"]
        one = await client.post(
            "/v1/shifts",
            json={"agent": "nobody-x", "start": "2024-05-22T08:00", "end": "2024-05-22T16:00"},
        )
        assert one.status_code == 400
        assert one.json()["error"]["details"][0]["field"] == "agent"
        listed = await client.get("/v1/shifts", params={"from": "2024-05-21", "to": "2024-05-22"})
    assert listed.json() == [], "nothing of a refused file is imported"


@pytest.mark.slow
async def test_a_shift_in_progress_is_judged_on_the_live_board(event_app: RunningApp) -> None:
    url = event_app.settings.database_url
    tenant_id, key = await make_tenant_key(url, ADMIN, timezone=TZ)
    await make_org(url, tenant_id, {"North": ["a1", "a2"], "South": ["a3"]})
    async with event_app.client(key) as client:
        assert (await client.post("/v1/shifts/import", content=CSV)).status_code == 200
        events = [
            ev("agent.login", t(7, 58), agent="a1"),
            ev("agent.login", t(8, 20), agent="a2"),
        ]
        assert (await client.post("/v1/events", json=events)).status_code == 200

        async def clock_reached() -> bool:
            board = (await client.get("/v1/agents")).json()
            return len(board["agents"]) == 2

        await eventually(clock_reached)
    got = await shifts(event_app, key)
    assert got["a1"]["outcome"]["status"] == "in_progress"
    assert (got["a1"]["outcome"]["present"], got["a1"]["outcome"]["late_minutes"]) == (True, 0.0)
    assert got["a2"]["outcome"]["late_minutes"] == 20.0
    assert got["a2"]["outcome"]["productive_minutes"] == 0.0  # logged in just now
    assert got["a1"]["outcome"]["productive_minutes"] == 20.0  # available since before 08:00
    assert (got["a3"]["outcome"]["absent"], got["a3"]["outcome"]["adherence"]) == (True, None)
