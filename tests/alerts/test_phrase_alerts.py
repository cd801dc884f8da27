"""Banned-phrase alerts over real HTTP and WebSocket: a banned phrase said on a call raises one
alert at once (agent, queue, list, phrase), with the segment's text for supervisors and the
leads of the agent's team and for the tenant-wide webhook, without it for the agent, display
links and the wall's topics, not at all for another team's lead; once per call and phrase,
across a restart; the text only when the tenant keeps segments, and gone with its retention."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, select, update

from app.alerts.models import AlertSegment
from app.alerts.payloads import describe_phrase, email_message, slack_body, teams_body
from app.alerts.retention import prune_alert_history
from app.alerts.schemas import AlertOut
from app.alerts.segments import with_phrase_text
from app.auth.roles import Role
from app.core.config import ClockKind, Settings
from app.core.db import Database
from app.streams.clock import wall_ms
from app.widgets.client import LiveClient, ws_url
from tests.alerts.receivers import http_receiver
from tests.alerts.support import Floor, base_ms, make_floor
from tests.auth.support import make_token, make_user
from tests.conftest import RunningApp, engine_settings_of, start_app, stop_app
from tests.helpers import ev, eventually

S = 1000
LIST = {"name": "obietnice", "kind": "banned", "role": "agent", "phrases": ["gwarantuję*"]}
LINE = "Gwarantuję, że rata nie wzrośnie."
RULE = {
    "name": "Zakazana fraza",
    "metric": "banned_phrase",
    "scope": "each_agent",
    "window": "live",
    "op": ">",
    "threshold": 0,
    "severity": "critical",
}


@pytest.fixture
async def floor(app_server: RunningApp) -> AsyncIterator[Floor]:
    async with http_receiver() as receiver, make_floor(app_server, receiver) as floor:
        yield floor


async def phrase_list(floor: Floor, keep_segments: bool) -> None:
    made = await floor.client.post("/v1/phrase-lists", json=LIST)
    assert made.status_code == 201, made.text
    kept = await floor.client.put("/v1/phrase-settings", json={"keep_segments": keep_segments})
    assert kept.status_code == 200, kept.text


def banned_call(call_id: str, t0: int, agent: str, *lines: str) -> list[dict[str, Any]]:
    events = [
        ev("call.queued", t0, call_id=call_id, queue="Sales"),
        ev("call.answered", t0 + S, call_id=call_id, agent=agent),
    ]
    for i, line in enumerate(lines):
        events.append(
            ev("call.transcript", t0 + (2 + i) * S, call_id=call_id, role="agent", text=line)
        )
    return events


async def user_token(floor: Floor, name: str, role: Role, **scope: Any) -> str:
    url = floor.app.settings.database_url
    return (await make_token(url, await make_user(url, floor.tenant_id, name, role, **scope))).token


async def get_alerts(floor: Floor, token: str) -> list[dict[str, Any]]:
    async with floor.app.client(token) as c:
        response = await c.get("/v1/alerts", params={"state": ["firing", "resolved"]})
        assert response.status_code == 200, response.text
        alerts: list[dict[str, Any]] = response.json()
        return alerts


async def display_link(floor: Floor) -> str:
    alerts = {"id": "alerts", "type": "alerts"}  # a link reads only its widgets' topics
    board = await floor.client.post("/v1/dashboards", json={"name": "Floor", "widgets": [alerts]})
    assert board.status_code == 201, board.text
    link = await floor.client.post(
        f"/v1/dashboards/{board.json()['id']}/display-links", json={"name": "wall"}
    )
    assert link.status_code == 201, link.text
    token: str = link.json()["token"]
    return token


async def test_a_banned_phrase_fires_once_with_its_text_for_those_who_may_read_it(
    floor: Floor,
) -> None:
    await phrase_list(floor, keep_segments=True)
    rule = await floor.rule(**RULE)
    supervisor = await user_token(floor, "sup", Role.supervisor, all_teams=True)
    north_lead = await user_token(floor, "north", Role.team_lead, teams=("North",))
    south_lead = await user_token(floor, "south", Role.team_lead, teams=("South",))
    agent = await user_token(floor, "a1", Role.agent, agent="a1")
    wall = await display_link(floor)

    async with LiveClient(ws_url(floor.app.base_url), wall, ["alerts:tenant"]) as live:
        t0 = base_ms()
        await floor.post(*banned_call("c1", t0, "a1", LINE, "Jeszcze raz: gwarantuję to panu."))

        (alert,) = await get_alerts(floor, supervisor)
        assert alert["rule_id"] == rule["id"]
        assert (alert["state"], alert["severity"], alert["scope"], alert["team"]) == (
            "firing",
            "critical",
            "agent:a1",
            "North",
        )
        phrase = alert["phrase"]
        assert {k: phrase[k] for k in ("call_id", "agent", "agent_name", "queue", "list")} == {
            "call_id": "c1",
            "agent": "a1",
            "agent_name": "A1",
            "queue": "Sales",
            "list": "obietnice",
        }
        assert (phrase["phrase"], phrase["role"], phrase["text"]) == ("gwarantuję*", "agent", LINE)
        assert "A1 (a1)" in alert["summary"]
        assert "gwarantuję*" in alert["summary"]
        assert LINE not in alert["summary"]

        (lead_view,) = await get_alerts(floor, north_lead)
        assert lead_view["phrase"]["text"] == LINE
        (own,) = await get_alerts(floor, agent)
        assert (own["phrase"]["phrase"], own["phrase"]["text"]) == ("gwarantuję*", None)
        assert await get_alerts(floor, south_lead) == []
        async with floor.app.client(south_lead) as c:
            assert (await c.get(f"/v1/alerts/{alert['id']}")).status_code == 404
        async with floor.app.client(supervisor) as c:
            detail = (await c.get(f"/v1/alerts/{alert['id']}")).json()
            assert detail["phrase"]["text"] == LINE

        async with asyncio.timeout(15):
            await live.wait_for(lambda c: bool(c.state.get("alerts:tenant", None)) and bool(
                c.state["alerts:tenant"].data))  # fmt: skip
        (shown,) = live.state["alerts:tenant"].data.values()
        assert shown["phrase"]["phrase"] == "gwarantuję*"
        assert shown["phrase"]["text"] is None
        assert LINE not in repr(live.state)

    await floor.settled()
    (firing,) = [r for r in floor.receiver.requests if r.headers["x-floorwatch-event"] == "firing"]
    sent = json.loads(firing.body)["alert"]
    assert sent["phrase"]["text"] == LINE  # the tenant-wide channel: admins own it
    assert await floor.transitions() == [("normal", "firing")]

    # the same phrase again on the same call raises nothing; on another call it does
    await floor.post(ev("call.transcript", t0 + 20 * S, call_id="c1", role="agent", text=LINE))
    assert len(await get_alerts(floor, supervisor)) == 1
    await floor.post(*banned_call("c2", t0 + 30 * S, "s1", "gwarantuje, ze bedzie taniej"))
    alerts = await get_alerts(floor, supervisor)
    assert sorted(a["phrase"]["call_id"] for a in alerts) == ["c1", "c2"]
    (south,) = await get_alerts(floor, south_lead)
    assert south["phrase"]["text"] == "gwarantuje, ze bedzie taniej"

    # it resolves after 5 minutes, without a `resolved` notification
    await floor.post(ev("agent.state", t0 + 400 * S, agent="a2", state="available"))
    assert {a["state"] for a in await get_alerts(floor, supervisor)} == {"resolved"}
    await floor.settled()
    events = sorted(r.headers["x-floorwatch-event"] for r in floor.receiver.requests)
    assert events == ["firing", "firing"]


async def test_a_team_channel_gets_only_its_agents_alerts(floor: Floor) -> None:
    await phrase_list(floor, keep_segments=True)
    north = await floor.client.post(
        "/v1/alert-channels",
        json={
            "name": "north hook",
            "team": "North",
            "settings": {"kind": "webhook", "url": floor.receiver.url + "/north"},
        },
    )
    assert north.status_code == 201, north.text
    await floor.rule(**RULE, channels=[north.json()["id"]])
    t0 = base_ms()
    await floor.post(*banned_call("c1", t0, "s1", LINE), *banned_call("c2", t0, "a2", LINE))
    await floor.settled()
    (sent,) = [json.loads(r.body)["alert"] for r in floor.receiver.requests]
    assert (sent["phrase"]["agent"], sent["phrase"]["text"]) == ("a2", LINE)


def own_segments(floor: Floor) -> Select[AlertSegment]:
    return select(AlertSegment).where(AlertSegment.tenant_id == floor.tenant_id)


async def test_without_kept_segments_no_text_is_stored(floor: Floor) -> None:
    await phrase_list(floor, keep_segments=False)
    await floor.rule(**RULE)
    await floor.post(*banned_call("c1", base_ms(), "a1", LINE))
    (alert,) = await floor.alerts()
    assert (alert["phrase"]["phrase"], alert["phrase"]["text"]) == ("gwarantuję*", None)
    db = Database(floor.app.settings.database_url)
    try:
        async with db.session() as session:
            assert (await session.scalars(own_segments(floor))).all() == []
    finally:
        await db.close()


async def test_the_text_goes_with_the_segment_retention(floor: Floor) -> None:
    await phrase_list(floor, keep_segments=True)
    await floor.rule(**RULE)
    await floor.post(*banned_call("c1", base_ms(), "a1", LINE))
    (alert,) = await floor.alerts()
    assert alert["phrase"]["text"] == LINE
    db = Database(floor.app.settings.database_url)
    try:
        async with db.session() as session:
            (kept,) = (await session.scalars(own_segments(floor))).all()
            # kept for the tenant's 7 days from when the segment was applied (just now)
            assert abs(kept.expires_ms - (wall_ms() + 7 * 86_400_000)) < 120_000
            await session.execute(
                update(AlertSegment)
                .where(AlertSegment.tenant_id == floor.tenant_id)
                .values(expires_ms=wall_ms() - 1)
            )
            await session.commit()
        (alert,) = await floor.alerts()
        assert alert["phrase"]["text"] is None  # hidden at once, before any prune
        pruned = await prune_alert_history(db, 365, wall_ms())
        assert (pruned.alerts, pruned.segments) == (0, 1)
        async with db.session() as session:
            assert (await session.scalars(own_segments(floor))).all() == []
    finally:
        await db.close()


@pytest.fixture(params=["redis"])
def redis_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return engine_settings_of(request, tmp_path).model_copy(
        update={"clock": ClockKind.event, "login_ip_max_failures": 10_000}
    )


async def test_a_restarted_server_raises_no_alert_twice(redis_settings: Settings) -> None:
    """The phrase hit is in the restarted engine's state again (its checkpoint and the log's
    tail); the alert it raised before the restart is found by its key, not raised again."""
    async with http_receiver() as receiver:
        first, task = await start_app(redis_settings)
        try:
            async with make_floor(first, receiver) as floor:
                await phrase_list(floor, keep_segments=True)
                await floor.rule(**RULE)
                t0 = base_ms()
                await floor.post(*banned_call("c1", t0, "a1", LINE))
                assert len(await floor.alerts()) == 1
                await floor.settled()
                tenant_id, key, name = floor.tenant_id, floor.key, floor.name
        finally:
            await stop_app(first, task)
        second, task = await start_app(redis_settings)
        try:
            async with second.client(key) as client:
                again = Floor(second, name, tenant_id, key, client, 0, receiver)

                async def hits_restored() -> bool:
                    hits = (await client.get("/v1/phrase-hits")).json()
                    return [h["call_id"] for h in hits] == ["c1"]

                await again.post(ev("agent.state", t0 + 10 * S, agent="a2", state="available"))
                await eventually(hits_restored)
                await again.post(ev("agent.state", t0 + 11 * S, agent="a2", state="break"))
                alerts = await again.alerts("firing", "resolved")
                assert [a["phrase"]["call_id"] for a in alerts] == ["c1"]
                await again.settled()
                assert len(receiver.requests) == 1
        finally:
            await stop_app(second, task)


def test_chat_and_mail_carry_the_phrase_and_the_text_only_when_given() -> None:
    detail = {"phrase": "gwarantuję*", "list": "obietnice", "call_id": "c1", "agent": "a1",
              "agent_name": "Anna Nowak", "queue": "Sales", "role": "agent",
              "said_ms": 0}  # fmt: skip
    assert describe_phrase("Zakazana fraza", detail, "pl") == (
        "Zakazana fraza: Anna Nowak (a1) powiedział(a) „gwarantuję*” (lista obietnice, "
        "kolejka Sales)"
    )
    assert describe_phrase("Banned", {**detail, "role": "customer", "queue": None}) == (
        "Banned: the customer said “gwarantuję*” on a call of Anna Nowak (a1) (list obietnice)"
    )
    bare = AlertOut.model_validate(
        {"id": 1, "rule_id": 1, "rule_name": "Banned", "fingerprint": "f", "state": "firing",
         "severity": "critical", "metric": "banned_phrase", "window": "live", "scope": "agent:a1",
         "team": "North", "op": ">", "threshold": 0, "value": 1, "summary": "s",
         "started_at": "2026-03-02T10:00:00Z", "fired_at": "2026-03-02T10:00:00Z",
         "ended_at": None, "acknowledged_at": None, "acknowledged_by": None,
         "silenced_until": None,
         "phrase": {"call_id": "c1", "agent": "a1", "agent_name": "Anna Nowak",
                    "queue": "Sales", "list": "obietnice", "phrase": "gwarantuję*",
                    "role": "agent", "said_at": "2026-03-02T10:00:00Z"}}
    )  # fmt: skip
    with_text = with_phrase_text(bare, LINE)
    assert LINE not in slack_body(bare, "firing").decode()
    assert (
        LINE in json.loads(slack_body(with_text, "firing"))["attachments"][0]["fields"][-1]["value"]
    )
    assert LINE in json.dumps(json.loads(teams_body(with_text, "firing")), ensure_ascii=False)
    mail = email_message(with_text, "firing", "fw@example.com", ["lead@example.com"])
    assert f"Said:        {LINE}" in mail.get_content()
    assert "Phrase:      gwarantuję*" in email_message(bare, "firing", "a@b.c", []).get_content()
