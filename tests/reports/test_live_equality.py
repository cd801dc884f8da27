"""A finished day's report equals what the live aggregator shows in its `today` window at the
end of that day, for the tenant, every queue, team and agent (simulated traffic, both engines);
the phrase metrics too, over a simulated day with transcripts against the demo's lists."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.core.db import Database
from app.integrations.simulation.transcripts import DEMO_PHRASE_LISTS
from app.phrases.service import ensure_phrase_lists
from app.streams.aggregator.catalog import AGENT_TIME_METRICS, CALL_METRICS
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.reports.support import (
    distinct_calls,
    ingest,
    kpi,
    provision,
    settle,
    simulated_day,
    wait_for_calls,
)

TZ = "Europe/Berlin"
DAY = date(2024, 5, 14)


async def live_today(app: RunningApp, key: str, scopes: list[str]) -> dict[str, dict[str, Any]]:
    async with app.client(key) as client:
        response = await client.get("/v1/metrics", params={"scope": scopes, "window": "today"})
    assert response.status_code == 200, response.text
    return {item["scope"]: item["metrics"] for item in response.json()}


@pytest.mark.slow
async def test_daily_report_equals_live_today(event_app: RunningApp) -> None:
    url = event_app.settings.database_url
    tenant_id, key = await make_tenant_key(url, timezone=TZ)
    sim = simulated_day(DAY, TZ, teams=2, agents_per_team=6, seed=7)
    roster = sim.roster()
    await provision(url, tenant_id, roster)
    events = sim.run_until(sim.start_ms + 24 * 3_600_000 - 1)
    await ingest(event_app, key, events)
    await wait_for_calls(event_app, tenant_id, distinct_calls(events))
    await settle(event_app, tenant_id)

    queues = [q.name for q in roster.queues]
    teams = [t.name for t in roster.teams]
    agents = [a.id for a in roster.agents]
    scopes = ["tenant"] + [f"queue:{q}" for q in queues] + [f"team:{t}" for t in teams]
    scopes += [f"agent:{a}" for a in agents]
    live = await live_today(event_app, key, scopes)
    day = DAY.isoformat()

    report: dict[str, dict[str, Any]] = {}
    for group_by in ("tenant", "queue", "team", "agent"):
        body = await kpi(
            event_app, key, group_by=group_by, period="day", **{"from": day, "to": day}
        )
        for row in body["rows"]:
            scope = "tenant" if group_by == "tenant" else f"{group_by}:{row[group_by]}"
            report[scope] = row["metrics"]

    assert live["tenant"]["answered"] > 300  # a busy day, not an empty comparison
    differences = {}
    for scope in scopes:
        names = CALL_METRICS if scope.startswith("queue:") else CALL_METRICS + AGENT_TIME_METRICS
        got = report.get(scope)
        assert got is not None, f"no report row for {scope}"
        diff = {n: (got[n], live[scope][n]) for n in names if got[n] != live[scope][n]}
        if diff:
            differences[scope] = diff
    assert differences == {}


def is_phrase_metric(name: str) -> bool:
    return ":" in name or name in ("banned_calls", "negative_sentiment_share")


@pytest.mark.slow
async def test_daily_report_equals_live_today_for_phrase_metrics(event_app: RunningApp) -> None:
    url = event_app.settings.database_url
    tenant_id, key = await make_tenant_key(url, timezone=TZ)
    db = Database(url)
    try:
        async with db.session() as session:
            assert await ensure_phrase_lists(session, tenant_id, DEMO_PHRASE_LISTS)
            await session.commit()
    finally:
        await db.close()
    sim = simulated_day(DAY, TZ, teams=2, agents_per_team=3, seed=11, transcripts=True)
    roster = sim.roster()
    await provision(url, tenant_id, roster)
    events = sim.run_until(sim.start_ms + 24 * 3_600_000 - 1)
    await ingest(event_app, key, events)
    await wait_for_calls(event_app, tenant_id, distinct_calls(events))
    await settle(event_app, tenant_id)

    scopes = ["tenant"] + [f"queue:{q.name}" for q in roster.queues]
    scopes += [f"team:{t.name}" for t in roster.teams] + [f"agent:{a.id}" for a in roster.agents]
    live = await live_today(event_app, key, scopes)
    day = DAY.isoformat()
    report: dict[str, dict[str, Any]] = {}
    for group_by in ("tenant", "queue", "team", "agent"):
        body = await kpi(
            event_app, key, group_by=group_by, period="day", **{"from": day, "to": day}
        )
        for row in body["rows"]:
            scope = "tenant" if group_by == "tenant" else f"{group_by}:{row[group_by]}"
            report[scope] = {k: v for k, v in row["metrics"].items() if is_phrase_metric(k)}

    tenant = report["tenant"]
    assert sum(v for k, v in tenant.items() if k.startswith("phrase_hits:")) > 50
    assert tenant["banned_calls"] > 0  # not an empty comparison
    assert any(k.startswith("script_adherence:") for k in tenant)
    differences = {}
    for scope in scopes:
        want = {k: v for k, v in live[scope].items() if is_phrase_metric(k)}
        got = report.get(scope)
        assert got is not None, f"no report row for {scope}"
        if got != want:
            differences[scope] = {
                k: (got.get(k), want.get(k)) for k in {*got, *want} if got.get(k) != want.get(k)
            }
    assert differences == {}
