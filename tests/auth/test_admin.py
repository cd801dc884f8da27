"""Admin REST over real HTTP on both engines: users, teams, agents, queues and API keys, their
validation, and the effects of edits (sessions ended, caches invalidated)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from app.auth.roles import Role
from tests.auth.support import PASSWORD, Token, bearer, login, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key


@dataclass
class Admin:
    tenant_id: int
    tenant: str
    user_id: int
    token: Token
    client: httpx.AsyncClient


@pytest.fixture
async def admin(app_server: RunningApp) -> AsyncIterator[Admin]:
    url = app_server.settings.database_url
    name = f"adm-{uuid.uuid4().hex[:8]}"
    tenant_id, _ = await make_tenant_key(url, name=name)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]}, ("Sales",))
    user_id = await make_user(url, tenant_id, "root", Role.admin)
    token = await make_token(url, user_id)
    async with app_server.client(token.token) as client:
        yield Admin(tenant_id, name, user_id, token, client)


async def test_user_lifecycle(app_server: RunningApp, admin: Admin) -> None:
    c = admin.client
    made = await c.post(
        "/v1/users",
        json={
            "username": "Maria.K",
            "password": PASSWORD,
            "role": "team_lead",
            "display_name": "Maria K.",
            "teams": ["North"],
        },
    )
    assert made.status_code == 201, made.text
    user = made.json()
    assert user["username"] == "maria.k"
    assert user["teams"] == ["North"]
    assert "password" not in user
    assert "password_hash" not in user
    again = await c.post(
        "/v1/users", json={"username": "MARIA.k", "password": PASSWORD, "role": "display"}
    )
    assert again.status_code == 409

    session = await login(app_server.base_url, "maria.k", tenant=admin.tenant)
    moved = await c.patch(f"/v1/users/{user['id']}", json={"teams": ["North", "South"]})
    assert moved.json()["teams"] == ["North", "South"]
    async with app_server.client() as browser:  # no bearer header: the cookie is used
        me = await browser.get("/v1/auth/me", headers=session.headers())
        assert me.json()["access"]["teams"] == ["North", "South"]  # effective at once

    to_agent = await c.patch(f"/v1/users/{user['id']}", json={"role": "agent", "agent": "s1"})
    assert to_agent.status_code == 200, to_agent.text
    assert to_agent.json()["teams"] == []  # the old role's teams are dropped
    assert to_agent.json()["agent"] == "s1"

    disabled = await c.patch(f"/v1/users/{user['id']}", json={"disabled": True})
    assert disabled.json()["disabled"] is True
    async with app_server.client() as browser:
        assert (await browser.get("/v1/auth/me", headers=session.headers())).status_code == 401
    refused = await c.post(
        "/v1/auth/login",
        json={"tenant": admin.tenant, "username": "maria.k", "password": PASSWORD},
    )
    assert refused.status_code == 401

    new_password = "another fine passphrase"
    enabled = await c.patch(
        f"/v1/users/{user['id']}", json={"disabled": False, "password": new_password}
    )
    assert enabled.status_code == 200
    assert (await login(app_server.base_url, "maria.k", new_password, tenant=admin.tenant)).cookie

    assert (await c.delete(f"/v1/users/{user['id']}")).status_code == 204
    assert (await c.get(f"/v1/users/{user['id']}")).status_code == 404
    assert (await c.delete(f"/v1/users/{user['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "x y", "role": "display"}, "username"),
        ({"username": "a1", "role": "agent"}, "agent"),
        ({"username": "a2", "role": "agent", "agent": "nobody"}, "agent"),
        ({"username": "a3", "role": "team_lead", "teams": ["Nowhere"]}, "teams"),
        ({"username": "a4", "role": "team_lead", "all_teams": True}, "all_teams"),
        ({"username": "a5", "role": "display", "teams": ["North"]}, "teams"),
        ({"username": "a6", "role": "admin", "dashboard_id": 3}, "dashboard_id"),
        ({"username": "a7", "role": "supervisor", "all_teams": True, "teams": ["North"]}, "teams"),
    ],
)
async def test_user_role_rules(admin: Admin, body: dict[str, object], field: str) -> None:
    response = await admin.client.post("/v1/users", json={"password": PASSWORD, **body})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == field


async def test_user_body_validation(admin: Admin) -> None:
    c = admin.client
    weak = await c.post("/v1/users", json={"username": "w", "password": "short", "role": "admin"})
    role = await c.post("/v1/users", json={"username": "w", "password": PASSWORD, "role": "boss"})
    extra = await c.post(
        "/v1/users", json={"username": "w", "password": PASSWORD, "role": "admin", "x": 1}
    )
    assert [weak.status_code, role.status_code, extra.status_code] == [422, 422, 422]


async def test_the_last_admin_stays(admin: Admin) -> None:
    c = admin.client
    me = f"/v1/users/{admin.user_id}"
    assert (await c.patch(me, json={"role": "supervisor", "all_teams": True})).status_code == 409
    assert (await c.patch(me, json={"disabled": True})).status_code == 409
    assert (await c.delete(me)).status_code == 409
    assert (await c.get("/v1/auth/me")).json()["user"]["role"] == "admin"
    second = await c.post(
        "/v1/users", json={"username": "root2", "password": PASSWORD, "role": "admin"}
    )
    assert second.status_code == 201
    demoted = await c.patch(me, json={"role": "supervisor", "all_teams": True})
    assert demoted.status_code == 200
    assert (await c.get("/v1/api-keys")).status_code == 403  # no admin any more, at once


async def test_teams_and_agents(app_server: RunningApp, admin: Admin) -> None:
    c = admin.client
    made = await c.post("/v1/teams", json={"name": "East"})
    assert made.status_code == 201
    assert (await c.post("/v1/teams", json={"name": "East"})).status_code == 409
    assert (await c.post("/v1/teams", json={"name": " East"})).status_code == 422
    assert (await c.post("/v1/teams", json={"name": ""})).status_code == 422
    team_id = made.json()["id"]

    agent = await c.post(
        "/v1/agents", json={"external_id": "e1", "display_name": "Eve", "team": "East"}
    )
    assert agent.status_code == 201, agent.text
    assert agent.json()["team"] == "East"
    assert (await c.post("/v1/agents", json={"external_id": "e1"})).status_code == 409
    unknown = await c.post("/v1/agents", json={"external_id": "e2", "team": "Nowhere"})
    assert unknown.status_code == 400
    config = await app_server.services.configs.get(admin.tenant_id)
    assert config.agent_teams["e1"] == "East"
    assert config.agent_names["e1"] == "Eve"

    renamed = await c.patch(f"/v1/teams/{team_id}", json={"name": "Far East"})
    assert renamed.json() == {"id": team_id, "name": "Far East", "agents": 1}
    config = await app_server.services.configs.get(admin.tenant_id)
    assert config.agent_teams["e1"] == "Far East"

    agent_id = agent.json()["id"]
    out = await c.patch(f"/v1/agents/{agent_id}", json={"team": None})
    assert out.json()["team"] is None
    assert out.json()["display_name"] == "Eve"
    assert (await c.delete(f"/v1/teams/{team_id}")).status_code == 204
    roster = {a["external_id"]: a["team"] for a in (await c.get("/v1/agents/roster")).json()}
    assert roster == {"e1": None, "n1": "North", "s1": "South"}
    assert (await c.delete(f"/v1/agents/{agent_id}")).status_code == 204
    assert (await c.get(f"/v1/agents/{agent_id}")).status_code == 404
    config = await app_server.services.configs.get(admin.tenant_id)
    assert "e1" not in config.agent_teams


async def test_queues_with_validated_ranges(app_server: RunningApp, admin: Admin) -> None:
    c = admin.client
    made = await c.post(
        "/v1/queues",
        json={"name": "Support", "sl_threshold_s": 30, "short_abandon_s": 3, "wrapup_s": 0},
    )
    assert made.status_code == 201, made.text
    assert made.json()["wrapup_s"] == 0
    for bad in (
        {"name": "Q1", "sl_threshold_s": 0},
        {"name": "Q2", "sl_threshold_s": 3601},
        {"name": "Q3", "short_abandon_s": -1},
        {"name": "Q4", "short_abandon_s": 601},
        {"name": "Q5\n"},
        {"name": "Q6", "wrapup_s": -1},
        {"name": "Q7", "wrapup_s": 3601},
        {"name": "Q8", "wrapup_s": "long"},
    ):
        response = await c.post("/v1/queues", json=bad)
        assert response.status_code == 422, bad
    flag = await c.post("/v1/queues", json={"name": "Old", "wrapup": True})
    assert flag.status_code == 422
    assert "replaced by `wrapup_s`" in flag.text
    assert (await c.post("/v1/queues", json={"name": "Support"})).status_code == 409
    queue_id = made.json()["id"]
    changed = await c.patch(f"/v1/queues/{queue_id}", json={"sl_threshold_s": 45})
    assert changed.json()["sl_threshold_s"] == 45
    assert changed.json()["short_abandon_s"] == 3
    config = await app_server.services.configs.get(admin.tenant_id)
    assert config.queues["Support"].sl_threshold_s == 45
    assert config.queues["Support"].wrapup_s == 0
    limited = await c.patch(f"/v1/queues/{queue_id}", json={"wrapup_s": 30})
    assert limited.json()["wrapup_s"] == 30
    config = await app_server.services.configs.get(admin.tenant_id)
    assert config.queues["Support"].wrapup_s == 30
    unlimited = await c.patch(f"/v1/queues/{queue_id}", json={"wrapup_s": None})
    assert unlimited.json()["wrapup_s"] is None
    assert unlimited.json()["sl_threshold_s"] == 45
    config = await app_server.services.configs.get(admin.tenant_id)
    assert config.queues["Support"].wrapup_s is None
    assert (await c.patch(f"/v1/queues/{queue_id}", json={"sl_threshold_s": -5})).status_code == 422
    assert (await c.delete(f"/v1/queues/{queue_id}")).status_code == 204
    assert [q["name"] for q in (await c.get("/v1/queues")).json()] == ["Sales"]


async def test_tenant_language_and_currency(app_server: RunningApp, admin: Admin) -> None:
    c = admin.client
    assert (await c.get("/v1/tenant")).json() == {
        "name": admin.tenant,
        "timezone": "UTC",
        "language": "en",
        "currency": None,
        "country_code": None,
    }
    changed = await c.patch("/v1/tenant", json={"language": "pl", "currency": "PLN"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["language"], changed.json()["currency"]) == ("pl", "PLN")
    refused = await c.patch("/v1/tenant", json={"currency": "zloty"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "body.currency"
    refused = await c.patch("/v1/tenant", json={"language": "de"})
    assert refused.status_code == 422
    assert (await c.patch("/v1/tenant", json={"currency": None})).json()["currency"] is None
    assert (await c.get("/v1/tenant")).json()["language"] == "pl"
    lead_id = await make_user(
        app_server.settings.database_url, admin.tenant_id, "lead", Role.team_lead, teams=("North",)
    )
    lead = await make_token(app_server.settings.database_url, lead_id)
    assert (await c.get("/v1/tenant", headers=bearer(lead.token))).status_code == 200
    assert (
        await c.patch("/v1/tenant", json={"language": "en"}, headers=bearer(lead.token))
    ).status_code == 403


async def test_api_keys_shown_once_and_revoked_at_once(
    app_server: RunningApp, admin: Admin
) -> None:
    c = admin.client
    made = await c.post("/v1/api-keys", json={"name": "pbx", "scopes": ["ingest"]})
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert key.startswith("fw_")
    assert key.startswith(made.json()["prefix"])
    listed = (await c.get("/v1/api-keys")).json()
    assert [k["name"] for k in listed] == ["test", "pbx"]
    assert all("key" not in k for k in listed)
    async with app_server.client(key) as pbx:
        assert (await pbx.post("/v1/events", json=[])).status_code == 200
        assert (await pbx.get("/v1/metrics")).status_code == 403
        assert (await c.post("/v1/api-keys", json={"name": "x", "scopes": []})).status_code == 422
        assert (await c.delete(f"/v1/api-keys/{made.json()['id']}")).status_code == 204
        assert (await pbx.post("/v1/events", json=[])).status_code == 401
    assert (await c.delete(f"/v1/api-keys/{made.json()['id']}")).status_code == 404
    assert (await c.get("/v1/api-keys")).json()[1]["revoked_at"] is not None
    admin_key = await c.post("/v1/api-keys", json={"name": "ops", "scopes": ["admin"]})
    users = await c.get("/v1/users", headers=bearer(admin_key.json()["key"]))
    assert [u["username"] for u in users.json()] == ["root"]


async def test_openapi_documents_the_fields(app_server: RunningApp) -> None:
    async with app_server.client() as client:
        schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    for model, field in (
        ("UserCreate", "teams"),
        ("QueueCreate", "sl_threshold_s"),
        ("ApiKeyCreate", "scopes"),
        ("LoginResponse", "csrf_token"),
        ("TokenCreated", "token"),
    ):
        assert components[model]["properties"][field].get("description"), (model, field)
