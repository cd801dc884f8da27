"""A KPI report as JSON (rows with a `metrics` object) or CSV (one column per metric)."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.core.csv_cells import csv_cell
from app.reports.kpi import METRICS
from app.reports.service import KpiReport

PLAN_FIELDS = ("minimum", "standard", "maximum", "deviation", "deviation_pct", "level")


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
        "metrics": list(METRICS),
        "rows": rows,
    }


def report_csv(report: KpiReport) -> str:
    planned = [m for m in METRICS if m in report.planned]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["period", "start", "end", *report.key_fields, *METRICS]
    header += [f"{m}_{f}" for m in planned for f in PLAN_FIELDS]
    writer.writerow([csv_cell(name) for name in header])
    periods = period_fields(report)
    for row in report.rows:
        line: list[Any] = list(periods[row.bucket])
        line += [value or None for value in row.key]
        line += [row.metrics[m] for m in METRICS]
        for m in planned:
            found = row.plan.get(m) or {}
            line += [found.get(f) for f in PLAN_FIELDS]
        writer.writerow([csv_cell(value) for value in line])
    return out.getvalue()
