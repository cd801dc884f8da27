"""The metric catalog: every metric defined once, from the sums of a window.

Names are the stable snake_case names of the API and the reports (docs/metrics.md has the
formulas, units and null rules). Durations are seconds, ratios fractions 0-1, and a ratio
whose denominator is zero is None.
"""

from __future__ import annotations

from typing import Final, NamedTuple

Metrics = dict[str, float | int | None]

WINDOWS: Final = ("5m", "15m", "60m", "today", "interval")
LIVE: Final = "live"
ROLLING_MS: Final = {"5m": 300_000, "15m": 900_000, "60m": 3_600_000}

CALL_METRICS: Final = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "left_queue",
    "unknown_wait",
    "service_level",
    "abandonment_rate",
    "asa",
    "max_wait",
    "handled",
    "aht",
    "talk_time",
    "hold_time",
    "wrapup_time",
    "transfers",
    "expired",
    "deals",
    "revenue",
    "conversion",
    "average_deal",
    "csat_responses",
    "csat_mean",
    "csat_satisfied",
)
AGENT_TIME_METRICS: Final = (
    "occupancy",
    "time_available",
    "time_ringing",
    "time_on_call",
    "time_wrapup",
    "time_break",
)
QUEUE_GAUGES: Final = ("calls_waiting", "longest_wait")
AGENT_GAUGES: Final = (
    "agents_logged_in",
    "agents_available",
    "agents_ringing",
    "agents_on_call",
    "agents_wrapup",
    "agents_break",
)
BREAK_REASON_PREFIX: Final = "agents_break:"


class WindowSums(NamedTuple):
    """The additive totals of one scope over one window (times in milliseconds)."""

    answered: int
    answered_known: int
    answered_within_sl: int
    wait_ms: int
    abandoned: int
    short_abandoned: int
    left_queue: int
    unanswered_unknown: int
    handled: int
    talk_ms: int
    hold_ms: int
    wrapup_ms: int
    transfers: int
    expired: int
    deals: int
    revenue_micros: int
    csat_responses: int
    csat_sum: int
    csat_satisfied: int
    max_wait_ms: int  # -1 when no wait was recorded


class StateTimes(NamedTuple):
    """Agent x milliseconds in each state over one window."""

    ringing: int
    on_call: int
    wrapup: int
    available: int
    on_break: int


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def seconds(ms: int, count: int) -> float | None:
    """Average of a millisecond total over `count` items, in seconds."""
    return ms / (1000 * count) if count else None


def call_metrics(s: WindowSums) -> Metrics:
    offered = s.answered + s.abandoned + s.left_queue
    unknown = s.answered - s.answered_known + s.unanswered_unknown
    handle_ms = s.talk_ms + s.hold_ms + s.wrapup_ms
    return {
        "offered": offered,
        "answered": s.answered,
        "abandoned": s.abandoned,
        "short_abandoned": s.short_abandoned,
        "left_queue": s.left_queue,
        "unknown_wait": unknown,
        "service_level": ratio(s.answered_within_sl, offered - s.short_abandoned - unknown),
        "abandonment_rate": ratio(s.abandoned - s.short_abandoned, offered - s.short_abandoned),
        "asa": seconds(s.wait_ms, s.answered_known),
        "max_wait": s.max_wait_ms / 1000 if s.max_wait_ms >= 0 else None,
        "handled": s.handled,
        "aht": seconds(handle_ms, s.handled),
        "talk_time": seconds(s.talk_ms, s.handled),
        "hold_time": seconds(s.hold_ms, s.handled),
        "wrapup_time": seconds(s.wrapup_ms, s.handled),
        "transfers": s.transfers,
        "expired": s.expired,
        "deals": s.deals,
        "revenue": s.revenue_micros / 1_000_000,
        "conversion": ratio(s.deals, s.handled),
        "average_deal": ratio(s.revenue_micros / 1_000_000, s.deals),
        "csat_responses": s.csat_responses,
        "csat_mean": ratio(s.csat_sum, s.csat_responses),
        "csat_satisfied": ratio(s.csat_satisfied, s.csat_responses),
    }


def agent_time_metrics(st: StateTimes) -> Metrics:
    busy = st.on_call + st.wrapup
    return {
        "occupancy": ratio(busy, busy + st.available),
        "time_available": st.available / 1000,
        "time_ringing": st.ringing / 1000,
        "time_on_call": st.on_call / 1000,
        "time_wrapup": st.wrapup / 1000,
        "time_break": st.on_break / 1000,
    }


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
