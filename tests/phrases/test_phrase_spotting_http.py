"""Phrase spotting end to end over real HTTP on both engines: phrase lists written through
`/v1/phrase-lists` reach the aggregator, the transcript set posted to `/v1/events` gives the
exact figures on `/v1/metrics`, and Contact Lens segments posted to their adapter count too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from app.auth.roles import Role
from app.core.config import ClockKind, Settings
from app.events.schemas import CallAnswered, CallQueued
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import ENGINES, RunningApp, engine_settings_of, start_app, stop_app
from tests.helpers import eventually, make_tenant_key, now_ms
from tests.integrations.golden import SAMPLES
from tests.phrases.test_phrase_scenario import TENANT
from tests.phrases.transcripts import LISTS, events

BANNED_RULE = {
    "name": "Banned phrase",
    "metric": "banned_calls",
    "scope": "each_agent",
    "window": "today",
    "op": ">",
    "threshold": 0,
    "severity": "critical",
}


@pytest.fixture(params=ENGINES)
def event_clock_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return engine_settings_of(request, tmp_path).model_copy(update={"clock": ClockKind.event})


@pytest.fixture
async def server(event_clock_settings: Settings) -> AsyncIterator[RunningApp]:
    running, task = await start_app(event_clock_settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


async def test_lists_from_the_api_and_the_transcript_set_give_the_exact_figures(
    server: RunningApp,
) -> None:
    url = server.settings.database_url
    tenant_id, key = await make_tenant_key(url)
    await make_org(url, tenant_id, {"alfa": ["anna", "piotr"], "bravo": ["john", "kate"]}, ())
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    lead = await make_token(
        url, await make_user(url, tenant_id, "lead", Role.team_lead, teams=("alfa",))
    )
    agent = await make_token(url, await make_user(url, tenant_id, "ag", Role.agent, agent="kate"))
    async with server.client(admin.token) as c:
        for pl in LISTS:
            body = msgspec.to_builtins(pl)
            body["phrases"] = list(pl.phrases)
            created = await c.post("/v1/phrase-lists", json=body)
            assert created.status_code == 201, created.text
        rule = await c.post("/v1/alert-rules", json=BANNED_RULE)
        assert rule.status_code == 201, rule.text
    stream = events()
    async with server.client(key) as c:
        sent = await c.post("/v1/events", content=msgspec.json.encode(stream))
        assert sent.status_code == 200, sent.text
        assert sent.json()["accepted"] == len(stream)

        async def exact() -> bool:
            got = await c.get("/v1/metrics", params={"scope": "tenant", "window": "today"})
            metrics = got.json()[0]["metrics"]
            return all(metrics.get(name) == value for name, value in TENANT.items())

        await eventually(exact, timeout=20)

    async with server.client(admin.token) as c:

        async def banned_alerts_fired() -> bool:
            alerts = (await c.get("/v1/alerts")).json()
            firing = sorted(a["scope"] for a in alerts if a["state"] == "firing")
            return firing == ["agent:john", "agent:piotr"]

        await eventually(banned_alerts_fired, timeout=20)
        hits = (await c.get("/v1/phrase-hits", params={"kind": "banned"})).json()
        assert [(h["agent"], h["queue"], h["phrase"], h["text"]) for h in hits] == [
            ("piotr", "sprzedaz", "gwarantuję*", None),
            ("piotr", "sprzedaz", "obiecuję*", None),
            ("john", "sales_en", "I guarantee", None),
            ("john", "sales_en", "no risk at all", None),
        ]
        newer = (await c.get("/v1/phrase-hits", params={"after": 20})).json()
        assert [h["seq"] for h in newer] == [21, 22, 23]
    async with server.client(lead.token) as c:
        seen = {h["agent"] for h in (await c.get("/v1/phrase-hits")).json()}
        assert seen == {"anna", "piotr"}  # the lead's team only
    async with server.client(agent.token) as c:
        assert (await c.get("/v1/phrase-hits")).status_code == 403
    async with server.client(key) as c:
        contact = "7f0c2a1e-5b7d-4c1a-9f3e-2d8b6a4c1e01"
        last = now_ms() - 60_000  # Contact Lens segments are stamped when received
        await c.post("/v1/events", content=msgspec.json.encode([
            CallQueued(id="cl-q", ts=last, call_id=contact, queue="sprzedaz"),
            CallAnswered(id="cl-a", ts=last, call_id=contact, agent="anna"),
        ]))  # fmt: skip
        lens = await c.post(
            "/v1/integrations/connect/contact-lens",
            content=(SAMPLES / "connect_contact_lens_segments.json").read_bytes(),
        )
        assert lens.status_code == 200, lens.text
        assert lens.json()["accepted"] == 5

        async def counted() -> bool:
            got = await c.get("/v1/metrics", params={"scope": "agent:anna", "window": "today"})
            metrics = got.json()[0]["metrics"]
            # the Polish contact, today: three greeting phrases, one cancellation, one promise
            return bool(
                metrics.get("phrase_hits:powitanie") == 3
                and metrics.get("phrase_hits:rezygnacja") == 1
                and metrics.get("phrase_hits:obietnice") == 1
                and metrics.get("banned_calls") == 1
            )

        await eventually(counted, timeout=20)
