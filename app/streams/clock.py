"""The clock the aggregators read: the wall clock (live) or event time (replays, tests)."""

from __future__ import annotations

import time

from app.core.config import ClockKind


def wall_ms() -> int:
    return int(time.time() * 1000)


class Clock:
    """`now(latest_event_ms)`: wall time, or the latest event time under `clock=event`."""

    def __init__(self, kind: ClockKind) -> None:
        self.kind = kind

    def now(self, latest_event_ms: int) -> int:
        if self.kind is ClockKind.event:
            return latest_event_ms
        return wall_ms()
