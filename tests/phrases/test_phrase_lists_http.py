"""`/v1/phrase-lists` over real HTTP on both engines: admins write, staff read, validation says
which field and why, another tenant's list does not exist for a caller."""

from __future__ import annotations

from app.auth.roles import Role
from tests.auth.support import bearer, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key

SCRIPT = {
    "name": "greeting",
    "kind": "required",
    "role": "agent",
    "phrases": ["Dzień dobry", "nazywam się*"],
    "within_s": 30,
}


async def test_crud_validation_and_access(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, _ = await make_tenant_key(url)
    await make_org(url, tenant_id, {"North": ["n1"]}, ("Sales",))
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    lead = await make_token(
        url, await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",))
    )
    agent = await make_token(url, await make_user(url, tenant_id, "ag", Role.agent, agent="n1"))
    other_id, _ = await make_tenant_key(url)
    other = await make_token(url, await make_user(url, other_id, "root", Role.admin))

    async with app_server.client(admin.token) as c:
        created = await c.post("/v1/phrase-lists", json=SCRIPT)
        assert created.status_code == 201, created.text
        body = created.json()
        assert {k: body[k] for k in SCRIPT} == SCRIPT
        assert body["version"] == 1
        list_id = body["id"]

        taken = await c.post("/v1/phrase-lists", json=SCRIPT)
        assert taken.status_code == 409
        assert taken.json()["error"]["details"] == [{"field": "name", "reason": "taken"}]

        for bad, field in [
            ({**SCRIPT, "name": "has space"}, "body.name"),
            ({**SCRIPT, "name": "x", "phrases": []}, "body.phrases"),
            ({**SCRIPT, "name": "x", "phrases": ["re*zygn"]}, "body.phrases"),
            ({**SCRIPT, "name": "x", "phrases": ["Zł", "zl"]}, "body.phrases"),
            ({**SCRIPT, "name": "x", "kind": "banned"}, "body"),
            ({**SCRIPT, "name": "x", "role": "bot"}, "body.role"),
        ]:
            refused = await c.post("/v1/phrase-lists", json=bad)
            assert refused.status_code == 422, (bad, refused.text)
            assert refused.json()["error"]["details"][0]["field"] == field, refused.text

        changed = await c.patch(
            f"/v1/phrase-lists/{list_id}", json={"phrases": ["Dzień dobry"], "within_s": None}
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["phrases"], changed.json()["within_s"]) == (["Dzień dobry"], None)
        assert changed.json()["version"] == 2
        banned_with_limit = await c.patch(
            f"/v1/phrase-lists/{list_id}", json={"kind": "signal", "within_s": 10}
        )
        assert banned_with_limit.status_code == 400
        assert banned_with_limit.json()["error"]["details"][0]["field"] == "within_s"

        assert (await c.get("/v1/phrase-lists", headers=bearer(lead.token))).json()[0][
            "name"
        ] == "greeting"
        assert (
            await c.patch(
                f"/v1/phrase-lists/{list_id}", json={"kind": "banned"}, headers=bearer(lead.token)
            )
        ).status_code == 403
        assert (await c.get("/v1/phrase-lists", headers=bearer(agent.token))).status_code == 403
        assert (
            await c.get(f"/v1/phrase-lists/{list_id}", headers=bearer(other.token))
        ).status_code == 404
        assert (
            await c.delete(f"/v1/phrase-lists/{list_id}", headers=bearer(other.token))
        ).status_code == 404

        assert (await c.delete(f"/v1/phrase-lists/{list_id}")).status_code == 204
        assert (await c.get("/v1/phrase-lists")).json() == []


async def test_a_tenant_has_at_most_50_lists(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, _ = await make_tenant_key(url)
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    async with app_server.client(admin.token) as c:
        for n in range(50):
            made = await c.post("/v1/phrase-lists", json={**SCRIPT, "name": f"list-{n}"})
            assert made.status_code == 201, made.text
        refused = await c.post("/v1/phrase-lists", json={**SCRIPT, "name": "list-50"})
    assert refused.status_code == 400
    assert refused.json()["error"]["details"] == [{"field": "name", "reason": "too many lists"}]
