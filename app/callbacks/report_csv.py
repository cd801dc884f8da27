"""The call-back report as CSV (`GET /v1/callbacks/report?format=csv`): one line per day, the
same rows and fields as the JSON, ratios rounded to 4 decimals and seconds to 1 like the KPI
report's CSV, every cell through `csv_cell` (the queue name comes from integrations)."""

from __future__ import annotations

import csv
import io
from typing import Final

from app.callbacks.schemas import CallbackReport
from app.core.csv_cells import csv_cell

FIELDS: Final = (
    "date",
    "queue",
    "missed_callers",
    "returned_by_us",
    "called_again",
    "expired",
    "dismissed",
    "still_open",
    "callback_rate",
    "time_to_callback_s",
)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def callback_report_csv(report: CallbackReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for day in report.days:
        line = [
            day.date.isoformat(),
            report.queue,
            day.missed_callers,
            day.returned_by_us,
            day.called_again,
            day.expired,
            day.dismissed,
            day.still_open,
            _rounded(day.callback_rate, 4),
            _rounded(day.time_to_callback_s, 1),
        ]
        writer.writerow([csv_cell(value) for value in line])
    return out.getvalue()


def callback_report_filename(report: CallbackReport) -> str:
    first, last = report.days[0].date, report.days[-1].date
    return f"callbacks_{first}_{last}.csv"
