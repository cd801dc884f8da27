"""Report periods in a time zone: DST days of 23 and 25 hours, ISO weeks, whole months, and the
SQL bucketing (local day = (t + offset) // day) agreeing with zoneinfo everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.facts.calendar import (
    DAY_MS,
    HOUR_MS,
    INTERVAL_MS,
    Period,
    ReportCalendar,
    offset_segments,
)

WARSAW = "Europe/Warsaw"
ZONES = ["Europe/Warsaw", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]


def hours(cal: ReportCalendar, start: int) -> float:
    return (cal.bucket_end(start) - start) / HOUR_MS


def test_spring_day_has_23_hours_and_autumn_day_25() -> None:
    cal = ReportCalendar(WARSAW, Period.day, date(2024, 3, 30), date(2024, 4, 1))
    assert [cal.label(b) for b in cal.buckets()] == ["2024-03-30", "2024-03-31", "2024-04-01"]
    assert [hours(cal, b) for b in cal.buckets()] == [24, 23, 24]
    autumn = ReportCalendar(WARSAW, Period.day, date(2024, 10, 27), date(2024, 10, 27))
    assert [hours(autumn, b) for b in autumn.buckets()] == [25]
    assert autumn.iso(autumn.start_ms) == "2024-10-27T00:00:00+02:00"
    assert autumn.iso(autumn.end_ms) == "2024-10-28T00:00:00+01:00"


def test_hours_of_dst_days_are_real_hours_named_by_local_time() -> None:
    spring = ReportCalendar(WARSAW, Period.hour, date(2024, 3, 31), date(2024, 3, 31))
    labels = [spring.label(b) for b in spring.buckets()]
    assert len(labels) == 23 == spring.count()
    assert labels[1:3] == ["2024-03-31T01:00+01:00", "2024-03-31T03:00+02:00"]
    autumn = ReportCalendar(WARSAW, Period.hour, date(2024, 10, 27), date(2024, 10, 27))
    labels = [autumn.label(b) for b in autumn.buckets()]
    assert len(labels) == 25 == autumn.count()
    assert labels[2:4] == ["2024-10-27T02:00+02:00", "2024-10-27T02:00+01:00"]


def test_weeks_are_iso_weeks_from_monday_and_months_are_whole() -> None:
    weeks = ReportCalendar(WARSAW, Period.week, date(2024, 3, 27), date(2024, 4, 2))
    assert (weeks.first, weeks.last) == (date(2024, 3, 25), date(2024, 4, 7))
    assert [weeks.label(b) for b in weeks.buckets()] == ["2024-W13", "2024-W14"]
    assert [hours(weeks, b) for b in weeks.buckets()] == [7 * 24 - 1, 7 * 24]
    months = ReportCalendar(WARSAW, Period.month, date(2024, 10, 15), date(2024, 12, 1))
    assert (months.first, months.last) == (date(2024, 10, 1), date(2024, 12, 31))
    assert [months.label(b) for b in months.buckets()] == ["2024-10", "2024-11", "2024-12"]
    assert hours(months, months.buckets()[0]) == 31 * 24 + 1


def test_to_before_from_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        ReportCalendar(WARSAW, Period.day, date(2024, 3, 2), date(2024, 3, 1))


def test_offset_segments_put_the_change_at_the_first_quarter_hour_with_the_new_offset() -> None:
    cal = ReportCalendar(WARSAW, Period.day, date(2024, 3, 1), date(2024, 11, 30))
    changes = [datetime.fromtimestamp(s / 1000, UTC) for s, _ in cal.segments[1:]]
    assert changes == [
        datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
        datetime(2024, 10, 27, 1, 0, tzinfo=UTC),
    ]
    assert [o for _, o in cal.segments] == [3_600_000, 7_200_000, 3_600_000]


def _sql_day(cal: ReportCalendar, ivl: int) -> int:
    """What the SQL key computes for a rollup interval."""
    off = cal.segments[0][1]
    for start, offset in cal.segments:
        if ivl >= start:
            off = offset
    return cal.bucket_from_keys(((ivl + off) // DAY_MS,))


@settings(max_examples=150, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2037, 1, 1)),
    span=st.integers(min_value=0, max_value=120),
    period=st.sampled_from([Period.day, Period.week, Period.month]),
    offset=st.integers(min_value=0, max_value=10**9),
)
def test_sql_bucket_equals_zoneinfo_bucket(
    tz: str, first: date, span: int, period: Period, offset: int
) -> None:
    cal = ReportCalendar(tz, period, first, first + timedelta(days=span))
    ivl = cal.start_ms + offset % (cal.end_ms - cal.start_ms)
    ivl -= ivl % INTERVAL_MS
    bucket = cal.bucket_of(ivl)
    assert _sql_day(cal, ivl) == bucket
    local = datetime.fromtimestamp(ivl / 1000, UTC).astimezone(ZoneInfo(tz))
    start = datetime.fromtimestamp(bucket / 1000, UTC).astimezone(ZoneInfo(tz))
    end = datetime.fromtimestamp(cal.bucket_end(bucket) / 1000, UTC).astimezone(ZoneInfo(tz))
    assert start <= local < end
    assert (start.hour, start.minute) == (0, 0)
    assert offset_segments(ZoneInfo(tz), cal.start_ms, cal.end_ms)[0][0] == cal.start_ms
