"""The per-agent stats widget (`agent_stats`) over real HTTP: stored and read back with its
options, a bad `sort` refused with the field and the reason, and a team lead's table of their
own team on their team's dashboard, which another team's lead cannot read."""

from __future__ import annotations

from typing import Any

from app.auth.roles import Role
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.dashboards.test_dashboards_api import admin_headers, call

STATS: dict[str, Any] = {
    "id": "agents",
    "type": "agent_stats",
    "x": 0,
    "y": 0,
    "w": 6,
    "h": 4,
    "window": "today",
    "options": {"sort": "+aht", "team": "North"},
}


async def test_the_widget_is_stored_and_a_bad_sort_is_refused(app_server: RunningApp) -> None:
    _, headers = await admin_headers(app_server)
    made = await call(
        app_server, "POST", "/v1/dashboards", headers, {"name": "Agents", "widgets": [STATS]}
    )
    assert made.status_code == 201, made.text
    got = await call(app_server, "GET", f"/v1/dashboards/{made.json()['id']}", headers)
    assert got.json()["widgets"][0]["options"] == {"sort": "+aht", "team": "North"}
    for sort in ("speed", "-aht", 3):
        bad = {**STATS, "options": {"sort": sort}}
        reply = await call(
            app_server, "POST", "/v1/dashboards", headers, {"name": "Bad", "widgets": [bad]}
        )
        assert reply.status_code == 422, reply.text
        detail = reply.json()["error"]["details"][0]
        assert detail["field"].startswith("body.widgets.0"), detail
        assert "agent stats `sort` must be one of name, state, in_state" in detail["reason"]


async def test_a_team_leads_table_stays_with_their_team(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, _ = await admin_headers(app_server)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]})
    north = await make_user(url, tenant_id, "north_lead", Role.team_lead, teams=("North",))
    south = await make_user(url, tenant_id, "south_lead", Role.team_lead, teams=("South",))
    north_token = (await make_token(url, north)).headers()
    south_token = (await make_token(url, south)).headers()
    made = await call(
        app_server,
        "POST",
        "/v1/dashboards",
        north_token,
        {"name": "North agents", "team": "North", "widgets": [STATS]},
    )
    assert made.status_code == 201, made.text
    path = f"/v1/dashboards/{made.json()['id']}"
    assert (await call(app_server, "GET", path, north_token)).status_code == 200
    assert (await call(app_server, "GET", path, south_token)).status_code == 404
    other = await call(
        app_server,
        "POST",
        "/v1/dashboards",
        north_token,
        {"name": "South agents", "team": "South", "widgets": [STATS]},
    )
    assert other.status_code in (403, 404), other.text
