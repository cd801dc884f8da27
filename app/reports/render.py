"""A KPI report as JSON (rows with a `metrics` object, exact) or CSV (one column per metric,
rounded for people and spreadsheets: ratios to 4 decimals, money and mean scores to 2, other
fractional values such as seconds and minutes to 1). Agent reports carry the agent's name."""

from __future__ import annotations

import csv
import io
from typing import Any, Final

from app.core.csv_cells import csv_cell
from app.kpi.rows import METRICS, GroupBy
from app.registry.metrics import spec_of
from app.registry.specs import MetricUnit
from app.reports.service import KpiReport

PLAN_FIELDS = ("minimum", "standard", "maximum", "deviation", "deviation_pct", "level")
CSV_DIGITS: Final = {MetricUnit.fraction: 4, MetricUnit.money: 2, MetricUnit.score: 2}
"""Decimals of a CSV cell by the metric's unit (app/registry); everything else gets 1."""
NAME_FIELD: Final = "agent_name"


def csv_digits(metric: str) -> int:
    spec = spec_of(metric)
    return CSV_DIGITS.get(spec.unit, 1) if spec is not None else 1


def _number(value: Any, digits: int) -> Any:
    """A CSV cell: empty for null, a float rounded to `digits`, anything else as it is."""
    if value is None:
        return ""
    if type(value) is float:
        return round(value, digits)
    return value


def _name(report: KpiReport, agent: str) -> str | None:
    return report.agent_names.get(agent)


def period_fields(report: KpiReport) -> dict[int, tuple[str, str, str]]:
    """(label, start, end) of every bucket in the report, computed once per bucket."""
    cal = report.calendar
    out: dict[int, tuple[str, str, str]] = {}
    for row in report.rows:
        if row.bucket not in out:
            end = cal.bucket_end(row.bucket)
            out[row.bucket] = (cal.label(row.bucket), cal.iso(row.bucket), cal.iso(end))
    return out


def report_json(report: KpiReport) -> dict[str, Any]:
    cal = report.calendar
    fields = report.key_fields
    periods = period_fields(report)
    rows = []
    for row in report.rows:
        label, start, end = periods[row.bucket]
        item: dict[str, Any] = {"period": label, "start": start, "end": end}
        for name, value in zip(fields, row.key, strict=True):
            item[name] = value or None
        if report.group_by is GroupBy.agent:
            item[NAME_FIELD] = _name(report, row.key[0])
        item["metrics"] = row.metrics
        if report.planned:
            item["plan"] = row.plan
        rows.append(item)
    return {
        "timezone": report.timezone,
        "group_by": report.group_by.value,
        "period": cal.period.value,
        "from": cal.first.isoformat(),
        "to": cal.last.isoformat(),
        "metrics": list(report.metric_names),
        "rows": rows,
    }


def report_csv(report: KpiReport) -> str:
    planned = [m for m in METRICS if m in report.planned]
    by_agent = report.group_by is GroupBy.agent
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = list(report.key_fields)
    if by_agent:
        keys.insert(1, NAME_FIELD)
    names = report.metric_names
    header = ["period", "start", "end", *keys, *names]
    header += [f"{m}_{f}" for m in planned for f in PLAN_FIELDS]
    writer.writerow([csv_cell(name) for name in header])
    periods = period_fields(report)
    digits = [csv_digits(m) for m in names]
    for row in report.rows:
        line: list[Any] = list(periods[row.bucket])
        key = [value or "" for value in row.key]
        if by_agent:
            key.insert(1, _name(report, row.key[0]) or "")
        line += key
        metrics = row.metrics
        line += [_number(metrics[m], d) for m, d in zip(names, digits, strict=True)]
        for m in planned:
            found = row.plan.get(m) or {}
            line += [
                _number(found.get(f), 1 if f == "deviation_pct" else csv_digits(m))
                if f != "level"
                else found.get(f)
                for f in PLAN_FIELDS
            ]
        writer.writerow([csv_cell(value) for value in line])
    return out.getvalue()
