"""The call-back report: per local day of the first miss, how many callers were missed and
what became of them (called back, called again, expired, dismissed, still open), and the
time to call-back. Entries that left the list are facts without numbers (`callback_facts`);
the ones still on it, or closed too recently to be written yet, come from the live list. So
the report keeps counts only, and lasts as long as the facts do
(`FLOORWATCH_FACT_RETENTION_DAYS`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.callbacks.schemas import CallbackReport, CallbackReportDay
from app.callbacks.service import Row
from app.core.errors import BadRequest
from app.facts.calendar import local_date, local_midnight_ms, zone
from app.facts.models import CallbackFactRow

MAX_DAYS: Final = 366


@dataclass
class DayCounts:
    missed: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    callback_ms: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """One entry as the report sees it: no number."""

    first_missed_ms: int
    status: str
    callback_ms: int | None


async def build_callback_report(
    session: AsyncSession,
    tenant_id: int,
    timezone: str,
    first: date,
    last: date,
    queue: str | None,
    live_rows: list[Row],
) -> CallbackReport:
    if last < first:
        raise BadRequest(
            "`to` is before `from`", details=[{"field": "to", "reason": "before from"}]
        )
    if (last - first).days >= MAX_DAYS:
        raise BadRequest(
            f"at most {MAX_DAYS} days per report",
            details=[{"field": "to", "reason": f"more than {MAX_DAYS} days after from"}],
        )
    tz = zone(timezone)
    start = local_midnight_ms(first, tz)
    end = local_midnight_ms(last + timedelta(days=1), tz)
    query = select(
        CallbackFactRow.entry_id,
        CallbackFactRow.first_missed_ms,
        CallbackFactRow.status,
        CallbackFactRow.callback_ms,
    ).where(
        CallbackFactRow.tenant_id == tenant_id,
        CallbackFactRow.first_missed_ms >= start,
        CallbackFactRow.first_missed_ms < end,
    )
    if queue is not None:
        query = query.where(CallbackFactRow.queue == queue)
    outcomes: dict[tuple[int, int], Outcome] = {
        (entry_id, first_ms): Outcome(first_ms, status, callback_ms)
        for entry_id, first_ms, status, callback_ms in (await session.execute(query)).all()
    }
    for row in live_rows:
        if start <= row.first_missed < end and (queue is None or row.queue == queue):
            outcomes.setdefault(
                (row.id, row.first_missed), Outcome(row.first_missed, row.status, row.callback_ms)
            )
    days: dict[date, DayCounts] = defaultdict(DayCounts)
    for outcome in outcomes.values():
        counts = days[local_date(outcome.first_missed_ms, tz)]
        counts.missed += 1
        counts.by_status[outcome.status] += 1
        if outcome.status == "returned_by_us" and outcome.callback_ms is not None:
            counts.callback_ms += outcome.callback_ms
    out = []
    day = first
    while day <= last:
        counts = days.get(day, DayCounts())
        returned = counts.by_status["returned_by_us"]
        dismissed = counts.by_status["dismissed"]
        needed = counts.missed - dismissed  # callers who needed a call-back
        out.append(
            CallbackReportDay(
                date=day,
                missed_callers=counts.missed,
                returned_by_us=returned,
                called_again=counts.by_status["called_again"],
                expired=counts.by_status["expired"],
                dismissed=dismissed,
                still_open=counts.by_status["open"],
                callback_rate=returned / needed if needed else None,
                time_to_callback_s=counts.callback_ms / 1000 / returned if returned else None,
            )
        )
        day += timedelta(days=1)
    return CallbackReport(timezone=timezone, queue=queue, days=out)
