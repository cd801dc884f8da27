"""`/v1/display-links` over real HTTP on both engines: every link a caller manages across
dashboards (admins: the tenant's; team leads: their teams' dashboards), revoking one from
there, and display users kept out of `/v1/users`."""

from __future__ import annotations

from typing import Any

from app.auth.roles import Role
from tests.auth.support import bearer, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.dashboards.test_dashboards_api import admin_headers, call


async def made(app: RunningApp, headers: dict[str, str], path: str, body: Any) -> Any:
    reply = await call(app, "POST", path, headers, body)
    assert reply.status_code == 201, reply.text
    return reply.json()


async def test_links_are_listed_and_revoked_within_what_the_caller_manages(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    tenant_id, admin = await admin_headers(app_server)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]})
    lead_id = await make_user(url, tenant_id, "north_lead", Role.team_lead, teams=("North",))
    lead = (await make_token(url, lead_id)).headers()

    floor = await made(app_server, admin, "/v1/dashboards", {"name": "Floor"})
    north = await made(app_server, lead, "/v1/dashboards", {"name": "North", "team": "North"})
    south = await made(app_server, admin, "/v1/dashboards", {"name": "South", "team": "South"})
    links = {
        name: await made(
            app_server, admin, f"/v1/dashboards/{board['id']}/display-links", {"name": name}
        )
        for name, board in (("Lobby", floor), ("North TV", north), ("South TV", south))
    }
    # The lobby TV is switched on: its token is used.
    assert (
        await call(app_server, "GET", "/v1/dashboards", bearer(links["Lobby"]["token"]))
    ).is_success

    everything = await call(app_server, "GET", "/v1/display-links", admin)
    assert everything.status_code == 200, everything.text
    rows = {row["name"]: row for row in everything.json()}
    assert set(rows) == {"Lobby", "North TV", "South TV"}
    assert (rows["Lobby"]["dashboard"], rows["Lobby"]["dashboard_id"]) == ("Floor", floor["id"])
    assert rows["Lobby"]["last_used_at"] is not None
    assert rows["South TV"]["last_used_at"] is None
    assert all("token" not in row for row in rows.values())

    mine = await call(app_server, "GET", "/v1/display-links", lead)
    assert [row["name"] for row in mine.json()] == ["North TV"]
    not_mine = await call(
        app_server, "DELETE", f"/v1/display-links/{links['South TV']['id']}", lead
    )
    assert not_mine.status_code == 404
    revoked = await call(app_server, "DELETE", f"/v1/display-links/{links['North TV']['id']}", lead)
    assert revoked.status_code == 204
    assert (
        await call(app_server, "GET", "/v1/dashboards", bearer(links["North TV"]["token"]))
    ).status_code == 401
    assert {
        row["name"] for row in (await call(app_server, "GET", "/v1/display-links", admin)).json()
    } == {
        "Lobby",
        "South TV",
    }
    gone = await call(app_server, "DELETE", f"/v1/display-links/{links['North TV']['id']}", admin)
    assert gone.status_code == 404

    other_tenant, other_admin = await admin_headers(app_server)
    assert other_tenant != tenant_id
    assert (await call(app_server, "GET", "/v1/display-links", other_admin)).json() == []
    foreign = await call(
        app_server, "DELETE", f"/v1/display-links/{links['Lobby']['id']}", other_admin
    )
    assert foreign.status_code == 404


async def test_display_users_stay_out_of_the_users_list(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, admin = await admin_headers(app_server)
    await make_user(url, tenant_id, "chief", Role.admin)
    (board,) = (await call(app_server, "GET", "/v1/dashboards", admin)).json()
    await made(app_server, admin, f"/v1/dashboards/{board['id']}/display-links", {"name": "TV"})

    users = await call(app_server, "GET", "/v1/users", admin)
    assert users.status_code == 200, users.text
    assert [u["username"] for u in users.json()] == ["chief"]
    with_displays = await call(app_server, "GET", "/v1/users?include_displays=true", admin)
    roles = sorted(u["role"] for u in with_displays.json())
    assert roles == ["admin", "display"]
