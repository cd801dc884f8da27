"""`/v1/dashboards` over real HTTP on both engines (SQLite and PostgreSQL): CRUD, validation,
optimistic concurrency, team sharing and display links."""

from __future__ import annotations

from typing import Any

import httpx

from app.auth.keys import Scope
from app.auth.roles import Role
from app.dashboards.defaults import DEFAULT_NAME
from tests.auth.support import bearer, login, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key

KPI: dict[str, Any] = {
    "id": "waiting",
    "type": "kpi",
    "x": 0,
    "y": 0,
    "w": 3,
    "h": 2,
    "metric": "calls_waiting",
    "window": "live",
    "thresholds": {"direction": "above", "warn": 3, "crit": 6},
}


async def call(
    app: RunningApp, method: str, path: str, headers: dict[str, str], body: Any = None
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, json=body)


async def admin_headers(app: RunningApp) -> tuple[int, dict[str, str]]:
    tenant_id, key = await make_tenant_key(app.settings.database_url, {Scope.read, Scope.admin})
    return tenant_id, bearer(key)


async def test_a_tenant_without_dashboards_gets_the_default_once(app_server: RunningApp) -> None:
    _, headers = await admin_headers(app_server)
    first = await call(app_server, "GET", "/v1/dashboards", headers)
    again = await call(app_server, "GET", "/v1/dashboards", headers)
    assert first.status_code == 200, first.text
    assert [d["name"] for d in first.json()] == [DEFAULT_NAME]
    assert again.json() == first.json()
    default = first.json()[0]
    types = {w["type"] for w in default["widgets"]}
    assert types == {"kpi", "gauge", "queue_table", "agent_board", "chart", "leaderboard", "alerts"}
    assert default["can_edit"] is True
    assert default["team"] is None


