"""What a metric is: `MetricSpec`, and the small vocabularies it is written in."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

Value = float | int | None


class MetricKind(enum.StrEnum):
    """How the value comes about."""

    counter = "counter"  # a count of things in the window
    ratio = "ratio"  # a share of one count in another (0-1)
    average = "average"  # a total over a count (a duration, money or a score)
    duration = "duration"  # a total time in the window
    gauge = "gauge"  # a reading now (no window)


class MetricUnit(enum.StrEnum):
    number = "number"
    seconds = "seconds"
    fraction = "fraction"  # shown as a percentage
    money = "money"  # in the tenant's currency
    score = "score"  # CSAT points 1-5


class BadSide(enum.StrEnum):
    """Which way the value is bad: `above` = higher is worse (waits), `below` = lower is worse
    (service level)."""

    above = "above"
    below = "below"


class MetricFamily(enum.StrEnum):
    """Where the value comes from, which decides the scopes and windows it exists for."""

    calls = "calls"  # the window sums of calls, deals and surveys: every scope, every window
    agent_time = "agent_time"  # time in state: tenant, team and agent, every window
    queue_gauge = "queue_gauge"  # the queue now: tenant and queue, `live`
    agent_gauge = "agent_gauge"  # agents now: tenant, team and agent, `live`
    agent_state = "agent_state"  # one agent's state now (`each_agent` alert rules only)
    shifts = "shifts"  # from shifts and logins: reports only
    pipeline = "pipeline"  # the window sums of deal events: tenant, pipeline, team, agent
    pipeline_gauge = "pipeline_gauge"  # the open deals now: tenant, pipeline, team, agent, `live`
    callbacks = "callbacks"  # the call-back list: tenant and queue, `live` gauge and windows
    phrases = "phrases"  # phrase spotting in transcripts: every scope, every window


class Rollup(enum.StrEnum):
    """How reports get the value: recomputed from summed rollup columns, from shift outcomes,
    from the phrase rollups (per phrase list where the metric is named per list), or not at
    all (a gauge has no history)."""

    sums = "sums"
    shifts = "shifts"
    phrases = "phrases"
    none = "none"


WINDOWED: Final = frozenset(
    {
        MetricFamily.calls,
        MetricFamily.agent_time,
        MetricFamily.pipeline,
        MetricFamily.callbacks,
        MetricFamily.phrases,
    }
)
"""The families counted over windows (5m ... today); their gauges are read `live`."""
REPORTED: Final = frozenset({MetricFamily.calls, MetricFamily.agent_time, MetricFamily.pipeline})
"""The windowed families that reports recompute from their rollups (the call-back list has a
report of its own, from its facts)."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Default wall colours: amber at `warn`, red at `crit`, in the metric's unit."""

    warn: float
    crit: float | None = None


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    kind: MetricKind
    unit: MetricUnit
    bad: BadSide
    family: MetricFamily
    label_en: str
    label_pl: str
    description: str
    formula: str | None = None
    """Windowed metrics: a Python expression over the window sums of the family (WindowSums or
    StateTimes fields) and the metrics declared before it (app/registry/compiled.py)."""
    thresholds: Thresholds | None = None

    @property
    def rollup(self) -> Rollup:
        if self.family in REPORTED:
            return Rollup.sums
        if self.family is MetricFamily.shifts:
            return Rollup.shifts
        if self.family is MetricFamily.phrases:
            return Rollup.phrases
        return Rollup.none

    @property
    def windowed(self) -> bool:
        """Counted over windows (5m ... today), not read `live`."""
        return self.family in WINDOWED and self.kind is not MetricKind.gauge

    @property
    def scopes(self) -> tuple[str, ...]:
        return SCOPES[self.family]

    def label(self, language: str) -> str:
        return self.label_pl if language == "pl" else self.label_en


SCOPES: Final = {
    MetricFamily.calls: ("tenant", "queue", "team", "agent"),
    MetricFamily.agent_time: ("tenant", "team", "agent"),
    MetricFamily.queue_gauge: ("tenant", "queue"),
    MetricFamily.agent_gauge: ("tenant", "team", "agent"),
    MetricFamily.agent_state: ("agent",),
    MetricFamily.shifts: ("tenant", "team", "agent"),
    MetricFamily.pipeline: ("tenant", "pipeline", "team", "agent"),
    MetricFamily.pipeline_gauge: ("tenant", "pipeline", "team", "agent"),
    MetricFamily.callbacks: ("tenant", "queue"),
    MetricFamily.phrases: ("tenant", "queue", "team", "agent"),
}
"""The scopes each family of metrics exists for."""
