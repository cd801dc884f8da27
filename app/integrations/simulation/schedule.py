"""The working day: the arrival curve in local time, shift starts, breaks and staffing size.

Shift starts are chosen so that the number of agents on shift follows the arrival curve (a
greedy fill of the most under-staffed quarter hour), the way a workforce planner would roster
them; the peak arrival rate is then sized to what those agents can handle at a target
occupancy, so that any team size gives a busy but plausible floor.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from app.integrations.simulation.config import SimConfig

SLOT_HOURS: Final = 0.5
GRID_HOURS: Final = 0.25
MAX_PLANNING_UNITS: Final = 480
JITTER_SAMPLES: Final = 8
MIN_SIZING_SHARE: Final = 0.25
"""Hours whose arrival rate is below this share of the peak do not size the peak: the first
and last hour of the day are thinly staffed on purpose."""


@dataclass(frozen=True, slots=True)
class Pause:
    """A not-ready period in a shift, placed at `at` (share of the shift) give or take jitter."""

    state: str
    at: float
    jitter_min: float
    minutes: tuple[int, ...]
    """Nominal lengths to choose from (each equally likely)."""
    overstay_min: float


SHORT_BREAK: Final = 15
LUNCH_MINUTES: Final = (30, 45, 45, 60)


def pauses_for(shift_hours: float) -> tuple[Pause, ...]:
    if shift_hours >= 6:
        return (
            Pause("break", 0.25, 20, (SHORT_BREAK,), 3),
            Pause("lunch", 0.5, 30, LUNCH_MINUTES, 3),
            Pause("break", 0.77, 20, (SHORT_BREAK,), 3),
        )
    if shift_hours >= 3:
        return (Pause("break", 0.5, 20, (SHORT_BREAK,), 3),)
    return ()


def curve_value(curve: tuple[tuple[float, float], ...], hour: float) -> float:
    """The relative arrival rate at a local hour: linear between points, zero when closed."""
    hours = [h for h, _ in curve]
    if hour < hours[0] or hour >= hours[-1]:
        return 0.0
    i = bisect.bisect_right(hours, hour) - 1
    (h0, r0), (h1, r1) = curve[i], curve[i + 1]
    return r0 + (r1 - r0) * (hour - h0) / (h1 - h0)


def local_ms(zone: ZoneInfo, day: date, hour: float) -> int:
    """Epoch ms of a wall-clock hour (may be 24) on a local day."""
    midnight = datetime.combine(day, time(), tzinfo=zone)
    return int((midnight + timedelta(hours=hour)).timestamp() * 1000)


def slot_starts(config: SimConfig) -> list[float]:
    """Possible shift starts (local hours), every half hour so that shifts fit opening hours."""
    last = max(config.open_hour, config.close_hour - config.shift_hours)
    count = int((last - config.open_hour) / SLOT_HOURS + 1e-9) + 1
    return [config.open_hour + i * SLOT_HOURS for i in range(count)]


def _grid(config: SimConfig) -> list[float]:
    count = int((config.close_hour - config.open_hour) / GRID_HOURS + 1e-9)
    return [config.open_hour + i * GRID_HOURS for i in range(count)]


def _covers(start: float, shift_hours: float, hour: float) -> bool:
    return start <= hour < start + shift_hours


def plan_slot_counts(config: SimConfig, agents: int) -> list[int]:
    """How many agents start at each slot so that coverage follows the arrival curve."""
    slots = slot_starts(config)
    grid = _grid(config)
    demand = [curve_value(config.curve, g + GRID_HOURS / 2) for g in grid]
    windows = [[i for i, g in enumerate(grid) if _covers(s, config.shift_hours, g)] for s in slots]
    units = min(agents, MAX_PLANNING_UNITS)
    covered = [0] * len(grid)
    counts = [0] * len(slots)
    for _ in range(units):
        need = [d / (c + 1) for d, c in zip(demand, covered, strict=True)]
        neediest = max(range(len(grid)), key=need.__getitem__)
        candidates = [s for s, window in enumerate(windows) if neediest in window] or [0]
        best = max(candidates, key=lambda s: sum(need[i] for i in windows[s]))
        counts[best] += 1
        for i in windows[best]:
            covered[i] += 1
    return _scale_counts(counts, agents)


def _scale_counts(counts: list[int], total: int) -> list[int]:
    """Largest-remainder scaling of `counts` to sum to `total`."""
    units = sum(counts)
    if units == total:
        return counts
    exact = [c * total / units for c in counts]
    scaled = [int(x) for x in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: scaled[i] - exact[i])
    for i in by_remainder[: total - sum(scaled)]:
        scaled[i] += 1
    return scaled


def agent_shift_starts(config: SimConfig) -> list[list[float]]:
    """Shift start (local hour) per team and agent, each team spread over all slots."""
    total = config.teams * config.agents_per_team
    slots = slot_starts(config)
    ordered = [
        slots[s] for s, count in enumerate(plan_slot_counts(config, total)) for _ in range(count)
    ]
    starts: list[list[float]] = [[0.0] * config.agents_per_team for _ in range(config.teams)]
    for n, start in enumerate(ordered):
        agent, team = divmod(n, config.teams)
        starts[team][agent] = start
    return starts


def _paused_share(config: SimConfig, start: float, hour: float) -> float:
    """Expected share of a quarter hour that an agent starting at `start` spends paused,
    averaged over the jitter of each pause's start."""
    paused = 0.0
    for pause in pauses_for(config.shift_hours):
        length = sum(pause.minutes) / len(pause.minutes) / 60
        planned = start + pause.at * config.shift_hours
        jitter = pause.jitter_min / 60
        for k in range(JITTER_SAMPLES):
            begin = planned - jitter + 2 * jitter * (k + 0.5) / JITTER_SAMPLES
            overlap = min(begin + length, hour + GRID_HOURS) - max(begin, hour)
            paused += max(0.0, overlap) / GRID_HOURS / JITTER_SAMPLES
    return min(paused, 1.0)


def auto_peak_calls_per_hour(config: SimConfig, starts: list[float]) -> float:
    """The peak arrival rate that the rostered agents handle at the target occupancy in the
    tightest hour (staffed agent-hours against the curve, hour by hour)."""
    total_share = sum(q.share for q in config.queues)
    handle_s = sum(q.share * q.mean_handle_s for q in config.queues) / total_share
    peak = max(rate for _, rate in config.curve)
    present = 1 - config.absent_probability
    by_start = Counter(starts)
    staffed: dict[int, float] = {}
    demand: dict[int, float] = {}
    for g in _grid(config):
        hour = int(g)
        demand[hour] = demand.get(hour, 0.0) + curve_value(config.curve, g + GRID_HOURS / 2) / peak
        staffed[hour] = staffed.get(hour, 0.0) + sum(
            count * (1 - _paused_share(config, start, g))
            for start, count in by_start.items()
            if _covers(start, config.shift_hours, g)
        )
    cells_per_hour = round(1 / GRID_HOURS)
    ratios = [
        staffed[hour] / demand[hour]
        for hour in demand
        if demand[hour] >= MIN_SIZING_SHARE * cells_per_hour
    ]
    agents_at_peak = min(ratios, default=0.0)
    return agents_at_peak * present * config.target_occupancy * 3600 / handle_s
