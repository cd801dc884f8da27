"""Findings of the security review in user administration (issue 18): a display user bound to
another tenant's dashboard (item 5), and a disabled user's personal tokens coming back when it
is enabled again (item 8)."""

from __future__ import annotations

import uuid

import httpx

from app.auth.roles import Role
from tests.auth.support import PASSWORD, bearer, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key


async def admin_client(app: RunningApp, teams: dict[str, list[str]]) -> httpx.AsyncClient:
    url = app.settings.database_url
    tenant_id, _ = await make_tenant_key(url, name=f"rev-{uuid.uuid4().hex[:8]}")
    await make_org(url, tenant_id, teams)
    token = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    return app.client(token.token)


async def test_display_user_cannot_be_bound_to_another_tenants_dashboard(
    app_server: RunningApp,
) -> None:
    async with (
        await admin_client(app_server, {"North": ["n1"]}) as tenant_a,
        await admin_client(app_server, {"South": ["s1"]}) as tenant_b,
    ):
        made = await tenant_b.post(
            "/v1/dashboards", json={"name": "South wall", "team": "South", "widgets": []}
        )
        assert made.status_code == 201, made.text
        foreign_id = made.json()["id"]
        own_id = (await tenant_a.get("/v1/dashboards")).json()[0]["id"]
        missing_id = foreign_id + 100_000

        answers = [
            await tenant_a.post(
                "/v1/users",
                json={
                    "username": f"wall-{dashboard}",
                    "password": PASSWORD,
                    "role": "display",
                    "dashboard_id": dashboard,
                },
            )
            for dashboard in (foreign_id, missing_id)
        ]
        for answer, dashboard in zip(answers, (foreign_id, missing_id), strict=True):
            assert answer.status_code == 400, answer.text
            error = answer.json()["error"]
            assert error["details"] == [{"field": "dashboard_id", "reason": "unknown dashboard"}]
            assert error["message"] == f"no dashboard with id {dashboard} in this tenant"

        own = await tenant_a.post(
            "/v1/users",
            json={
                "username": "wall",
                "password": PASSWORD,
                "role": "display",
                "dashboard_id": own_id,
            },
        )
        assert own.status_code == 201, own.text
        moved = await tenant_a.patch(
            f"/v1/users/{own.json()['id']}", json={"dashboard_id": foreign_id}
        )
        assert moved.status_code == 400
        assert "South" not in moved.text


async def test_enabling_a_disabled_user_does_not_revive_its_tokens(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, _ = await make_tenant_key(url)
    await make_org(url, tenant_id, {"North": ["n1"]})
    root = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    lead_id = await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",))
    lead = await make_token(url, lead_id)
    async with app_server.client(root.token) as admin, app_server.client() as anyone:
        assert (await anyone.get("/v1/auth/me", headers=bearer(lead.token))).status_code == 200
        off = await admin.patch(f"/v1/users/{lead_id}", json={"disabled": True})
        assert off.status_code == 200
        assert (await anyone.get("/v1/auth/me", headers=bearer(lead.token))).status_code == 401
        on = await admin.patch(f"/v1/users/{lead_id}", json={"disabled": False})
        assert on.status_code == 200
        again = await anyone.get("/v1/auth/me", headers=bearer(lead.token))
    assert again.status_code == 401, "the old token came back with the user"
