"""Local days and 15-minute intervals across DST changes and odd offsets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.streams.aggregator.periods import Calendar, day_bounds, interval_bounds, zone

HOUR = 3_600_000


def ms(tz: str, *args: int, fold: int = 0) -> int:
    y, mo, d, h, mi = args
    return int(datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(tz), fold=fold).timestamp() * 1000)


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("Europe/Warsaw", (2024, 3, 31), 23),
        ("Europe/Warsaw", (2024, 10, 27), 25),
        ("America/New_York", (2024, 11, 3), 25),
        ("Australia/Lord_Howe", (2024, 4, 7), 24.5),
        ("UTC", (2024, 2, 29), 24),
    ],
)
def test_a_day_lasts_what_the_clock_says(tz: str, day: tuple[int, int, int], hours: float) -> None:
    start, end = day_bounds(ms(tz, *day, 12, 0), ZoneInfo(tz))
    assert start == ms(tz, *day, 0, 0)
    assert end - start == hours * HOUR


def test_a_day_whose_midnight_does_not_exist_starts_at_its_first_instant() -> None:
    tz = ZoneInfo("America/Santiago")  # 2024-09-08: 00:00 jumps to 01:00
    start, end = day_bounds(ms("America/Santiago", 2024, 9, 8, 12, 0), tz)
    assert datetime.fromtimestamp(start / 1000, tz).hour == 1
    assert end - start == 23 * HOUR


@pytest.mark.parametrize(
    ("tz", "local", "fold", "start"),
    [
        ("America/New_York", (2024, 11, 3, 1, 50), 0, (2024, 11, 3, 1, 45)),
        ("America/New_York", (2024, 11, 3, 1, 5), 1, (2024, 11, 3, 1, 0)),
        ("Australia/Lord_Howe", (2024, 4, 7, 1, 40), 1, (2024, 4, 7, 1, 30)),
        ("Asia/Kathmandu", (2024, 6, 1, 9, 59), 0, (2024, 6, 1, 9, 45)),
    ],
)
def test_intervals_are_local_quarter_hours(
    tz: str, local: tuple[int, ...], fold: int, start: tuple[int, ...]
) -> None:
    at = ms(tz, *local, fold=fold)
    begin, end = interval_bounds(at, ZoneInfo(tz))
    assert begin == ms(tz, *start, fold=fold)
    assert end - begin == 15 * 60_000
    assert begin <= at < end


def test_calendar_caches_the_current_period_and_moves_on() -> None:
    cal = Calendar("Europe/Warsaw")
    noon = ms("Europe/Warsaw", 2024, 3, 30, 12, 0)
    assert cal.day(noon) == ms("Europe/Warsaw", 2024, 3, 30, 0, 0)
    assert cal.day(noon + 13 * HOUR) == ms("Europe/Warsaw", 2024, 3, 31, 0, 0)
    assert cal.interval(noon + 7 * 60_000) == noon


def test_unknown_zone_is_refused_with_what_was_expected() -> None:
    with pytest.raises(ValueError, match="expected an IANA name"):
        zone("Mars/Olympus")
