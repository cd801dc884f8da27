"""Done-when of issue 8: replaying the Anonymous Bank file through the real app and asking for
the daily report by queue gives exactly the numbers computed directly from the file."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.integrations.technion import parse_technion
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.integrations.technion_reference import (
    ANONYMOUS_BANK_TSV,
    QueueDayKpis,
    technion_daily_kpis,
    technion_daily_totals,
)
from tests.reports.support import ingest, kpi, wait_for_calls

TZ = "Asia/Jerusalem"


def expected(item: QueueDayKpis) -> dict[str, Any]:
    return {
        "offered": item.offered,
        "answered": item.answered,
        "abandoned": item.abandoned,
        "short_abandoned": item.short_abandoned,
        "left_queue": 0,
        "service_level": item.service_level,
        "abandonment_rate": item.abandonment_rate,
        "asa": item.asa_s,
        "handled": item.handled,
        "aht": item.aht_s,
        "max_wait": None if item.max_wait_s is None else float(item.max_wait_s),
    }


def close(actual: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The metrics that differ (ratios compared to 1e-12: the report divides integer
    milliseconds where the oracle divides integer seconds)."""
    diff = {}
    for name, value in wanted.items():
        got = actual[name]
        if value is None or got is None or isinstance(value, int):
            same = got == value
        else:
            same = abs(got - value) <= 1e-12 * max(1.0, abs(value))
        if not same:
            diff[name] = (got, value)
    return diff


@pytest.mark.slow
async def test_daily_report_by_queue_equals_the_file(event_app: RunningApp) -> None:
    lines = ANONYMOUS_BANK_TSV.read_text(encoding="ascii").splitlines()
    oracle = technion_daily_kpis(lines, TZ)
    parsed = parse_technion(lines, TZ)
    calls = len({getattr(e, "call_id", None) for e in parsed.events} - {None})
    tenant_id, key = await make_tenant_key(event_app.settings.database_url, timezone=TZ)

    await ingest(event_app, key, parsed.events)
    await wait_for_calls(event_app, tenant_id, calls)

    days = sorted({day for day, _ in oracle})
    params = {"from": days[0].isoformat(), "to": days[-1].isoformat(), "period": "day"}
    by_queue = await kpi(event_app, key, group_by="queue", **params)
    got = {(date.fromisoformat(r["period"]), r["queue"]): r["metrics"] for r in by_queue["rows"]}
    assert set(got) == set(oracle)
    mismatches = {k: close(got[k], expected(v)) for k, v in oracle.items()}
    assert {k: d for k, d in mismatches.items() if d} == {}

    tenant = await kpi(event_app, key, group_by="tenant", **params)
    totals = technion_daily_totals(oracle)
    rows = {date.fromisoformat(r["period"]): r["metrics"] for r in tenant["rows"]}
    assert set(rows) == set(totals)
    assert {d: diff for d, t in totals.items() if (diff := close(rows[d], expected(t)))} == {}
    assert sum(t.answered for t in totals.values()) > 2000  # the whole file, not a sample
