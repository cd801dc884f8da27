"""`/v1/phrase-settings` over real HTTP: only the match is kept by default; an admin may keep
the matching segment, which then shows with the hit to staff; others may not change it."""

from __future__ import annotations

import msgspec

from app.auth.roles import Role
from app.events.schemas import CallAnswered, CallQueued, CallTranscript
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import eventually, make_tenant_key, now_ms

LIST = {"name": "obietnice", "kind": "banned", "role": "agent", "phrases": ["gwarantuję*"]}
LINE = "Gwarantuję, że rata nie wzrośnie."


async def test_segments_are_kept_only_when_the_tenant_says_so(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url)
    await make_org(url, tenant_id, {"alfa": ["anna"]}, ("sprzedaz",))
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    lead = await make_token(
        url, await make_user(url, tenant_id, "lead", Role.team_lead, teams=("alfa",))
    )
    async with app_server.client(admin.token) as c:
        assert (await c.get("/v1/phrase-settings")).json() == {
            "keep_segments": False,
            "retention_days": 7,
        }
        assert (await c.post("/v1/phrase-lists", json=LIST)).status_code == 201
        refused = await c.put("/v1/phrase-settings", json={"retention_days": 0})
        assert refused.status_code == 422
        assert refused.json()["error"]["details"][0]["field"] == "body.retention_days"
    async with app_server.client(lead.token) as c:
        assert (await c.get("/v1/phrase-settings")).status_code == 200
        assert (await c.put("/v1/phrase-settings", json={"keep_segments": True})).status_code == 403

    t = now_ms()

    async def post(call: str, offset: int) -> None:
        async with app_server.client(key) as c:
            batch = [
                CallQueued(id=f"{call}-q", ts=t + offset, call_id=call, queue="sprzedaz"),
                CallAnswered(id=f"{call}-a", ts=t + offset, call_id=call, agent="anna"),
                CallTranscript(id=f"{call}-t", ts=t + offset + 1, call_id=call, role="agent",
                               text=LINE),
            ]  # fmt: skip
            assert (
                await c.post("/v1/events", content=msgspec.json.encode(batch))
            ).status_code == 200

    async def hits() -> list[tuple[str, str | None]]:
        async with app_server.client(lead.token) as c:
            return [(h["call_id"], h["text"]) for h in (await c.get("/v1/phrase-hits")).json()]

    await post("c1", 0)

    async def first() -> bool:
        return await hits() == [("c1", None)]

    await eventually(first)
    async with app_server.client(admin.token) as c:
        kept = await c.put("/v1/phrase-settings", json={"keep_segments": True})
        assert kept.json() == {"keep_segments": True, "retention_days": 7}
    await post("c2", 10)

    async def second() -> bool:
        return await hits() == [("c1", None), ("c2", LINE)]

    await eventually(second, timeout=20)


async def test_a_coaching_note_links_the_calls_that_show_the_problem(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    tenant_id, _ = await make_tenant_key(url)
    await make_org(url, tenant_id, {"alfa": ["piotr"]}, ())
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    note = {"agent": "piotr", "date": "2026-03-02", "topic": "Promises", "call_ids": ["p2", "e1"]}
    async with app_server.client(admin.token) as c:
        created = await c.post("/v1/coaching", json=note)
        assert created.status_code == 201, created.text
        assert created.json()["call_ids"] == ["p2", "e1"]
        got = (await c.get(f"/v1/coaching/{created.json()['id']}")).json()
        assert got["call_ids"] == ["p2", "e1"]
        twice = await c.post("/v1/coaching", json={**note, "call_ids": ["p2", "p2"]})
        assert twice.status_code == 422
        assert twice.json()["error"]["details"][0]["field"] == "body.call_ids"
        plain = await c.post("/v1/coaching", json={**note, "call_ids": []})
        assert plain.json()["call_ids"] == []
