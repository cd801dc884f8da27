"""Report periods in a tenant's time zone: 15-minute intervals, hours, days, ISO weeks
(Monday) and months, with exact epoch-millisecond bounds across DST changes.

Boundaries are computed in Python with zoneinfo; the database only ever sees epoch-ms ranges
and, to bucket the 15-minute rollup rows by local day or hour, the tenant's UTC offset as a
`CASE` over the (few) offset changes inside the range: local day = (t + offset(t)) // 1 day.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, ColumnElement, case, literal_column

INTERVAL_MS: Final = 15 * 60 * 1000
HOUR_MS: Final = 3_600_000
DAY_MS: Final = 86_400_000
EPOCH: Final = date(1970, 1, 1)
FIRST_DATE: Final = date(1970, 1, 2)
LAST_DATE: Final = date(9998, 12, 31)
"""Reports cover local dates in this range (every zone's days then lie within epoch time)."""
PROBE_MS: Final = 6 * HOUR_MS
"""Offsets are probed at this step to find changes; zones change offset at most a few times
a year, never twice within six hours."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}: expected an IANA name such as UTC") from exc


class Period(StrEnum):
    interval = "interval"
    hour = "hour"
    day = "day"
    week = "week"
    month = "month"
    whole = "whole"
    """The whole range as one bucket (coaching impact, progress to plan)."""


def local_midnight_ms(day: date, tz: ZoneInfo) -> int:
    """Epoch ms of the first instant of `day` in `tz` (midnight, or the first instant after a
    DST gap that swallowed midnight)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC).timestamp()) * 1000


