"""The windows the aggregator answers and the live gauges it reads; the windowed metrics are
declared and computed by the metric registry (app/registry/metrics.py), re-exported here.

Names are the stable snake_case names of the API and the reports (docs/metrics.md has the
formulas, units and null rules). Durations are seconds, ratios fractions 0-1, and a ratio
whose denominator is zero is None.
"""

from __future__ import annotations

from typing import Final

from app.registry.metrics import (
    AGENT_GAUGES,
    AGENT_TIME_METRICS,
    BREAK_REASON_PREFIX,
    CALL_METRICS,
    PIPELINE_CALL_METRICS,
    QUEUE_GAUGES,
    agent_time_metrics,
    call_metrics,
    pipeline_metrics,
)
from app.registry.sums import StateTimes, WindowSums

__all__ = [
    "AGENT_GAUGES",
    "AGENT_TIME_METRICS",
    "BREAK_REASON_PREFIX",
    "CALL_METRICS",
    "LIVE",
    "PIPELINE_CALL_METRICS",
    "QUEUE_GAUGES",
    "ROLLING_MS",
    "WINDOWS",
    "Metrics",
    "StateTimes",
    "WindowSums",
    "agent_gauges",
    "agent_time_metrics",
    "call_metrics",
    "pipeline_metrics",
    "queue_gauges",
]

Metrics = dict[str, float | int | None]

WINDOWS: Final = ("5m", "15m", "60m", "today", "interval")
LIVE: Final = "live"
ROLLING_MS: Final = {"5m": 300_000, "15m": 900_000, "60m": 3_600_000}


def queue_gauges(waiting: int, oldest_ms: int | None, now_ms: int) -> Metrics:
    return {
        "calls_waiting": waiting,
        "longest_wait": max(0, now_ms - oldest_ms) / 1000 if oldest_ms is not None else 0.0,
    }


def agent_gauges(
    ringing: int, on_call: int, wrapup: int, available: int, on_break: int, reasons: dict[str, int]
) -> Metrics:
    out: Metrics = {
        "agents_logged_in": ringing + on_call + wrapup + available + on_break,
        "agents_available": available,
        "agents_ringing": ringing,
        "agents_on_call": on_call,
        "agents_wrapup": wrapup,
        "agents_break": on_break,
    }
    for reason in sorted(reasons):
        if reasons[reason] > 0:
            out[BREAK_REASON_PREFIX + reason] = reasons[reason]
    return out
