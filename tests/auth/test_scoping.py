"""Team scoping over real HTTP on both engines: a team lead of North cannot read South by any
route that exists, an agent sees only itself, a display only the floor, and another tenant's
users and keys see nothing of this tenant."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.auth.roles import Role
from app.widgets.client import LiveClient, ws_url
from tests.auth.support import Login, Token, bearer, login, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import ev, eventually, make_tenant_key, now_ms, tenant_of


@dataclass
class Floor:
    """Tenant A (North: n1, n2; South: s1; queue Sales) with users of every role, and
    tenant B with its own admin."""

    name: str
    key: str
    agent_ids: dict[str, int]
    team_ids: dict[str, int]
    user_ids: dict[str, int]
    queue_id: int
    logins: dict[str, Login | Token]
    other_key: str
    other_admin: Login


async def build_floor(app: RunningApp) -> Floor:
    url = app.settings.database_url
    name = f"a-{uuid.uuid4().hex[:8]}"
    tenant_id, key = await make_tenant_key(url, name=name)
    agent_ids = await make_org(url, tenant_id, {"North": ["n1", "n2"], "South": ["s1"]}, ("Sales",))
    users = {
        "admin": {"role": Role.admin},
        "lead.north": {"role": Role.team_lead, "teams": ("North",)},
        "lead.south": {"role": Role.team_lead, "teams": ("South",)},
        "sup.north": {"role": Role.supervisor, "teams": ("North",)},
        "sup.all": {"role": Role.supervisor, "all_teams": True},
        "agent.n1": {"role": Role.agent, "agent": "n1"},
        "agent.s1": {"role": Role.agent, "agent": "s1"},
        "wall": {"role": Role.display},
    }
    user_ids = {u: await make_user(url, tenant_id, u, **spec) for u, spec in users.items()}  # type: ignore[arg-type]
    # browser sessions for two of them, personal tokens (the same principals) for the rest
    logins: dict[str, Login | Token] = {
        u: await login(app.base_url, u, tenant=name)
        if u in ("lead.north", "admin")
        else await make_token(url, user_ids[u])
        for u in users
    }
    other_name = f"b-{uuid.uuid4().hex[:8]}"
    other_id, other_key = await make_tenant_key(url, name=other_name)
    await make_user(url, other_id, "admin", Role.admin)
    other_admin = await login(app.base_url, "admin", tenant=other_name)

    async with app.client(key) as client:
        teams = {t["name"]: t["id"] for t in (await client.get("/v1/teams")).json()}
        queue_id = (await client.get("/v1/queues")).json()[0]["id"]
        t = now_ms() - 5_000
        events = [
            ev("agent.login", t, agent="n1"),
            ev("agent.login", t, agent="n2"),
            ev("agent.login", t, agent="s1"),
            ev("call.queued", t + 1, call_id="c1", queue="Sales"),
            ev("call.answered", t + 2, call_id="c1", agent="s1"),
            ev("call.queued", t + 3, call_id="c2", queue="Sales"),
            ev("call.answered", t + 4, call_id="c2", agent="n1"),
        ]
        assert (await client.post("/v1/events", json=events)).json()["accepted"] == 7

        async def on_board() -> bool:
            return len((await client.get("/v1/agents")).json()["agents"]) == 3

        await eventually(on_board)
    return Floor(name, key, agent_ids, teams, user_ids, queue_id, logins, other_key, other_admin)


@pytest.fixture
async def floor(app_server: RunningApp) -> Floor:
    return await build_floor(app_server)


async def get(app: RunningApp, who: Login | Token, path: str, **params: Any) -> httpx.Response:
    async with app.client() as client:
        return await client.get(path, params=params, headers=who.headers())


async def board(app: RunningApp, who: Login | Token, **params: Any) -> list[str]:
    response = await get(app, who, "/v1/agents", **params)
    assert response.status_code == 200, response.text
    return sorted(row["agent"] for row in response.json()["agents"])


async def names(app: RunningApp, who: Login | Token, path: str, field: str) -> list[str]:
    response = await get(app, who, path)
    assert response.status_code == 200, response.text
    return sorted(item[field] for item in response.json())


async def metrics_status(app: RunningApp, who: Login | Token, *scopes: str) -> int:
    return (await get(app, who, "/v1/metrics", scope=list(scopes))).status_code


async def test_team_lead_of_north_cannot_read_south(app_server: RunningApp, floor: Floor) -> None:
    lead = floor.logins["lead.north"]
    for scope in ("team:South", "agent:s1"):
        response = await get(app_server, lead, "/v1/metrics", scope=scope)
        assert response.status_code == 403
        assert scope in response.json()["error"]["message"]
    assert await metrics_status(app_server, lead, "team:North", "team:South") == 403
    assert await metrics_status(app_server, lead, "agent:nobody") == 403
    visible = await get(
        app_server, lead, "/v1/metrics", scope=["tenant", "queue:Sales", "team:North", "agent:n1"]
    )
    assert visible.status_code == 200
    assert [s["scope"] for s in visible.json()] == [
        "tenant",
        "queue:Sales",
        "team:North",
        "agent:n1",
    ]

    assert await board(app_server, lead) == ["n1", "n2"]
    assert await board(app_server, lead, team="South") == []
    assert await board(app_server, lead, queue="Sales") == ["n1"]

    assert await names(app_server, lead, "/v1/teams", "name") == ["North"]
    assert await names(app_server, lead, "/v1/agents/roster", "external_id") == ["n1", "n2"]
    assert await names(app_server, lead, "/v1/queues", "name") == ["Sales"]
    assert await names(app_server, lead, "/v1/users", "username") == [
        "agent.n1",
        "lead.north",
        "sup.north",
    ]
    for path in (
        f"/v1/teams/{floor.team_ids['South']}",
        f"/v1/agents/{floor.agent_ids['s1']}",
        f"/v1/users/{floor.user_ids['lead.south']}",
        f"/v1/users/{floor.user_ids['agent.s1']}",
        f"/v1/users/{floor.user_ids['admin']}",
    ):
        assert (await get(app_server, lead, path)).status_code == 404, path
    assert (await get(app_server, lead, f"/v1/agents/{floor.agent_ids['n1']}")).status_code == 200
    assert (
        await get(app_server, lead, f"/v1/users/{floor.user_ids['agent.n1']}")
    ).status_code == 200


async def test_team_lead_cannot_write_anything(app_server: RunningApp, floor: Floor) -> None:
    lead = floor.logins["lead.north"]
    south = floor.team_ids["South"]
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/teams", {"name": "Rogue"}),
        ("PATCH", f"/v1/teams/{south}", {"name": "Mine now"}),
        ("DELETE", f"/v1/teams/{south}", {}),
        ("POST", "/v1/agents", {"external_id": "x9", "team": "North"}),
        ("PATCH", f"/v1/agents/{floor.agent_ids['s1']}", {"team": "North"}),
        ("PATCH", f"/v1/agents/{floor.agent_ids['n1']}", {"display_name": "Renamed"}),
        ("DELETE", f"/v1/agents/{floor.agent_ids['s1']}", {}),
        ("POST", "/v1/queues", {"name": "Rogue"}),
        ("PATCH", f"/v1/queues/{floor.queue_id}", {"sl_threshold_s": 600}),
        ("DELETE", f"/v1/queues/{floor.queue_id}", {}),
        ("POST", "/v1/users", {"username": "me2", "password": "x" * 12, "role": "admin"}),
        ("PATCH", f"/v1/users/{floor.user_ids['lead.north']}", {"teams": ["North", "South"]}),
        ("PATCH", f"/v1/users/{floor.user_ids['lead.north']}", {"role": "admin"}),
        ("DELETE", f"/v1/users/{floor.user_ids['lead.south']}", {}),
        ("GET", "/v1/api-keys", {}),
        ("POST", "/v1/api-keys", {"name": "k", "scopes": ["read"]}),
        ("DELETE", "/v1/api-keys/1", {}),
        ("POST", "/v1/events", {}),
    ]
    async with app_server.client() as client:
        for method, path, body in writes:
            response = await client.request(
                method, path, headers=lead.headers(), json=body if method != "GET" else None
            )
            assert response.status_code == 403, (method, path, response.text)
    assert await names(app_server, floor.logins["admin"], "/v1/teams", "name") == [
        "North",
        "South",
    ]
    me = await get(app_server, lead, "/v1/auth/me")
    assert me.json()["user"]["role"] == "team_lead"
    assert me.json()["user"]["teams"] == ["North"]


async def test_supervisor_with_chosen_teams_and_with_all_teams(
    app_server: RunningApp, floor: Floor
) -> None:
    chosen = floor.logins["sup.north"]
    assert await board(app_server, chosen) == ["n1", "n2"]
    assert await metrics_status(app_server, chosen, "team:South") == 403
    every = floor.logins["sup.all"]
    assert await board(app_server, every) == ["n1", "n2", "s1"]
    assert await metrics_status(app_server, every, "team:South", "agent:s1", "team:North") == 200
    assert (
        len(await names(app_server, every, "/v1/users", "username")) == 7
    )  # the display is listed under display links
    assert (await get(app_server, every, "/v1/api-keys")).status_code == 403


async def test_agent_sees_only_itself(app_server: RunningApp, floor: Floor) -> None:
    agent = floor.logins["agent.n1"]
    assert await board(app_server, agent) == ["n1"]
    assert await metrics_status(app_server, agent, "agent:n1", "tenant", "queue:Sales") == 200
    for scope in ("agent:n2", "agent:s1", "team:North", "team:South"):
        assert await metrics_status(app_server, agent, scope) == 403, scope
    assert await names(app_server, agent, "/v1/teams", "name") == []
    assert await names(app_server, agent, "/v1/agents/roster", "external_id") == ["n1"]
    assert (await get(app_server, agent, "/v1/users")).status_code == 403
    assert (await get(app_server, agent, f"/v1/agents/{floor.agent_ids['n2']}")).status_code == 404


async def live_topics(
    app: RunningApp, token: Token, topics: list[str]
) -> tuple[set[str], set[str]]:
    """(granted, refused) of a WebSocket subscription to `topics` with `token`."""
    async with LiveClient(ws_url(app.base_url), token.token, topics) as live:
        async with asyncio.timeout(10):
            await live.wait_for(lambda c: len(c.state) + len(c.errors) == len(topics))
    return set(live.state), {e.topic or "" for e in live.errors}


DISPLAY_REFUSED_ROUTES = (
    "/v1/metrics",
    "/v1/agents",
    "/v1/teams",
    "/v1/agents/roster",
    "/v1/queues",
    "/v1/users",
)


async def test_display_sees_only_the_floor(app_server: RunningApp, floor: Floor) -> None:
    """A display bound to no dashboard has no widget, so it reads no topic at all."""
    wall = floor.logins["wall"]
    assert isinstance(wall, Token)
    topics = [
        "metrics:tenant:15m",
        "metrics:queue:Sales:live",
        "metrics:team:North:15m",
        "metrics:agent:n1:live",
        "board:tenant",
        "board:team:North",
        "dashboards:tenant",
    ]
    granted, refused = await live_topics(app_server, wall, topics)
    assert granted == set()
    assert refused == set(topics)
    for path in DISPLAY_REFUSED_ROUTES:  # a wall reads live topics, not the REST API
        assert (await get(app_server, wall, path)).status_code == 403, path


SCOPING_WIDGETS = [
    {"id": "board", "type": "agent_board"},
    {"id": "south", "type": "agent_board", "options": {"team": "South"}},
    *(
        {"id": f"k{i}", "type": "kpi", "metric": "calls_waiting", "scope": scope, "window": window}
        for i, (scope, window) in enumerate(
            [
                ("team:North", "15m"),
                ("team:South", "15m"),
                ("agent:s1", "live"),
                ("agent:n1", "live"),
            ]
        )
    ),
]


async def test_a_display_sees_what_its_dashboard_shows(
    app_server: RunningApp, floor: Floor
) -> None:
    admin = floor.logins["admin"]
    async with app_server.client() as client:
        made = {}
        for name, team in (("Floor", None), ("South board", "South")):
            # both dashboards show the same widgets; the team's link is granted its team's only
            reply = await client.post(
                "/v1/dashboards",
                json={"name": name, "team": team, "widgets": SCOPING_WIDGETS},
                headers=admin.headers(),
            )
            assert reply.status_code == 201, reply.text
            made[name] = reply.json()["id"]
    tenant_id = await tenant_of(app_server.settings.database_url, floor.key)
    url = app_server.settings.database_url
    floor_wall = await make_token(
        url, await make_user(url, tenant_id, "tv.floor", Role.display, dashboard_id=made["Floor"])
    )
    south_wall = await make_token(
        url,
        await make_user(url, tenant_id, "tv.south", Role.display, dashboard_id=made["South board"]),
    )
    floor_topics = ["board:tenant", "metrics:team:North:15m", "metrics:agent:s1:live"]
    assert await live_topics(app_server, floor_wall, floor_topics) == (set(floor_topics), set())
    granted, refused = await live_topics(
        app_server,
        south_wall,
        [
            "board:team:South",
            "metrics:team:South:15m",
            "metrics:agent:s1:live",
            "metrics:team:North:15m",
            "metrics:agent:n1:live",
            "board:tenant",
        ],
    )
    assert granted == {"board:team:South", "metrics:team:South:15m", "metrics:agent:s1:live"}
    assert refused == {"metrics:team:North:15m", "metrics:agent:n1:live", "board:tenant"}
    for wall in (floor_wall, south_wall):
        for path in DISPLAY_REFUSED_ROUTES:
            assert (await get(app_server, wall, path)).status_code == 403, path
    own = await get(app_server, south_wall, f"/v1/dashboards/{made['South board']}")
    assert own.status_code == 200
    other = await get(app_server, south_wall, f"/v1/dashboards/{made['Floor']}")
    assert other.status_code == 404


async def test_another_tenant_sees_nothing_of_this_one(
    app_server: RunningApp, floor: Floor
) -> None:
    other = floor.other_admin
    assert await board(app_server, other) == []
    assert await names(app_server, other, "/v1/teams", "name") == []
    assert await names(app_server, other, "/v1/agents/roster", "external_id") == []
    assert await names(app_server, other, "/v1/queues", "name") == []
    assert await names(app_server, other, "/v1/users", "username") == ["admin"]
    tenant = (await get(app_server, other, "/v1/metrics", scope="queue:Sales")).json()[0]
    assert tenant["metrics"]["answered"] == 0
    async with app_server.client() as client:
        for method, path, body in [
            ("GET", f"/v1/users/{floor.user_ids['lead.north']}", None),
            ("PATCH", f"/v1/users/{floor.user_ids['lead.north']}", {"disabled": True}),
            ("DELETE", f"/v1/users/{floor.user_ids['wall']}", None),
            ("GET", f"/v1/teams/{floor.team_ids['North']}", None),
            ("PATCH", f"/v1/teams/{floor.team_ids['North']}", {"name": "Taken"}),
            ("DELETE", f"/v1/teams/{floor.team_ids['South']}", None),
            ("GET", f"/v1/agents/{floor.agent_ids['n1']}", None),
            ("PATCH", f"/v1/agents/{floor.agent_ids['n1']}", {"display_name": "x"}),
            ("DELETE", f"/v1/agents/{floor.agent_ids['n1']}", None),
            ("GET", f"/v1/queues/{floor.queue_id}", None),
            ("PATCH", f"/v1/queues/{floor.queue_id}", {"wrapup_s": 0}),
            ("DELETE", f"/v1/queues/{floor.queue_id}", None),
        ]:
            for headers in (other.headers(), bearer(floor.other_key)):
                response = await client.request(method, path, json=body, headers=headers)
                by_key = "Authorization" in headers
                staff_only = path.startswith("/v1/users")
                expected = 403 if by_key and (method != "GET" or staff_only) else 404
                assert response.status_code == expected, (method, path, response.text)
        # the other tenant's read key sees only its own tenant too
        keyed = await client.get("/v1/agents", headers=bearer(floor.other_key))
        assert keyed.json()["agents"] == []
        # this tenant's usernames do not log in to the other tenant
        cross = await client.post(
            "/v1/auth/login",
            json={"tenant": floor.name, "username": "admin", "password": "wrong password"},
        )
        assert cross.status_code == 401
    admin = floor.logins["admin"]
    assert await board(app_server, admin) == ["n1", "n2", "s1"]
    assert await names(app_server, admin, "/v1/teams", "name") == ["North", "South"]
    assert (
        len(await names(app_server, admin, "/v1/users", "username")) == 7
    )  # the display is listed under display links


async def test_moving_an_agent_changes_who_sees_it_at_once(
    app_server: RunningApp, floor: Floor
) -> None:
    lead = floor.logins["lead.north"]
    admin = floor.logins["admin"]
    assert await metrics_status(app_server, lead, "agent:s1") == 403
    async with app_server.client() as client:
        moved = await client.patch(
            f"/v1/agents/{floor.agent_ids['s1']}", json={"team": "North"}, headers=admin.headers()
        )
        assert moved.status_code == 200, moved.text
    assert moved.json()["team"] == "North"
    assert await metrics_status(app_server, lead, "agent:s1") == 200
    assert await board(app_server, lead) == ["n1", "n2", "s1"]
    assert await names(app_server, lead, "/v1/agents/roster", "external_id") == ["n1", "n2", "s1"]