async def test_create_read_update_delete(app_server: RunningApp) -> None:
    _, headers = await admin_headers(app_server)
    created = await call(
        app_server, "POST", "/v1/dashboards", headers, {"name": "Sales floor", "widgets": [KPI]}
    )
    assert created.status_code == 201, created.text
    dashboard = created.json()
    assert dashboard["version"] == 1
    assert dashboard["widgets"][0]["thresholds"] == KPI["thresholds"]
    path = f"/v1/dashboards/{dashboard['id']}"

    moved = {**KPI, "x": 9, "title": "Waiting now"}
    updated = await call(
        app_server,
        "PUT",
        path,
        headers,
        {"name": "Sales floor 2", "widgets": [moved], "version": 1},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    got = (await call(app_server, "GET", path, headers)).json()
    assert got["name"] == "Sales floor 2"
    assert got["widgets"][0]["x"] == 9
    assert got["widgets"][0]["title"] == "Waiting now"

    stale = await call(
        app_server, "PUT", path, headers, {"name": "Lost update", "widgets": [], "version": 1}
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["details"][0]["field"] == "version"

    deleted = await call(app_server, "DELETE", path, headers)
    assert deleted.status_code == 204
    assert (await call(app_server, "GET", path, headers)).status_code == 404


async def test_invalid_configurations_are_refused_with_the_field(app_server: RunningApp) -> None:
    _, headers = await admin_headers(app_server)
    cases: list[tuple[dict[str, Any], str]] = [
        ({**KPI, "metric": "happiness"}, "unknown metric"),
        ({**KPI, "x": 10, "w": 3}, "does not fit"),
        ({**KPI, "window": "2h"}, "unknown window"),
        ({**KPI, "scope": "room:5"}, "invalid scope"),
        ({**KPI, "metric": None}, "needs `metric`"),
        ({**KPI, "thresholds": {"direction": "below", "warn": 0.7, "crit": 0.8}}, "`crit`"),
        ({**KPI, "type": "pie"}, "type"),
    ]
    for widget, reason in cases:
        reply = await call(
            app_server, "POST", "/v1/dashboards", headers, {"name": "Bad", "widgets": [widget]}
        )
        assert reply.status_code == 422, (widget, reply.text)
        assert reason in reply.text, (reason, reply.text)
    twice = await call(
        app_server, "POST", "/v1/dashboards", headers, {"name": "Twice", "widgets": [KPI, KPI]}
    )
    assert twice.status_code == 422
    assert "used twice" in twice.text
    ok = await call(app_server, "POST", "/v1/dashboards", headers, {"name": "Same", "widgets": []})
    assert ok.status_code == 201
    taken = await call(app_server, "POST", "/v1/dashboards", headers, {"name": "Same"})
    assert taken.status_code == 409


async def test_team_dashboards_are_shared_with_that_team_only(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, admin = await admin_headers(app_server)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]}, ("Sales",))
    users = {
        "north_lead": await make_user(
            url, tenant_id, "north_lead", Role.team_lead, teams=("North",)
        ),
        "south_lead": await make_user(
            url, tenant_id, "south_lead", Role.team_lead, teams=("South",)
        ),
        "boss": await make_user(url, tenant_id, "boss", Role.supervisor, all_teams=True),
        "agent": await make_user(url, tenant_id, "agent1", Role.agent, agent="n1"),
    }
    tokens = {name: (await make_token(url, uid)).headers() for name, uid in users.items()}

    def names(reply: httpx.Response) -> set[str]:
        assert reply.status_code == 200, reply.text
        return {d["name"] for d in reply.json()}

    north = await call(
        app_server,
        "POST",
        "/v1/dashboards",
        tokens["north_lead"],
        {"name": "North", "team": "North"},
    )
    assert north.status_code == 201, north.text
    assert north.json()["team"] == "North"
    everyone = await call(app_server, "POST", "/v1/dashboards", admin, {"name": "Floor"})
    assert everyone.status_code == 201

    assert names(await call(app_server, "GET", "/v1/dashboards", admin)) == {"North", "Floor"}
    assert names(await call(app_server, "GET", "/v1/dashboards", tokens["boss"])) == {
        "North",
        "Floor",
    }
    assert names(await call(app_server, "GET", "/v1/dashboards", tokens["north_lead"])) == {
        "North",
        "Floor",
    }
    # The south lead's team had no dashboard: it gets its own overview (scoped to South).
    assert names(await call(app_server, "GET", "/v1/dashboards", tokens["south_lead"])) == {
        "South overview",
        "Floor",
    }
    assert names(await call(app_server, "GET", "/v1/dashboards", tokens["agent"])) == {"Floor"}

    north_path = f"/v1/dashboards/{north.json()['id']}"
    hidden = await call(app_server, "GET", north_path, tokens["south_lead"])
    assert hidden.status_code == 404
    cannot = await call(
        app_server,
        "PUT",
        north_path,
        tokens["south_lead"],
        {"name": "Mine", "widgets": [], "version": 1},
    )
    assert cannot.status_code == 404

    floor_path = f"/v1/dashboards/{everyone.json()['id']}"
    lead_view = (await call(app_server, "GET", floor_path, tokens["north_lead"])).json()
    assert lead_view["can_edit"] is False
    refused = await call(
        app_server,
        "PUT",
        floor_path,
        tokens["north_lead"],
        {"name": "Floor", "widgets": [KPI], "version": 1},
    )
    assert refused.status_code == 403
    boss_edit = await call(
        app_server,
        "PUT",
        floor_path,
        tokens["boss"],
        {"name": "Floor", "widgets": [KPI], "version": 1},
    )
    assert boss_edit.status_code == 200, boss_edit.text
    assert boss_edit.json()["updated_by"] == "boss"

    tenant_wide = await call(
        app_server, "POST", "/v1/dashboards", tokens["north_lead"], {"name": "All of it"}
    )
    assert tenant_wide.status_code == 403
    other_team = await call(
        app_server, "POST", "/v1/dashboards", tokens["north_lead"], {"name": "S", "team": "South"}
    )
    assert other_team.status_code == 403
    by_agent = await call(app_server, "POST", "/v1/dashboards", tokens["agent"], {"name": "Me"})
    assert by_agent.status_code == 403

    other_tenant_id, other = await admin_headers(app_server)
    assert other_tenant_id != tenant_id
    assert (await call(app_server, "GET", north_path, other)).status_code == 404
    assert names(await call(app_server, "GET", "/v1/dashboards", other)) == {DEFAULT_NAME}


