"""Quiet hours: weekly windows in the tenant's time zone during which no notification is sent.

A window `start`-`end` with `end <= start` runs past midnight into the next day; it belongs to
the weekday on which it starts. `end == start` means the whole day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final, Literal
from zoneinfo import ZoneInfo

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: Final[tuple[Weekday, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class QuietWindow:
    """`days`: weekday numbers (Monday 0) on which the window starts; minutes since midnight."""

    days: frozenset[int]
    start_min: int
    end_min: int

    def covers(self, weekday: int, minute: int) -> bool:
        if self.end_min > self.start_min:
            return weekday in self.days and self.start_min <= minute < self.end_min
        if weekday in self.days and minute >= self.start_min:
            return True
        return (weekday - 1) % 7 in self.days and minute < self.end_min


def parse_hhmm(value: str) -> int:
    """`HH:MM` (00:00-24:00) as minutes since midnight."""
    hours, sep, minutes = value.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"invalid time {value!r}: expected HH:MM")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > 24 * 60:
        raise ValueError(f"invalid time {value!r}: expected 00:00 to 24:00")
    return total


def make_window(days: Iterable[str], start: str, end: str) -> QuietWindow:
    numbers = set()
    for day in days:
        if day not in WEEKDAYS:
            raise ValueError(f"invalid weekday {day!r}: expected one of {', '.join(WEEKDAYS)}")
        numbers.add(WEEKDAYS.index(day))
    start_min, end_min = parse_hhmm(start) % (24 * 60), parse_hhmm(end) % (24 * 60)
    return QuietWindow(frozenset(numbers or range(7)), start_min, end_min)


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_quiet(windows: Iterable[QuietWindow], at_ms: int, timezone: str) -> bool:
    windows = tuple(windows)
    if not windows:
        return False
    local = datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(_zone(timezone))
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    return any(w.covers(weekday, minute) for w in windows)