def local_date(ms: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(tz).date()


def offset_ms(ms: int, tz: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(ms / 1000, UTC).astimezone(tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() * 1000)


def period_start(day: date, period: Period) -> date:
    """The first day of the day/week/month period containing `day`."""
    if period is Period.week:
        return day - timedelta(days=day.weekday())
    if period is Period.month:
        return day.replace(day=1)
    return day


def next_period_start(day: date, period: Period) -> date:
    """The first day after the day/week/month period that starts on `day`."""
    if period is Period.week:
        return day + timedelta(days=7)
    if period is Period.month:
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day + timedelta(days=1)


def offset_segments(tz: ZoneInfo, start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """[(from_ms, offset_ms)] covering [start_ms, end_ms): the UTC offset in force from each
    `from_ms` on, with each change placed at the first quarter hour that has the new offset."""
    segments = [(start_ms, offset_ms(start_ms, tz))]
    probe = start_ms
    while probe < end_ms:
        nxt = min(probe + PROBE_MS, end_ms - 1)
        off = offset_ms(nxt, tz)
        if off != segments[-1][1]:
            lo = probe - probe % INTERVAL_MS  # offset as before (or earlier than start)
            hi = nxt - nxt % INTERVAL_MS + INTERVAL_MS  # has the new offset
            while hi - lo > INTERVAL_MS:
                mid = lo + (hi - lo) // INTERVAL_MS // 2 * INTERVAL_MS
                if offset_ms(mid, tz) == off:
                    hi = mid
                else:
                    lo = mid
            segments.append((max(hi, start_ms), off))
        probe = nxt + 1 if nxt == end_ms - 1 else nxt
    return segments


def sql_int(value: int) -> ColumnElement[int]:
    """An integer constant written into the SQL text, so that the same expression in SELECT
    and GROUP BY is recognised as the same (bound parameters would differ on PostgreSQL)."""
    return literal_column(str(int(value)), BigInteger)


def offset_expression(column: Any, segments: list[tuple[int, int]]) -> ColumnElement[int]:
    """SQL: the UTC offset (ms) in force at `column` (a quarter-hour start inside the range)."""
    if len(segments) == 1:
        return sql_int(segments[0][1])
    whens = [
        (column < sql_int(segments[i + 1][0]), sql_int(segments[i][1]))
        for i in range(len(segments) - 1)
    ]
    return case(*whens, else_=sql_int(segments[-1][1]))


class ReportCalendar:
    """The buckets of one report: `period` over the local dates `first`..`last` (inclusive).
    Day, week and month reports are widened to whole weeks and months.

    A bucket is identified by its start in epoch ms; `sql_keys` are the expressions the
    rollup rows are grouped by and `bucket_from_keys` turns a group into its bucket.
    """

    def __init__(self, tz_name: str, period: Period, first: date, last: date) -> None:
        if last < first:
            raise ValueError(f"`to` ({last}) is before `from` ({first})")
        if first < FIRST_DATE or last > LAST_DATE:
            raise ValueError(f"expected dates from {FIRST_DATE} to {LAST_DATE}")
        self.tz_name = tz_name
        self.tz = zone(tz_name)
        self.period = period
        if period in (Period.week, Period.month):
            first = period_start(first, period)
            last = next_period_start(period_start(last, period), period) - timedelta(days=1)
        self.first = first
        self.last = last
        self.start_ms = local_midnight_ms(first, self.tz)
        self.end_ms = local_midnight_ms(last + timedelta(days=1), self.tz)
        self.segments = offset_segments(self.tz, self.start_ms, self.end_ms)
        self._seg_starts = [s for s, _ in self.segments]
        self._day_starts: dict[date, int] = {}
        self._bucket_memo: dict[int, int] = {}  # shifts start at a few times of day

    # ---------------------------------------------------------------- SQL side

    def sql_keys(self, ivl: Any) -> list[ColumnElement[int]]:
        if self.period is Period.whole:
            return []
        if self.period is Period.interval:
            return [ivl]
        off = offset_expression(ivl, self.segments)
        if self.period is Period.hour:
            # One key, the hour's UTC start: a bare constant offset as a second key would be
            # read by SQLite as a GROUP BY column position.
            return [(ivl + off) // sql_int(HOUR_MS) * sql_int(HOUR_MS) - off]
        return [(ivl + off) // sql_int(DAY_MS)]

    def bucket_from_keys(self, keys: tuple[int, ...]) -> int:
        if self.period is Period.whole:
            return self.start_ms
        if self.period in (Period.interval, Period.hour):
            return int(keys[0])
        day = EPOCH + timedelta(days=int(keys[0]))
        return self.day_start(period_start(day, self.period))

    # ---------------------------------------------------------------- Python side

    def day_start(self, day: date) -> int:
        found = self._day_starts.get(day)
        if found is None:
            found = self._day_starts[day] = local_midnight_ms(day, self.tz)
        return found

    def offset_at(self, ms: int) -> int:
        i = bisect_right(self._seg_starts, ms) - 1
        if i < 0:
            return offset_ms(ms, self.tz)
        return self.segments[i][1]

    def bucket_of(self, ms: int) -> int:
        """Start of the bucket containing the instant `ms` (same rule as the SQL keys)."""
        found = self._bucket_memo.get(ms)
        if found is None:
            found = self._bucket_memo[ms] = self._bucket_of(ms)
        return found

    def _bucket_of(self, ms: int) -> int:
        if self.period is Period.whole:
            return self.start_ms
        if self.period is Period.interval:
            return ms - ms % INTERVAL_MS
        off = offset_ms(ms, self.tz)
        if self.period is Period.hour:
            local = ms + off
            return local - local % HOUR_MS - off
        day = EPOCH + timedelta(days=(ms + off) // DAY_MS)
        return self.day_start(period_start(day, self.period))

    def bucket_end(self, start: int) -> int:
        if self.period is Period.whole:
            return self.end_ms
        if self.period is Period.interval:
            return start + INTERVAL_MS
        if self.period is Period.hour:
            return start + HOUR_MS
        day = local_date(start, self.tz)
        return self.day_start(next_period_start(day, self.period))

    def buckets(self) -> list[int]:
        """Every bucket start of the report, in order."""
        out = []
        start = self.start_ms
        while start < self.end_ms:
            out.append(start)
            start = self.bucket_end(start)
        return out

    def count(self) -> int:
        """How many buckets the report has (without listing them)."""
        if self.period is Period.whole:
            return 1
        if self.period is Period.interval:
            return (self.end_ms - self.start_ms) // INTERVAL_MS
        if self.period is Period.hour:
            return (self.end_ms - self.start_ms) // HOUR_MS
        days = (self.last - self.first).days + 1
        if self.period is Period.day:
            return days
        if self.period is Period.week:
            return days // 7
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    def label(self, start: int) -> str:
        local = datetime.fromtimestamp(start / 1000, UTC).astimezone(self.tz)
        if self.period is Period.day:
            return local.date().isoformat()
        if self.period is Period.whole:
            return f"{self.first.isoformat()}/{self.last.isoformat()}"
        if self.period is Period.week:
            year, week, _ = local.date().isocalendar()
            return f"{year}-W{week:02d}"
        if self.period is Period.month:
            return f"{local.year}-{local.month:02d}"
        return local.isoformat(timespec="minutes")

    def iso(self, ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).astimezone(self.tz).isoformat()

    def first_date(self, start: int) -> date:
        """The local date a bucket starts on."""
        return local_date(start, self.tz)
