"""A finished day's report equals what the live aggregator shows in its `today` window at the
end of that day, for the tenant, every queue, team and agent (simulated traffic, both engines)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

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
