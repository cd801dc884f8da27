"""Who may see and manage which rules and alerts: a team lead of North creates and sees rules
and alerts of North and of the floor, never of South; agents only read, displays read their
wall's live topics only; channels belong to the tenant (admins) or one team (its leads)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.auth.roles import Role
from tests.alerts.receivers import HttpReceiver, http_receiver
from tests.alerts.support import Floor, base_ms, make_floor
from tests.auth.support import Login, login, make_user
from tests.conftest import RunningApp
from tests.helpers import ev

S = 1000


@pytest.fixture
async def floor(app_server: RunningApp) -> AsyncIterator[Floor]:
    receiver: HttpReceiver
    async with http_receiver() as receiver, make_floor(app_server, receiver) as floor:
        yield floor


async def as_user(floor: Floor, username: str, role: Role, **fields: Any) -> Login:
    await make_user(floor.app.settings.database_url, floor.tenant_id, username, role, **fields)
    return await login(floor.app.base_url, username, tenant=floor.name)


async def call(
    floor: Floor, who: Login, method: str, path: str, body: Any = None
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=floor.app.base_url, timeout=30) as client:
        return await client.request(method, path, json=body, headers=who.headers())


def break_rule(scope: str) -> dict[str, Any]:
    if scope.startswith("team:"):
        return {
            "name": f"breaks {scope}",
            "metric": "agents_break",
            "scope": scope,
            "op": ">",
            "threshold": 3,
        }
    return {
        "name": f"break {scope}",
        "metric": "time_in_state",
        "agent_state": "break",
        "scope": scope,
        "op": ">",
        "threshold": 60,
    }


async def test_a_team_lead_works_within_the_own_teams(floor: Floor) -> None:
    north = await as_user(floor, "lead.north", Role.team_lead, teams=("North",))
    south = await as_user(floor, "lead.south", Role.team_lead, teams=("South",))
    agent = await as_user(floor, "agent.a1", Role.agent, agent="a1")
    wall = await as_user(floor, "wall", Role.display)

    for scope in ("team:South", "each_agent:team:South", "each_agent", "agent:s1"):
        response = await call(floor, north, "POST", "/v1/alert-rules", break_rule(scope))
        assert response.status_code == 403, (scope, response.text)
    mine = await call(floor, north, "POST", "/v1/alert-rules", break_rule("each_agent:team:North"))
    assert mine.status_code == 201, mine.text
    assert mine.json()["team"] == "North"
    floor_wide = {
        "name": "queue",
        "metric": "calls_waiting",
        "scope": "queue:Sales",
        "op": ">=",
        "threshold": 9,
    }
    assert (await call(floor, north, "POST", "/v1/alert-rules", floor_wide)).status_code == 201
    theirs = await call(
        floor, south, "POST", "/v1/alert-rules", break_rule("each_agent:team:South")
    )
    assert theirs.status_code == 201
    south_id = theirs.json()["id"]

    listed = await call(floor, north, "GET", "/v1/alert-rules")
    assert sorted(r["name"] for r in listed.json()) == ["break each_agent:team:North", "queue"]
    assert (await call(floor, north, "GET", f"/v1/alert-rules/{south_id}")).status_code == 404
    patch = await call(floor, north, "PATCH", f"/v1/alert-rules/{south_id}", {"threshold": 1})
    assert patch.status_code == 404
    moved = await call(
        floor,
        north,
        "PATCH",
        f"/v1/alert-rules/{mine.json()['id']}",
        {"scope": "each_agent:team:South"},
    )
    assert moved.status_code == 403
    assert (
        await call(floor, agent, "POST", "/v1/alert-rules", break_rule("agent:a1"))
    ).status_code == 403

    t0 = base_ms()
    await floor.post(
        ev("agent.login", t0, agent="a1"),
        ev("agent.state", t0, agent="a1", state="break"),
        ev("agent.login", t0, agent="s1"),
        ev("agent.state", t0, agent="s1", state="break"),
    )
    await floor.post(ev("agent.login", t0 + 61 * S, agent="a2"))
    assert sorted(a["scope"] for a in await floor.alerts()) == ["agent:a1", "agent:s1"]

    seen_by_north = (await call(floor, north, "GET", "/v1/alerts")).json()
    assert [a["scope"] for a in seen_by_north] == ["agent:a1"]
    seen_by_south = (await call(floor, south, "GET", "/v1/alerts")).json()
    assert [a["scope"] for a in seen_by_south] == ["agent:s1"]
    assert [a["scope"] for a in (await call(floor, agent, "GET", "/v1/alerts")).json()] == [
        "agent:a1"
    ]
    assert (await call(floor, wall, "GET", "/v1/alerts")).status_code == 403  # live topics only
    history = (await call(floor, north, "GET", "/v1/alerts/history")).json()
    assert {e["scope"] for e in history} == {"agent:a1"}

    s1_alert = seen_by_south[0]["id"]
    assert (
        await call(floor, north, "POST", f"/v1/alerts/{s1_alert}/acknowledge")
    ).status_code == 404
    assert (
        await call(floor, agent, "POST", f"/v1/alerts/{s1_alert}/acknowledge")
    ).status_code == 403
    acked = await call(floor, south, "POST", f"/v1/alerts/{s1_alert}/acknowledge")
    assert acked.status_code == 200
    assert acked.json()["acknowledged_by"] == "user lead.south (team_lead)"


async def test_rule_edits_and_deletion_end_open_alerts_without_losing_history(
    floor: Floor,
) -> None:
    rule = await floor.rule(metric="calls_waiting", scope="queue:Sales", op=">=", threshold=1)
    t0 = base_ms()
    await floor.post(ev("call.queued", t0, call_id="c1", queue="Sales"))
    [alert] = await floor.alerts()

    raised = await floor.client.patch(f"/v1/alert-rules/{rule['id']}", json={"threshold": 2})
    assert raised.status_code == 200
    assert raised.json()["threshold"] == 2
    assert raised.json()["channels"] == [floor.channel_id]
    await floor.post(ev("agent.login", t0 + 5 * S, agent="a1"))  # the new threshold applies
    assert await floor.alerts() == []

    bad = await floor.client.patch(f"/v1/alert-rules/{rule['id']}", json={"clear_threshold": 5})
    assert bad.status_code == 400
    assert "clear_threshold must be <= 2" in bad.json()["error"]["details"][0]["reason"]

    await floor.client.patch(f"/v1/alert-rules/{rule['id']}", json={"threshold": 1})
    await floor.post(ev("agent.login", t0 + 6 * S, agent="a2"))
    [again] = await floor.alerts()
    assert again["id"] != alert["id"]

    disabled = await floor.client.patch(f"/v1/alert-rules/{rule['id']}", json={"enabled": False})
    assert disabled.json()["enabled"] is False
    assert await floor.alerts() == []
    closed = await floor.alerts("resolved", scope="queue:Sales")
    assert [a["id"] for a in closed] == [again["id"], alert["id"]]
    await floor.post(ev("call.queued", t0 + 7 * S, call_id="c2", queue="Sales"))
    assert await floor.alerts() == []  # a disabled rule does not evaluate

    await floor.client.patch(f"/v1/alert-rules/{rule['id']}", json={"enabled": True})
    await floor.post(ev("agent.login", t0 + 8 * S, agent="a3"))
    [third] = await floor.alerts()
    assert (await floor.client.delete(f"/v1/alert-rules/{rule['id']}")).status_code == 204
    assert await floor.alerts() == []
    assert (await floor.client.get(f"/v1/alert-rules/{rule['id']}")).status_code == 404
    detail = (await floor.client.get(f"/v1/alerts/{third['id']}")).json()
    assert detail["rule_id"] is None
    assert detail["state"] == "resolved"
    assert [e["note"] for e in detail["events"]] == [None, "rule deleted"]
    await floor.post(ev("agent.login", t0 + 9 * S, agent="a4"))
    assert await floor.alerts() == []
    unknown = await floor.client.post(
        "/v1/alert-rules",
        json={
            "name": "x",
            "metric": "calls_waiting",
            "scope": "tenant",
            "op": ">",
            "threshold": 1,
            "channels": [999_999],
        },
    )
    assert unknown.status_code == 400


def webhook(name: str, url: str, team: str | None = None) -> dict[str, Any]:
    return {"name": name, "team": team, "settings": {"kind": "webhook", "url": url}}


async def test_channels_belong_to_the_tenant_or_one_team(floor: Floor) -> None:
    """Issue 18, item 2: a lead of North changed and deleted channels of South's rules."""
    north = await as_user(floor, "lead.north", Role.team_lead, teams=("North",))
    south = await as_user(floor, "lead.south", Role.team_lead, teams=("South",))
    sup_all = await as_user(floor, "sup.all", Role.supervisor, all_teams=True)
    url = floor.receiver.url
    tenant_wide = floor.channel_id  # made with an admin key

    refused = await call(floor, north, "POST", "/v1/alert-channels", webhook("ops", url))
    assert refused.status_code == 403
    assert "admins only" in refused.json()["error"]["message"]
    assert (
        await call(floor, sup_all, "POST", "/v1/alert-channels", webhook("ops", url))
    ).status_code == 403
    wrong_team = await call(floor, north, "POST", "/v1/alert-channels", webhook("s", url, "South"))
    assert wrong_team.status_code == 403
    north_hook = await call(
        floor, north, "POST", "/v1/alert-channels", webhook("north", url, "North")
    )
    assert north_hook.status_code == 201, north_hook.text
    assert north_hook.json()["team"] == "North"
    south_hook = await call(
        floor, south, "POST", "/v1/alert-channels", webhook("south", url, "South")
    )
    assert south_hook.status_code == 201
    south_id = south_hook.json()["id"]
    south_rule = await call(
        floor,
        south,
        "POST",
        "/v1/alert-rules",
        {**break_rule("team:South"), "channels": [south_id]},
    )
    assert south_rule.status_code == 201, south_rule.text

    # the finding: North's lead changing and deleting South's channel
    changed = await call(
        floor,
        north,
        "PATCH",
        f"/v1/alert-channels/{south_id}",
        {"settings": {"url": "https://evil.example/hook"}},
    )
    assert changed.status_code == 404
    assert (await call(floor, north, "DELETE", f"/v1/alert-channels/{south_id}")).status_code == 404
    assert (
        await call(floor, north, "PATCH", f"/v1/alert-channels/{tenant_wide}", {"name": "x"})
    ).status_code == 403
    assert (
        await call(floor, north, "DELETE", f"/v1/alert-channels/{tenant_wide}")
    ).status_code == 403
    seen = {c["name"] for c in (await call(floor, north, "GET", "/v1/alert-channels")).json()}
    assert seen == {"hook", "north"}

    # rules take only the channels their author may manage
    for channels in ([south_id], [tenant_wide]):
        sneaky = await call(
            floor,
            north,
            "POST",
            "/v1/alert-rules",
            {**break_rule("team:North"), "channels": channels},
        )
        assert sneaky.status_code == 403, sneaky.text
        assert sneaky.json()["error"]["details"][0]["field"] == "channels"
    own = await call(
        floor,
        north,
        "POST",
        "/v1/alert-rules",
        {**break_rule("team:North"), "channels": [north_hook.json()["id"]]},
    )
    assert own.status_code == 201, own.text

    # an admin's tenant-wide channel on a lead's rule stays when the lead edits the rule
    given = await floor.client.patch(
        f"/v1/alert-rules/{own.json()['id']}",
        json={"channels": [north_hook.json()["id"], tenant_wide]},
    )
    assert given.status_code == 200, given.text
    edited = await call(
        floor, north, "PATCH", f"/v1/alert-rules/{own.json()['id']}", {"threshold": 5}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["channels"] == sorted([north_hook.json()["id"], tenant_wide])

    # South's channel still delivers where South's lead set it
    unchanged = await call(floor, south, "GET", f"/v1/alert-channels/{south_id}")
    assert unchanged.json()["settings"]["url"] == url
