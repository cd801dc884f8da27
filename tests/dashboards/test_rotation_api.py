"""A dashboard's saved rotation over real HTTP: stored and read back, refused with the field
when it names itself, an unknown or invisible dashboard, or one not shared with everyone who
sees this one; a display link to the dashboard reads the dashboards of its rotation (its own
first) and no other."""

from __future__ import annotations

from typing import Any

from app.auth.roles import Role
from tests.auth.support import bearer, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.dashboards.test_dashboards_api import admin_headers, call


async def made(app: RunningApp, headers: dict[str, str], body: dict[str, Any]) -> int:
    reply = await call(app, "POST", "/v1/dashboards", headers, body)
    assert reply.status_code == 201, reply.text
    return int(reply.json()["id"])


async def test_a_rotation_is_saved_checked_and_shown_on_display_links(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    tenant_id, admin = await admin_headers(app_server)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]})
    lead = (
        await make_token(
            url, await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",))
        )
    ).headers()
    floor = await made(app_server, admin, {"name": "Floor"})
    sales = await made(app_server, admin, {"name": "Sales"})
    north = await made(app_server, admin, {"name": "North", "team": "North"})
    south = await made(app_server, admin, {"name": "South", "team": "South"})

    path = f"/v1/dashboards/{floor}"
    rotation = {"dashboards": [sales], "every_s": 15}
    saved = await call(
        app_server, "PUT", path, admin, {"name": "Floor", "rotation": rotation, "version": 1}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["rotation"] == rotation
    assert (await call(app_server, "GET", path, admin)).json()["rotation"] == rotation

    refusals = [
        (admin, floor, "Floor", None, [floor], "does not rotate to itself"),
        (admin, floor, "Floor", None, [sales, 999_999], "no dashboard with id 999999"),
        (admin, floor, "Floor", None, [north], "shared with team 'North'"),
        (lead, north, "North", "North", [south], f"no dashboard with id {south}"),
    ]
    for who, target, name, team, ids, reason in refusals:
        version = 2 if target == floor else 1
        body = {"name": name, "team": team, "rotation": {"dashboards": ids}, "version": version}
        reply = await call(app_server, "PUT", f"/v1/dashboards/{target}", who, body)
        assert reply.status_code == 400, reply.text
        detail = reply.json()["error"]["details"][0]
        assert detail["field"] == f"rotation.dashboards.{len(ids) - 1}", detail
        assert reason in detail["reason"], detail
    bad_rotations: list[dict[str, Any]] = [
        {"dashboards": [sales], "every_s": 5},
        {"dashboards": []},
    ]
    for bad in bad_rotations:
        reply = await call(
            app_server, "PUT", path, admin, {"name": "Floor", "rotation": bad, "version": 2}
        )
        assert reply.status_code == 422, reply.text
    # A team lead's team dashboard may rotate to the floor's and their team's dashboards.
    ok = await call(
        app_server,
        "PUT",
        f"/v1/dashboards/{north}",
        lead,
        {"name": "North", "team": "North", "rotation": {"dashboards": [floor]}, "version": 1},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["rotation"] == {"dashboards": [floor], "every_s": 30}

    link = await call(
        app_server, "POST", f"/v1/dashboards/{floor}/display-links", admin, {"name": "TV"}
    )
    display = bearer(link.json()["token"])
    listed = await call(app_server, "GET", "/v1/dashboards", display)
    assert [d["name"] for d in listed.json()] == ["Floor", "Sales"]
    assert (await call(app_server, "GET", f"/v1/dashboards/{sales}", display)).status_code == 200
    for hidden in (north, south):
        reply = await call(app_server, "GET", f"/v1/dashboards/{hidden}", display)
        assert reply.status_code == 404, reply.text
    # Taken out of the rotation, Sales is out of the display's reach at once.
    await call(app_server, "PUT", path, admin, {"name": "Floor", "version": 2})
    assert (await call(app_server, "GET", f"/v1/dashboards/{sales}", display)).status_code == 404
