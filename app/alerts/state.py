"""The life of one rule instance, as Prometheus and Grafana define it, as a pure function.

    normal ──breach──► pending ──breach held for `for`──► firing
       ▲                  │                                  │
       └──── no breach ───┘        recovered held for `keep_firing_for` (hysteresis)
                                                             ▼
                                                          resolved

`normal` and `resolved` are not kept: an instance that is neither pending nor firing has no
track. A value that hovers around the threshold restarts `pending` each time it crosses back,
so it never fires unless it stays beyond the line for `for`; once firing, a value between the
clear threshold and the threshold keeps it firing, so it does not flap either.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.alerts.rules import Condition


class Phase(StrEnum):
    normal = "normal"
    pending = "pending"
    firing = "firing"
    resolved = "resolved"


@dataclass(frozen=True, slots=True)
class Track:
    """An open instance: `since_ms` is when the breach started (pending), `fired_ms` when it
    fired, `clear_since_ms` when the clear condition started to hold while firing."""

    phase: Phase
    since_ms: int
    fired_ms: int | None = None
    clear_since_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Step:
    track: Track | None
    transition: tuple[Phase, Phase] | None = None


def step(condition: Condition, track: Track | None, value: float | None, now_ms: int) -> Step:
    """Advance one instance to `now_ms` given the value observed now."""
    if track is None:
        if not condition.breaches(value):
            return Step(None)
        if condition.for_ms <= 0:
            return Step(Track(Phase.firing, now_ms, fired_ms=now_ms), (Phase.normal, Phase.firing))
        return Step(Track(Phase.pending, now_ms), (Phase.normal, Phase.pending))
    if track.phase is Phase.pending:
        if not condition.breaches(value):
            return Step(None, (Phase.pending, Phase.normal))
        if now_ms - track.since_ms >= condition.for_ms:
            return Step(
                replace(track, phase=Phase.firing, fired_ms=now_ms), (Phase.pending, Phase.firing)
            )
        return Step(track)
    if not condition.recovered(value):
        return Step(track if track.clear_since_ms is None else replace(track, clear_since_ms=None))
    clear_since = track.clear_since_ms if track.clear_since_ms is not None else now_ms
    if now_ms - clear_since >= condition.keep_firing_for_ms:
        return Step(None, (Phase.firing, Phase.resolved))
    return Step(
        track if track.clear_since_ms == clear_since else replace(track, clear_since_ms=clear_since)
    )