async def test_cookie_writes_need_the_csrf_token(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, _ = await admin_headers(app_server)
    tenant = await _tenant_name(url, tenant_id)
    await make_user(url, tenant_id, "chief", Role.admin)
    session = await login(app_server.base_url, "chief", tenant=tenant)
    refused = await call(
        app_server, "POST", "/v1/dashboards", session.headers(csrf=False), {"name": "X"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    made = await call(app_server, "POST", "/v1/dashboards", session.headers(), {"name": "X"})
    assert made.status_code == 201, made.text
    assert made.json()["created_by"] == "chief"


async def test_display_links_show_one_dashboard_read_only(app_server: RunningApp) -> None:
    _, admin = await admin_headers(app_server)
    listed = (await call(app_server, "GET", "/v1/dashboards", admin)).json()
    other = await call(app_server, "POST", "/v1/dashboards", admin, {"name": "Second"})
    assert other.status_code == 201
    dashboard_id = listed[0]["id"]
    links_path = f"/v1/dashboards/{dashboard_id}/display-links"
    created = await call(app_server, "POST", links_path, admin, {"name": "TV by the door"})
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["path"].startswith("/display#token=fwu_")
    assert link["path"].endswith(link["token"])
    tv = bearer(link["token"])

    seen = await call(app_server, "GET", "/v1/dashboards", tv)
    assert [d["id"] for d in seen.json()] == [dashboard_id]
    assert seen.json()[0]["can_edit"] is False
    assert (await call(app_server, "GET", f"/v1/dashboards/{dashboard_id}", tv)).status_code == 200
    second = f"/v1/dashboards/{other.json()['id']}"
    assert (await call(app_server, "GET", second, tv)).status_code == 404
    write = await call(
        app_server,
        "PUT",
        f"/v1/dashboards/{dashboard_id}",
        tv,
        {"name": "Mine", "widgets": [], "version": 1},
    )
    assert write.status_code == 403
    assert (await call(app_server, "POST", links_path, tv, {"name": "x"})).status_code == 403

    listing = (await call(app_server, "GET", links_path, admin)).json()
    assert [(x["id"], x["name"]) for x in listing] == [(link["id"], "TV by the door")]
    assert "token" not in listing[0]
    revoked = await call(app_server, "DELETE", f"{links_path}/{link['id']}", admin)
    assert revoked.status_code == 204
    assert (await call(app_server, "GET", "/v1/dashboards", tv)).status_code == 401
    assert (await call(app_server, "GET", links_path, admin)).json() == []


async def test_deleting_a_dashboard_ends_its_display_links(app_server: RunningApp) -> None:
    _, admin = await admin_headers(app_server)
    made = (await call(app_server, "POST", "/v1/dashboards", admin, {"name": "Temp"})).json()
    link = (
        await call(app_server, "POST", f"/v1/dashboards/{made['id']}/display-links", admin, {})
    ).json()
    assert (
        await call(app_server, "GET", "/v1/dashboards", bearer(link["token"]))
    ).status_code == 200
    assert (
        await call(app_server, "DELETE", f"/v1/dashboards/{made['id']}", admin)
    ).status_code == 204
    assert (
        await call(app_server, "GET", "/v1/dashboards", bearer(link["token"]))
    ).status_code == 401


async def test_options_list_queues_and_the_visible_teams(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, admin = await admin_headers(app_server)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]}, ("Billing", "Sales"))
    lead = await make_token(
        url, await make_user(url, tenant_id, "lead", Role.team_lead, teams=("South",))
    )
    everything = (await call(app_server, "GET", "/v1/dashboards/options", admin)).json()
    assert everything["queues"] == ["Billing", "Sales"]
    assert everything["teams"] == ["North", "South"]
    assert "service_level" in everything["metrics"]
    assert "live" in everything["windows"]
    assert everything["pipelines"] == ["default"]
    limits = {"limits": [{"pipeline": p, "stage": "new", "stall_s": 60} for p in ("zz", "b2b")]}
    put = await call(app_server, "PUT", "/v1/pipeline/stall-limits", admin, limits)
    assert put.status_code == 200, put.text
    scoped = (await call(app_server, "GET", "/v1/dashboards/options", lead.headers())).json()
    assert scoped["teams"] == ["South"]
    assert scoped["pipelines"] == ["b2b", "default", "zz"]  # floor-wide, like queues


async def test_no_credentials_no_dashboards(app_server: RunningApp) -> None:
    reply = await call(app_server, "GET", "/v1/dashboards", {})
    assert reply.status_code == 401
    demo = await call(app_server, "GET", "/v1/dashboards/demo-login", {})
    assert (demo.status_code, demo.content) == (204, b"")


async def _tenant_name(database_url: str, tenant_id: int) -> str:
    from app.core.db import Database
    from app.tenancy.models import Tenant

    db = Database(database_url)
    try:
        async with db.session() as session:
            tenant = await session.get(Tenant, tenant_id)
            assert tenant is not None
            return tenant.name
    finally:
        await db.close()
