"""The calls a coaching note links, over real HTTP: the note keeps their phrase hits (without
text) after the engine's latest hits have moved on; what was said is shown to staff while the
tenant keeps it, never to the agent the note is about."""

from __future__ import annotations

from typing import Any

import msgspec

from app.auth.roles import Role
from app.events.schemas import CallAnswered, CallQueued, CallTranscript
from app.streams.aggregator.phrases import RECENT_HITS
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import eventually, make_tenant_key, now_ms

LIST = {"name": "obietnice", "kind": "banned", "role": "agent", "phrases": ["gwarantuję*"]}
PROMISE = "Gwarantuję, że rata nie wzrośnie."


def call(call_id: str, agent: str, t: int) -> list[msgspec.Struct]:
    return [
        CallQueued(id=f"{call_id}-q", ts=t, call_id=call_id, queue="Sales"),
        CallAnswered(id=f"{call_id}-a", ts=t + 1, call_id=call_id, agent=agent),
        CallTranscript(id=f"{call_id}-t", ts=t + 2, call_id=call_id, role="agent", text=PROMISE),
    ]


async def test_a_note_keeps_its_calls_hits_and_shows_text_to_staff_only(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url)
    await make_org(url, tenant_id, {"North": ["n1", "n2"]}, ("Sales",))
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    agent = await make_token(url, await make_user(url, tenant_id, "n1", Role.agent, agent="n1"))
    async with app_server.client(admin.token) as c:
        assert (await c.post("/v1/phrase-lists", json=LIST)).status_code == 201
        assert (await c.put("/v1/phrase-settings", json={"keep_segments": True})).status_code == 200
    t = now_ms() - 60_000
    async with app_server.client(key) as c:
        sent = await c.post("/v1/events", content=msgspec.json.encode(call("c1", "n1", t)))
        assert sent.status_code == 200, sent.text

    async with app_server.client(admin.token) as c:

        async def spotted() -> bool:
            return len((await c.get("/v1/phrase-hits")).json()) == 1

        await eventually(spotted)
        made = await c.post(
            "/v1/coaching",
            json={"agent": "n1", "date": "2026-03-02", "topic": "Promises", "call_ids": ["c1"]},
        )
        assert made.status_code == 201, made.text
        note: dict[str, Any] = made.json()
        [linked] = note["calls"]
        assert linked["call_id"] == "c1"
        [hit] = linked["hits"]
        assert (hit["list"], hit["phrase"], hit["role"], hit["text"]) == (
            "obietnice",
            "gwarantuję*",
            "agent",
            PROMISE,
        )

    async with app_server.client(agent.token) as c:
        [own] = (await c.get("/v1/coaching")).json()
        assert own["calls"][0]["hits"][0]["phrase"] == "gwarantuję*"
        assert own["calls"][0]["hits"][0]["text"] is None

    # other calls push c1's hit out of the engine's latest hits; the note keeps it
    later = [e for i in range(RECENT_HITS) for e in call(f"x{i}", "n2", t + 1000 + i * 10)]
    async with app_server.client(key) as c:
        sent = await c.post("/v1/events", content=msgspec.json.encode(later))
        assert sent.status_code == 200, sent.text
    async with app_server.client(admin.token) as c:

        async def moved_on() -> bool:
            hits = (await c.get("/v1/phrase-hits")).json()
            return len(hits) == RECENT_HITS and all(h["call_id"] != "c1" for h in hits)

        await eventually(moved_on)
        kept = (await c.get(f"/v1/coaching/{note['id']}")).json()
        [hit] = kept["calls"][0]["hits"]
        assert (hit["phrase"], hit["text"]) == ("gwarantuję*", None)  # text went with the engine
        relinked = await c.put(
            f"/v1/coaching/{note['id']}",
            json={"agent": "n1", "date": "2026-03-02", "topic": "Promises",
                  "call_ids": ["c1", "x0"]},
        )  # fmt: skip
        assert relinked.status_code == 200, relinked.text
        calls = {c["call_id"]: c["hits"] for c in relinked.json()["calls"]}
        assert [h["phrase"] for h in calls["c1"]] == ["gwarantuję*"]
        assert [(h["phrase"], h["text"]) for h in calls["x0"]] == [("gwarantuję*", PROMISE)]
