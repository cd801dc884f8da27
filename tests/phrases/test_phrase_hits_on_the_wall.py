"""The `phrases:` topics over a real WebSocket: the latest hits reach walls without the segment
text (even when the tenant keeps segments), a team's topic holds only its agents' hits, and
who may subscribe follows the board (a team lead and a team's display link their team only; a
floor-wide display link the tenant)."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from app.auth.roles import Role
from app.dashboards.topics import TopicError, TopicKind, parse_topic
from app.events.schemas import CallAnswered, CallQueued, CallTranscript
from app.widgets.client import LiveClient, ws_url
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key, now_ms

LIST = {"name": "obietnice", "kind": "banned", "role": "agent", "phrases": ["gwarantuję*"]}
LINE = "Gwarantuję, że rata nie wzrośnie."
HIT_FIELDS = {"seq", "at_ms", "agent", "team", "list", "kind", "phrase", "role"}


def test_phrase_topics_are_the_tenants_or_a_teams() -> None:
    team = parse_topic(1, "phrases:team:EU:North")
    assert (team.kind, team.scope_name) == (TopicKind.phrases, "EU:North")
    for bad in ("phrases:queue:Sales", "phrases:agent:a1", "phrases:"):
        with pytest.raises(TopicError):
            parse_topic(1, bad)


def topic_state(live: LiveClient, topic: str) -> dict[str, dict[str, object]] | None:
    state = live.state.get(topic)
    return None if state is None else state.data


async def test_walls_read_the_latest_hits_scoped_and_without_text(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]}, ("Sales",))
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    lead = await make_token(
        url, await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",))
    )
    async with app_server.client(admin.token) as c:
        assert (await c.post("/v1/phrase-lists", json=LIST)).status_code == 201
        kept = await c.put("/v1/phrase-settings", json={"keep_segments": True})
        assert kept.status_code == 200, kept.text
        # both walls ask for every hit list; a team's link is granted only its team's
        widgets = [
            {"id": f"p{i}", "type": "phrases", "options": {"team": team} if team else {}}
            for i, team in enumerate((None, "North", "South"))
        ]
        floor = (await c.post("/v1/dashboards", json={"name": "Floor", "widgets": widgets})).json()
        north = await c.post(
            "/v1/dashboards", json={"name": "North", "team": "North", "widgets": widgets}
        )
        assert north.status_code == 201, north.text
        links = {}
        for name, board in (("floor", floor), ("north", north.json())):
            made = await c.post(f"/v1/dashboards/{board['id']}/display-links", json={"name": name})
            assert made.status_code == 201, made.text
            links[name] = made.json()["token"]

    t = now_ms()
    batch = []
    for i, agent in enumerate(("n1", "s1", "n1")):
        call = f"c{i}"
        batch += [
            CallQueued(id=f"{call}-q", ts=t + i, call_id=call, queue="Sales"),
            CallAnswered(id=f"{call}-a", ts=t + i, call_id=call, agent=agent),
            CallTranscript(id=f"{call}-t", ts=t + i + 1, call_id=call, role="agent", text=LINE),
        ]
    async with app_server.client(key) as c:
        sent = await c.post("/v1/events", content=msgspec.json.encode(batch))
        assert sent.status_code == 200, sent.text

    base = ws_url(app_server.base_url)
    topics = ["phrases:tenant", "phrases:team:North", "phrases:team:South"]
    async with (
        LiveClient(base, links["floor"], topics) as floor_wall,
        LiveClient(base, links["north"], topics) as north_wall,
        LiveClient(base, lead.token, topics) as lead_wall,
    ):
        async with asyncio.timeout(15):
            await floor_wall.wait_for(
                lambda c: (
                    len(topic_state(c, "phrases:tenant") or {}) == 3
                    and len(topic_state(c, "phrases:team:South") or {}) == 1
                )
            )
            for wall in (north_wall, lead_wall):
                await wall.wait_for(lambda c: len(topic_state(c, "phrases:team:North") or {}) == 2)
        everything = topic_state(floor_wall, "phrases:tenant") or {}
        assert sorted(h["agent"] for h in everything.values()) == ["n1", "n1", "s1"]  # type: ignore[type-var]
        for hit in everything.values():
            assert set(hit) == HIT_FIELDS
            assert (hit["list"], hit["kind"], hit["phrase"], hit["role"]) == (
                "obietnice",
                "banned",
                "gwarantuję*",
                "agent",
            )
        assert LINE not in repr(floor_wall.state) + repr(north_wall.state)
        for wall in (north_wall, lead_wall):
            own = topic_state(wall, "phrases:team:North") or {}
            assert {h["agent"] for h in own.values()} == {"n1"}
            assert {h["team"] for h in own.values()} == {"North"}
            assert topic_state(wall, "phrases:tenant") is None
            assert topic_state(wall, "phrases:team:South") is None
            refused = sorted((e.code, e.topic) for e in wall.errors)
            assert refused == [
                ("forbidden", "phrases:team:South"),
                ("forbidden", "phrases:tenant"),
            ]
        assert floor_wall.errors == []
