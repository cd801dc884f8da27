"""Messages to the floor over real HTTP and WebSocket (both engines): who may post where (a
team lead only to their teams' dashboards; every wall needs all teams), bad input refused with
the field, listing and taking down within the same scope, expiry, and the message reaching a
subscribed wall over the socket at once (`messages:SCOPE`), refused for another team's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
from sqlalchemy import select

from app.auth.keys import Scope
from app.auth.roles import Role
from app.messages.models import FloorMessage
from app.messages.service import delete_expired
from app.widgets.client import LiveClient, ws_url
from tests.auth.support import bearer, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import eventually, make_tenant_key


async def call(
    app: RunningApp, method: str, path: str, headers: dict[str, str], body: Any = None
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, json=body)


async def test_messages_are_scoped_checked_and_pushed_to_the_walls(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, {Scope.read, Scope.admin})
    admin = bearer(key)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]})
    users = {
        "lead": await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",)),
        "boss": await make_user(url, tenant_id, "boss", Role.supervisor, all_teams=True),
        "agent": await make_user(url, tenant_id, "agent1", Role.agent, agent="n1"),
    }
    tokens = {name: await make_token(url, uid) for name, uid in users.items()}
    lead, boss, agent = (tokens[n].headers() for n in ("lead", "boss", "agent"))
    ids = {}
    for name, team in (("Floor", None), ("North", "North"), ("South", "South")):
        made = await call(app_server, "POST", "/v1/dashboards", admin, {"name": name, "team": team})
        ids[name] = made.json()["id"]

    async with LiveClient(
        ws_url(app_server.base_url),
        tokens["lead"].token,
        ["messages:tenant", "messages:team:North", "messages:team:South"],
    ) as live:
        async with asyncio.timeout(10):
            await live.wait_for(lambda c: len(c.state) == 2 and len(c.errors) == 1)
        assert live.errors[0].topic == "messages:team:South"
        assert live.state["messages:team:North"].data == {}

        posted = await call(
            app_server, "POST", "/v1/messages", lead,
            {"text": "  Team huddle   at 14:00 ", "dashboard_id": ids["North"]},
        )  # fmt: skip
        assert posted.status_code == 201, posted.text
        message = posted.json()
        assert message["text"] == "Team huddle at 14:00"  # one line, white space collapsed
        assert (message["dashboard"], message["team"]) == ("North", "North")
        assert message["created_by"] == "lead"
        async with asyncio.timeout(5):
            await live.wait_for(lambda c: bool(c.state["messages:team:North"].data))
        pushed = live.state["messages:team:North"].data[str(message["id"])]
        assert pushed["text"] == "Team huddle at 14:00"
        assert pushed["dashboard_id"] == ids["North"]

        everyone = await call(
            app_server, "POST", "/v1/messages", boss, {"text": "Fire drill at 15:00"}
        )
        assert everyone.status_code == 201, everyone.text
        async with asyncio.timeout(5):
            await live.wait_for(lambda c: bool(c.state["messages:tenant"].data))

    refused = [
        (lead, {"text": "x", "dashboard_id": ids["South"]}, 400, "dashboard_id"),
        (lead, {"text": "x", "dashboard_id": ids["Floor"]}, 403, None),
        (lead, {"text": "x"}, 403, None),
        (agent, {"text": "x"}, 403, None),
        (admin, {"text": "   "}, 422, "body.text"),
        (admin, {"text": "x" * 281}, 422, "body.text"),
        (admin, {"text": "x", "expires_at": "2020-01-01T00:00:00Z"}, 400, "expires_at"),
        (admin, {"text": "x", "expires_at": "2099-01-01T00:00:00"}, 400, "expires_at"),
    ]
    for who, body, status, field in refused:
        reply = await call(app_server, "POST", "/v1/messages", who, body)
        assert reply.status_code == status, (body, reply.text)
        if field:
            assert reply.json()["error"]["details"][0]["field"] == field, reply.text

    listed = await call(app_server, "GET", "/v1/messages", lead)
    assert [m["text"] for m in listed.json()] == ["Team huddle at 14:00"]
    listed = await call(app_server, "GET", "/v1/messages", admin)
    assert [m["text"] for m in listed.json()] == ["Fire drill at 15:00", "Team huddle at 14:00"]
    floor_wide = listed.json()[0]["id"]
    gone = await call(app_server, "DELETE", f"/v1/messages/{floor_wide}", lead)
    assert gone.status_code == 404, gone.text
    assert (await call(app_server, "DELETE", f"/v1/messages/{floor_wide}", boss)).status_code == 204

    soon = (datetime.now(UTC) + timedelta(seconds=8)).isoformat()
    short = await call(
        app_server, "POST", "/v1/messages", admin, {"text": "Short one", "expires_at": soon}
    )
    assert short.status_code == 201, short.text

    async def expired() -> bool:
        texts = [m["text"] for m in (await call(app_server, "GET", "/v1/messages", admin)).json()]
        return "Short one" not in texts

    assert not await expired()
    await eventually(expired, timeout=20, interval=0.25)


async def test_expiry_keeps_its_offset_and_expired_messages_are_deleted(
    app_server: RunningApp,
) -> None:
    """An expiry given in another zone ends at that instant (SQLite keeps a time without its
    offset, so it is stored in UTC), and housekeeping deletes what has expired, nothing else."""
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, {Scope.read, Scope.admin})
    admin = bearer(key)
    warsaw = timezone(timedelta(hours=1))
    in_an_hour = (datetime.now(warsaw) + timedelta(minutes=60)).replace(microsecond=0)
    posted = await call(
        app_server, "POST", "/v1/messages", admin,
        {"text": "Lunch menu", "expires_at": in_an_hour.isoformat()},
    )  # fmt: skip
    assert posted.status_code == 201, posted.text
    assert datetime.fromisoformat(posted.json()["expires_at"]) == in_an_hour
    listed = (await call(app_server, "GET", "/v1/messages", admin)).json()
    assert [datetime.fromisoformat(m["expires_at"]) for m in listed] == [in_an_hour]

    db = app_server.services.db
    async with db.session() as session:
        session.add(
            FloorMessage(
                tenant_id=tenant_id,
                text="Yesterday's news",
                expires_at=datetime.now(UTC) - timedelta(minutes=1),
            )
        )
        await session.commit()

    async def texts() -> list[str]:
        async with db.session() as session:
            rows = await session.scalars(
                select(FloorMessage.text).where(FloorMessage.tenant_id == tenant_id)
            )
            return list(rows.all())

    assert sorted(await texts()) == ["Lunch menu", "Yesterday's news"]
    assert await delete_expired(db, datetime.now(UTC)) >= 1  # other tests' may expire too
    assert await delete_expired(db, datetime.now(UTC)) == 0
    assert await texts() == ["Lunch menu"]
    assert await delete_expired(db, in_an_hour + timedelta(seconds=1)) >= 1
    assert await texts() == []
