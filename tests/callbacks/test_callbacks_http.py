"""`/v1/callbacks` and the `callbacks:` topics over real HTTP and WebSocket on both engines:
who sees numbers whole and who masked (the same rule on both), pages, dismissal by role."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from app.auth.keys import Scope
from app.auth.roles import Role
from app.widgets.client import LiveClient, ws_url
from app.widgets.hub import Hub
from tests.auth.support import bearer, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import ev, eventually, make_tenant_key, now_ms

SALES = "+48601234567"
SUPPORT = "+48700111222"


async def get(app: RunningApp, headers: dict[str, str], **params: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=app.base_url, headers=headers, timeout=30) as http:
        return await http.get("/v1/callbacks", params=params)


async def post(app: RunningApp, headers: dict[str, str], path: str, body: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=app.base_url, headers=headers, timeout=30) as http:
        return await http.post(path, json=body)


async def send(app: RunningApp, key: str, events: list[dict[str, Any]]) -> None:
    async with app.client(key) as http:
        reply = await http.post("/v1/events", content=orjson.dumps(events))
    assert reply.status_code == 200, reply.text
    assert reply.json()["accepted"] == len(events), reply.text


def numbers(reply: httpx.Response) -> dict[str | None, str]:
    assert reply.status_code == 200, reply.text
    return {item["queue"]: item["number"] for item in reply.json()["items"]}


async def test_numbers_by_role_pages_dismissal_and_the_socket(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, name=f"cb-{uuid.uuid4().hex[:8]}"
    )
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]})
    async with app_server.client(key) as http:
        patched = await http.patch("/v1/tenant", json={"country_code": "48"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["country_code"] == "48"
    users = {
        "supervisor": await make_user(url, tenant_id, "sup", Role.supervisor, all_teams=True),
        "north": await make_user(url, tenant_id, "nl", Role.team_lead, teams=("North",)),
        "south": await make_user(url, tenant_id, "sl", Role.team_lead, teams=("South",)),
        "agent": await make_user(url, tenant_id, "ag", Role.agent, agent="n1"),
    }
    heads = {name: (await make_token(url, uid)).headers() for name, uid in users.items()}
    async with app_server.client(key) as http:
        widgets = [  # a display link reads the topics of its dashboard's widgets only
            {"id": "all", "type": "callbacks", "x": 0, "y": 0, "w": 6, "h": 4},
            {"id": "sales", "type": "callbacks", "scope": "queue:Sales",
             "x": 6, "y": 0, "w": 6, "h": 4},
        ]  # fmt: skip
        board = (
            await http.post("/v1/dashboards", json={"name": "Floor", "widgets": widgets})
        ).json()
        link = await http.post(f"/v1/dashboards/{board['id']}/display-links", json={"name": "TV"})
    assert link.status_code == 201, link.text
    heads["display"] = bearer(link.json()["token"])

    t = now_ms() - 600_000
    await send(
        app_server,
        key,
        [
            ev("agent.login", t, agent="n1"),
            ev("call.queued", t + 1000, call_id="c0", queue="Sales", caller="+48 600 000 000"),
            ev("call.answered", t + 5000, call_id="c0", agent="n1"),  # North serves Sales
            ev("call.ended", t + 9000, call_id="c0"),
            ev("call.queued", t + 10_000, call_id="c1", queue="Sales", caller="0601 234 567"),
            ev("call.abandoned", t + 40_000, call_id="c1"),
            ev("call.queued", t + 50_000, call_id="c2", queue="Sales", caller=SALES),
            ev("call.abandoned", t + 80_000, call_id="c2"),
            ev("call.queued", t + 90_000, call_id="c3", queue="Support", caller="0700-111-222"),
            ev("call.left_queue", t + 150_000, call_id="c3", reason="timeout"),
            ev("call.queued", t + 160_000, call_id="c4", queue="Support", caller="+48700999"),
            ev("call.abandoned", t + 161_000, call_id="c4"),  # a short abandon: never listed
        ],
    )

    async def listed() -> bool:
        return len((await get(app_server, heads["supervisor"])).json()["items"]) == 2

    await eventually(listed)
    whole = await get(app_server, heads["supervisor"])
    items = whole.json()["items"]
    assert [(i["queue"], i["misses"], i["status"]) for i in items] == [
        ("Sales", 2, "open"),
        ("Support", 1, "open"),
    ]
    assert whole.json()["counts"]["open"] == 2
    assert numbers(whole) == {"Sales": SALES, "Support": SUPPORT}
    assert numbers(await get(app_server, bearer(key))) == {"Sales": SALES, "Support": SUPPORT}
    assert numbers(await get(app_server, heads["north"])) == {
        "Sales": SALES,
        "Support": "+48 ••• ••• 222",
    }
    masked = {"Sales": "+48 ••• ••• 567", "Support": "+48 ••• ••• 222"}
    for who in ("south", "agent"):
        assert numbers(await get(app_server, heads[who])) == masked, who
    # a wall reads the list from its socket topic (below), never from this route
    assert (await get(app_server, heads["display"])).status_code == 403
    assert (await get(app_server, {})).status_code == 401

    first = (await get(app_server, heads["supervisor"], limit=1)).json()
    assert [i["queue"] for i in first["items"]] == ["Sales"]
    second = await get(app_server, heads["supervisor"], limit=1, cursor=first["next_cursor"])
    assert [i["queue"] for i in second.json()["items"]] == ["Support"]
    assert second.json()["next_cursor"] is None
    assert numbers(await get(app_server, heads["supervisor"], queue="Support")) == {
        "Support": SUPPORT
    }
    bad = await get(app_server, heads["supervisor"], cursor="yesterday")
    assert bad.status_code == 400
    assert "cursor" in bad.text
    assert (await get(app_server, heads["supervisor"], status="closed")).status_code == 422

    sales_id, support_id = (i["id"] for i in items)
    path = f"/v1/callbacks/{sales_id}/dismiss"
    for who in ("agent", "display", "south"):
        refused = await post(app_server, heads[who], path, {"reason": "spam"})
        assert refused.status_code == 403, (who, refused.text)
    assert (await post(app_server, heads["north"], path, {})).status_code == 422
    missing = await post(app_server, heads["north"], "/v1/callbacks/999/dismiss", {"reason": "x"})
    assert missing.status_code == 404
    done = await post(app_server, heads["north"], path, {"reason": "wrong number"})
    assert done.status_code == 202, done.text
    assert (done.json()["status"], done.json()["number"]) == ("dismissed", SALES)

    async with LiveClient(
        ws_url(app_server.base_url),
        heads["supervisor"]["Authorization"].removeprefix("Bearer "),
        ["callbacks:tenant", "callbacks:queue:Support", "callbacks:nowhere"],
    ) as live:
        async with asyncio.timeout(15):
            await live.wait_for(
                lambda c: (
                    c.state.get("callbacks:tenant") is not None
                    and c.state["callbacks:tenant"].data.get(str(sales_id), {}).get("status")
                    == "dismissed"
                )
            )
            # after the dismissal, which happened at the wall clock's now
            connected = now_ms()
            await send(
                app_server,
                key,
                [
                    ev("call.dialed", connected - 10_000, call_id="o1", agent="n1", caller=SUPPORT),
                    ev("call.connected", connected, call_id="o1", agent="n1"),
                ],
            )
            await live.wait_for(
                lambda c: (
                    c.state["callbacks:queue:Support"].data[str(support_id)]["status"]
                    == "returned_by_us"
                )
            )
        tenant_rows = live.state["callbacks:tenant"].data
        support_rows = live.state["callbacks:queue:Support"].data
        assert [e.code for e in live.errors] == ["bad_topic"]
    assert sorted(tenant_rows) == sorted([str(sales_id), str(support_id)])
    assert list(support_rows) == [str(support_id)]
    # a supervisor's own screen: whole numbers, as in GET /v1/callbacks
    assert tenant_rows[str(sales_id)]["number"] == SALES
    assert tenant_rows[str(sales_id)]["status"] == "dismissed"
    assert "reason" not in tenant_rows[str(sales_id)]  # free text stays off the walls
    assert support_rows[str(support_id)]["number"] == SUPPORT
    assert support_rows[str(support_id)]["callback_ms"] == connected - (t + 150_000)
    assert "teams" not in tenant_rows[str(sales_id)]

    # the same topics for each reader at once: a lead sees its teams' queues whole, an agent, a
    # display link and the lead of a team serving no listed queue see masked numbers
    expected = {
        "supervisor": {str(sales_id): SALES, str(support_id): SUPPORT},
        "north": {str(sales_id): SALES, str(support_id): "+48 ••• ••• 222"},
        "south": {str(sales_id): "+48 ••• ••• 567", str(support_id): "+48 ••• ••• 222"},
        "agent": {str(sales_id): "+48 ••• ••• 567", str(support_id): "+48 ••• ••• 222"},
        "display": {str(sales_id): "+48 ••• ••• 567", str(support_id): "+48 ••• ••• 222"},
    }
    topics = ["callbacks:tenant", "callbacks:queue:Sales"]
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            who: await stack.enter_async_context(
                LiveClient(
                    ws_url(app_server.base_url),
                    heads[who]["Authorization"].removeprefix("Bearer "),
                    topics,
                )
            )
            for who in expected
        }
        async with asyncio.timeout(15):
            for who, client in clients.items():
                await client.wait_for(lambda c: all(t in c.state for t in topics))
                seen = {k: row["number"] for k, row in client.state[topics[0]].data.items()}
                assert seen == expected[who], who
                sales_only = client.state[topics[1]].data
                assert {k: r["number"] for k, r in sales_only.items()} == {
                    str(sales_id): expected[who][str(sales_id)]
                }, who
                assert not client.errors, who
        # one state per view, shared by the connections with that view: every number, North's
        # queues, South's queues, none (the agent and the display link share it)
        epochs = {who: client.state[topics[0]].epoch for who, client in clients.items()}
        assert len(set(epochs.values())) == 4
        assert epochs["agent"] == epochs["display"]

    again = await post(app_server, heads["supervisor"], path, {"reason": "twice"})
    assert again.status_code == 409
    closed = (await get(app_server, heads["supervisor"], status="all")).json()
    assert closed["counts"] == {
        "open": 0,
        "returned_by_us": 1,
        "called_again": 0,
        "expired": 0,
        "dismissed": 1,
    }
    assert closed["items"][1]["time_to_callback_s"] == (connected - t - 150_000) / 1000


async def test_a_lead_given_other_teams_is_moved_to_their_view(app_server: RunningApp) -> None:
    """The credential check moves a connection to the view its user has now: a lead of North
    sees the Sales number whole, is moved to South (which serves no listed queue), and gets a
    snapshot with the number masked, without reconnecting."""
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, name=f"cbv-{uuid.uuid4().hex[:8]}"
    )
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]})
    lead = await make_user(url, tenant_id, "nl", Role.team_lead, teams=("North",))
    token = (await make_token(url, lead)).headers()["Authorization"].removeprefix("Bearer ")
    t = now_ms() - 600_000
    await send(
        app_server,
        key,
        [
            ev("call.queued", t, call_id="c0", queue="Sales", caller="+48600000000"),
            ev("call.answered", t + 5000, call_id="c0", agent="n1"),  # North serves Sales
            ev("call.queued", t + 10_000, call_id="c1", queue="Sales", caller=SALES),
            ev("call.abandoned", t + 40_000, call_id="c1"),
        ],
    )
    topic = "callbacks:tenant"

    def numbers_on(client: LiveClient) -> list[str]:
        copy = client.state.get(topic)
        return [row["number"] for row in copy.data.values()] if copy else []

    async with LiveClient(ws_url(app_server.base_url), token, [topic]) as live:
        async with asyncio.timeout(15):
            await live.wait_for(lambda c: numbers_on(c) == [SALES])
            first_epoch = live.state[topic].epoch
            async with app_server.client(key) as http:
                moved = await http.patch(f"/v1/users/{lead}", json={"teams": ["South"]})
            assert moved.status_code == 200, moved.text
            fastapi_app = app_server.server.config.app
            assert isinstance(fastapi_app, FastAPI)
            hub: Hub = fastapi_app.state.hub
            await hub._recheck_credentials()
            await live.wait_for(lambda c: numbers_on(c) == ["+48 ••• ••• 567"])
        assert live.state[topic].epoch != first_epoch
        assert not live.errors
