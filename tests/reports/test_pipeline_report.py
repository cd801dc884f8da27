"""The pipeline in the KPI reports: a finished day's report by tenant, team, agent and pipeline
equals the live `today` window of the same scopes (both engines), and the CSV carries the
pipeline columns."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from app.auth.keys import Scope
from app.events.schemas import (
    AnyEvent,
    CallAnswered,
    CallEnded,
    CallQueued,
    CallWrapupEnded,
    DealCreated,
    DealLost,
    DealStageChanged,
    DealWon,
)
from app.registry.metrics import PIPELINE_CALL_METRICS, PIPELINE_METRICS
from tests.conftest import RunningApp
from tests.helpers import eventually, make_tenant_key
from tests.reports.support import at, ingest, kpi, provision, simulated_day

TZ = "Europe/Warsaw"
DAY = date(2024, 5, 14)
STAGES = ("new", "qualified", "offer", "negotiation")


def pipeline_day(agents: list[str], seed: int) -> list[AnyEvent]:
    """Deals through the day: created, moved, some with calls, won, lost or left open; a few
    events of deals never created."""
    rng = random.Random(seed)
    start = at(TZ, 2024, 5, 14, 8)
    out: list[AnyEvent] = []
    for n in range(60):
        deal, agent = f"d{n}", rng.choice(agents)
        t = start + rng.randrange(0, 8 * 3_600_000)
        pipeline = rng.choice(("default", "b2b"))
        if n % 10:
            amount = float(rng.randrange(100, 5000))
            out.append(DealCreated(id=f"c{n}", ts=t, deal_id=deal, agent=agent,
                                   pipeline=pipeline, amount=amount))  # fmt: skip
        for k, stage in enumerate(STAGES[1 : rng.randrange(1, 4)]):
            t += rng.randrange(60_000, 1_800_000)
            out.append(DealStageChanged(id=f"s{n}-{k}", ts=t, deal_id=deal, stage=stage))
        if rng.random() < 0.5:
            call = f"call{n}"
            t += 60_000
            out += [
                CallQueued(id=f"q{n}", ts=t, call_id=call, queue="Sales", deal_id=deal),
                CallAnswered(id=f"a{n}", ts=t + 20_000, call_id=call, agent=agent),
                CallEnded(id=f"e{n}", ts=t + 200_000, call_id=call),
                CallWrapupEnded(id=f"w{n}", ts=t + 230_000, call_id=call),
            ]
            t += 240_000
        outcome = rng.random()
        t += rng.randrange(60_000, 3_600_000)
        if outcome < 0.45:
            out.append(DealWon(id=f"won{n}", ts=t, deal_id=deal, agent=rng.choice((None, agent))))
        elif outcome < 0.75:
            out.append(DealLost(id=f"lost{n}", ts=t, deal_id=deal, reason="price"))
    return sorted(out, key=lambda e: e.ms)


async def test_daily_pipeline_report_equals_live_today(event_app: RunningApp) -> None:
    url = event_app.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, timezone=TZ, scopes={Scope.ingest, Scope.read, Scope.admin}
    )
    roster = simulated_day(DAY, TZ, teams=2, agents_per_team=3, seed=3).roster()
    await provision(url, tenant_id, roster)
    agents = [a.id for a in roster.agents]
    events = pipeline_day(agents, seed=11)
    await ingest(event_app, key, events)

    scopes = ["tenant", "pipeline:default", "pipeline:b2b"]
    scopes += [f"team:{t.name}" for t in roster.teams] + [f"agent:{a}" for a in agents]
    day = DAY.isoformat()
    names = (*PIPELINE_METRICS, *PIPELINE_CALL_METRICS)
    last: dict[str, Any] = {}

    async def report_equals_live() -> bool:
        async with event_app.client(key) as client:
            answer = await client.get("/v1/metrics", params={"scope": scopes, "window": "today"})
        live = {item["scope"]: item["metrics"] for item in answer.json()}
        report: dict[str, dict[str, Any]] = {}
        for group_by in ("tenant", "team", "agent", "pipeline"):
            body = await kpi(
                event_app, key, group_by=group_by, period="day", **{"from": day, "to": day}
            )
            for row in body["rows"]:
                scope = "tenant" if group_by == "tenant" else f"{group_by}:{row[group_by]}"
                report[scope] = row["metrics"]
        last["diff"] = {
            scope: {n: (report.get(scope, {}).get(n), live[scope][n]) for n in names
                    if report.get(scope, {}).get(n) != live[scope][n]}
            for scope in scopes
        }  # fmt: skip
        last["live"] = live
        return not any(last["diff"].values())

    await eventually(report_equals_live, timeout=60, interval=0.5)
    live = last["live"]
    assert live["tenant"]["deals_created"] == 54
    assert live["tenant"]["deals_won"] > 15
    assert live["tenant"]["deals_lost"] > 10
    assert live["tenant"]["time_to_close"] is not None
    assert live["tenant"]["effort_to_close"] is not None
    assert live["pipeline:b2b"]["deals_won"] > 0

    async with event_app.client(key) as client:
        csv = await client.get(
            "/v1/reports/kpi",
            params={"group_by": "pipeline", "period": "day", "from": day, "to": day,
                    "format": "csv"},
        )  # fmt: skip
    assert csv.status_code == 200
    header, *lines = csv.text.splitlines()
    assert {"pipeline", "deals_won", "win_rate", "time_to_close"} <= set(header.split(","))
    assert sorted(line.split(",")[3] for line in lines) == ["b2b", "default"]

    plans = [
        ("win_rate", "tenant", 0.3, 0.5, 0.7),
        ("time_to_close", "pipeline:b2b", 9000.0, 6000.0, 3000.0),
        ("revenue", "tenant", 10_000.0, 20_000.0, 50_000.0),
        ("deals_won", "tenant", 10.0, 20.0, 30.0),
    ]
    async with event_app.client(key) as client:
        for metric, scope, low, standard, high in plans:
            made = await client.post(
                "/v1/plans",
                json={"metric": metric, "scope": scope, "period": "day", "start_date": day,
                      "end_date": day, "minimum": low, "standard": standard, "maximum": high},
            )  # fmt: skip
            assert made.status_code == 201, made.text
        wrong_way = await client.post(
            "/v1/plans",
            json={"metric": "time_to_close", "scope": "tenant", "period": "day",
                  "start_date": day, "end_date": day, "minimum": 10, "standard": 20},
        )  # fmt: skip
        assert wrong_way.status_code == 400  # less is better: minimum >= standard
    for group_by, scope in (("tenant", "tenant"), ("pipeline", "pipeline:b2b")):
        body = await kpi(event_app, key, group_by=group_by, period="day", plan="true",
                         **{"from": day, "to": day})  # fmt: skip
        for row in body["rows"]:
            if group_by == "pipeline" and row["pipeline"] != "b2b":
                continue
            for metric, plan in row["plan"].items():
                assert plan["actual"] == live[scope][metric]
                assert plan["deviation"] == live[scope][metric] - plan["standard"]
            wanted = {m for m, s, *_ in plans if s == scope}
            assert set(row["plan"]) == wanted
