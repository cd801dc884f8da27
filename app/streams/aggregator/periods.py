"""The local calendar of a tenant: the day (since local midnight) and the 15-minute interval
that contain an instant, as epoch-millisecond bounds, exact across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

INTERVAL_MS: Final = 15 * 60 * 1000


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}: expected an IANA name such as UTC") from exc


def _local(ms: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(tz)


def _to_ms(local: datetime) -> int:
    return int(local.astimezone(UTC).timestamp() * 1000)


def day_bounds(ms: int, tz: ZoneInfo) -> tuple[int, int]:
    """[start, end) of the local day containing `ms`.

    Midnight may not exist on a DST day (clocks jump over it): the day then starts at the
    first instant of its date, which `fold=0` resolves to. Days are 23, 24 or 25 hours long.
    """
    local = _local(ms, tz)
    start = datetime(local.year, local.month, local.day, tzinfo=tz)
    nxt = start.date() + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return _to_ms(start), _to_ms(end)


def interval_bounds(ms: int, tz: ZoneInfo) -> tuple[int, int]:
    """[start, end) of the local 15-minute interval containing `ms` (local :00, :15, :30, :45).

    In the repeated hour of an autumn DST change each local interval happens twice; they are
    two intervals, told apart by `fold`. Offsets in every zone in use are whole quarter hours,
    so an interval lasts 15 real minutes.
    """
    local = _local(ms, tz)
    floor = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    start = _to_ms(floor)
    if start > ms:  # a zone whose offset is not a whole quarter hour (historic local mean time)
        start -= INTERVAL_MS
    return start, start + INTERVAL_MS


class Calendar:
    """Day and interval bounds of a time zone, cached for the current period."""

    __slots__ = ("day_end", "day_start", "interval_end", "interval_start", "tz")

    def __init__(self, tz_name: str) -> None:
        self.tz = zone(tz_name)
        self.day_start = self.day_end = 0
        self.interval_start = self.interval_end = 0

    def day(self, ms: int) -> int:
        """Start of the local day containing `ms`."""
        if self.day_start <= ms < self.day_end:
            return self.day_start
        start, end = day_bounds(ms, self.tz)
        self.day_start, self.day_end = start, end
        return start

    def interval(self, ms: int) -> int:
        """Start of the local 15-minute interval containing `ms`."""
        if self.interval_start <= ms < self.interval_end:
            return self.interval_start
        start, end = interval_bounds(ms, self.tz)
        self.interval_start, self.interval_end = start, end
        return start
