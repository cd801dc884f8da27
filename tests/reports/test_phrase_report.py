"""Phrase metrics in the KPI reports: the Polish and English transcript set (tests/phrases/
transcripts.py) posted over HTTP to the real app on both engines gives, in the day's report
and in its hour, exactly the figures worked out by hand for the live `today` window
(tests/phrases/test_phrase_scenario.py), per tenant, queue, team and agent, in JSON and CSV;
rebuilding the rollups from the facts gives the same numbers; facts written again add nothing."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec
from sqlalchemy import func, select

from app.auth.roles import Role
from app.core.db import Database
from app.facts.models import PhraseFactRow
from app.facts.phrase_rollups import PhraseRollupRow
from app.facts.rollups import rebuild_rollups
from app.streams.aggregator.facts import PhraseFact
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import eventually, make_tenant_key
from tests.phrases.test_phrase_scenario import ANNA, KATE, QUEUE_EN, TEAM_ALFA, TENANT
from tests.phrases.transcripts import LISTS, TEAMS, events
from tests.reports.support import kpi, store_facts

TZ = "Europe/Warsaw"
DAY = {"from": "2026-03-02", "to": "2026-03-02", "period": "day"}
EXPECTED = {
    ("tenant", None): TENANT,
    ("agent", "anna"): ANNA,
    ("agent", "kate"): KATE,
    ("team", "alfa"): TEAM_ALFA,
    ("queue", "sales_en"): QUEUE_EN,
}
PHRASE_FACTS = 25
"""Phrase facts of the set: segments that counted (one per list hit and one for the sums of no
list), handled calls with a transcript (one, and one per list they adhered to)."""
LIST_COLUMNS = [
    "phrase_hits:greeting", "calls_with:greeting", "script_adherence:greeting",
    "phrase_hits:obietnice", "calls_with:obietnice",
    "phrase_hits:powitanie", "calls_with:powitanie", "script_adherence:powitanie",
    "phrase_hits:rezygnacja", "calls_with:rezygnacja",
]  # fmt: skip


def phrase_part(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if k in TENANT}


def row_of(body: dict[str, Any], group_by: str, name: str | None) -> dict[str, Any]:
    rows = [r for r in body["rows"] if group_by == "tenant" or r[group_by] == name]
    assert len(rows) == 1, rows
    row: dict[str, Any] = rows[0]
    return row


async def reports(app: RunningApp, key: str) -> dict[tuple[str, str | None], dict[str, Any]]:
    out = {}
    for group_by, name in EXPECTED:
        body = await kpi(app, key, group_by=group_by, **DAY)
        out[(group_by, name)] = phrase_part(row_of(body, group_by, name)["metrics"])
    return out


async def phrase_counts(database_url: str, tenant_id: int) -> tuple[int, int]:
    db = Database(database_url)
    try:
        async with db.session() as session:
            facts = await session.scalar(
                select(func.count())
                .select_from(PhraseFactRow)
                .where(PhraseFactRow.tenant_id == tenant_id)
            )
            rows = await session.scalar(
                select(func.count())
                .select_from(PhraseRollupRow)
                .where(PhraseRollupRow.tenant_id == tenant_id)
            )
            return int(facts or 0), int(rows or 0)
    finally:
        await db.close()


async def test_the_transcript_set_gives_the_exact_phrase_metrics_in_reports(
    event_app: RunningApp,
) -> None:
    url = event_app.settings.database_url
    tenant_id, key = await make_tenant_key(url, timezone=TZ)
    teams: dict[str, list[str]] = {}
    for agent, team in TEAMS.items():
        teams.setdefault(team, []).append(agent)
    await make_org(url, tenant_id, teams, ("sprzedaz", "sales_en"))
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    async with event_app.client(admin.token) as c:
        for pl in LISTS:
            body = msgspec.to_builtins(pl)
            body["phrases"] = list(pl.phrases)
            created = await c.post("/v1/phrase-lists", json=body)
            assert created.status_code == 201, created.text
    stream = events()
    async with event_app.client(key) as c:
        sent = await c.post("/v1/events", content=msgspec.json.encode(stream))
        assert sent.status_code == 200, sent.text
        assert sent.json()["accepted"] == len(stream)

    async def written() -> bool:
        return (await phrase_counts(url, tenant_id))[0] >= PHRASE_FACTS

    await eventually(written, timeout=30, interval=0.2)
    got = await reports(event_app, key)
    assert got == EXPECTED

    day = await kpi(event_app, key, group_by="agent", **DAY)
    assert day["metrics"][-len(LIST_COLUMNS) - 2 :] == [
        "banned_calls", "negative_sentiment_share", *LIST_COLUMNS
    ]  # fmt: skip
    piotr = row_of(day, "agent", "piotr")["metrics"]
    assert (piotr["banned_calls"], piotr["phrase_hits:obietnice"]) == (1, 2)
    assert piotr["script_adherence:powitanie"] == 0.0  # `nazywam się` came after 30 s

    # the hour of the calls, from the 15-minute rows, says the same as the day
    hours = await kpi(event_app, key, group_by="tenant", period="hour", **{
        k: v for k, v in DAY.items() if k != "period"
    })  # fmt: skip
    nine = [r for r in hours["rows"] if r["start"].startswith("2026-03-02T09:00")]
    assert [phrase_part(r["metrics"]) for r in nine] == [TENANT]
    quiet = [r for r in hours["rows"] if r["start"].startswith("2026-03-02T10:00")]
    assert quiet[0]["metrics"]["phrase_hits:powitanie"] == 0
    assert quiet[0]["metrics"]["script_adherence:powitanie"] is None

    async with event_app.client(key) as c:
        response = await c.get(
            "/v1/reports/kpi", params={"group_by": "queue", "format": "csv", **DAY}
        )
    assert response.status_code == 200
    lines = list(csv.DictReader(io.StringIO(response.text)))
    en = next(line for line in lines if line["queue"] == "sales_en")
    assert en["negative_sentiment_share"] == "0.3333"
    assert en["script_adherence:greeting"] == "0.5"
    assert (en["phrase_hits:greeting"], en["banned_calls"]) == ("4", "1")
    assert en["script_adherence:powitanie"] == "0.0"

    # a rebuild from the facts gives the same numbers
    counts = await phrase_counts(url, tenant_id)
    db = Database(url)
    try:
        await rebuild_rollups(db, tenant_id)
    finally:
        await db.close()
    assert await phrase_counts(url, tenant_id) == counts
    assert await reports(event_app, key) == EXPECTED

    # the same facts again (a replay, a worker taking a partition over) add nothing
    again = [
        PhraseFact("phrase:ev3:powitanie", "p1", "powitanie", "sprzedaz", "anna", "alfa",
                   3, 1, 0, 0, 0, 0, 0, 0),
    ]  # fmt: skip
    await store_facts(url, tenant_id, again)
    assert await phrase_counts(url, tenant_id) == counts
    assert await reports(event_app, key) == EXPECTED
