"""The month-long KPI report row of the table, from bench/reports.py (the reports benchmark):
a month of simulated traffic through the real aggregator, its facts and rollups in SQLite,
then `GET /v1/reports/kpi` over HTTP from a `floorwatch serve` process."""

from __future__ import annotations

import asyncio

from bench.results import Row

AGENTS = 50
DAYS = 31
SHAPES = ("agent/day/json", "queue/day/json")


def rows(quick: bool) -> list[Row]:
    from bench import reports

    agents, days, runs = (25, 7, 3) if quick else (AGENTS, DAYS, 5)
    month = reports.simulate(agents, days)
    out = []
    with reports.database("sqlite", None) as url:
        key, _ = asyncio.run(reports.prepare(url, month, days))
        with reports.serve(url) as server:
            results = reports.time_reports(server, key, month, runs)
    for shape in SHAPES:
        first, median, *_, n = results[shape]
        group_by, period, _ = shape.split("/")
        out.append(
            Row(
                "reports",
                f"{days}-day KPI report by {group_by} and {period}, {agents} agents, "
                f"{month.calls:,} calls (SQLite)",
                median,
                f"{median * 1000:,.0f} ms",
                None,
                f"{n:,} rows; first request {first * 1000:,.0f} ms",
            )
        )
    return out
