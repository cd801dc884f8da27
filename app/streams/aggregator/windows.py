"""Answering a window of one scope from its ledgers: `5m`/`15m`/`60m` are `(now - W, now]`,
`today` is `[local midnight, now]`, `interval` is `[start of the local 15-minute interval, now]`.

Period bases are captured when aggregator time crosses a boundary. A query in a later period
than the last crossing (the clock moved on with no event since) has no record in its period:
counters are zero there and time in state is the open interval since the period start.
"""

from __future__ import annotations

from heapq import heappop

from app.streams.aggregator.catalog import ROLLING_MS, StateTimes, WindowSums
from app.streams.aggregator.ledgers import NO_MAX, Counters, TimeInState
from app.streams.aggregator.machine import Machine
from app.streams.aggregator.records import Stats


def _diff(led: Counters, base: tuple[int, int, int, int] | None) -> tuple[int, int, int, int]:
    if base is None:
        return (0, 0, 0, 0)
    return (led.s0 - base[0], led.s1 - base[1], led.s2 - base[2], led.s3 - base[3])


def window_sums(
    m: Machine, stats: Stats, window: str, q: int
) -> tuple[WindowSums, StateTimes | None]:
    """Sums of `stats` over `window` at time `q` (q >= aggregator time)."""
    width = ROLLING_MS.get(window)
    counters = stats.counters()
    states: tuple[TimeInState, ...] = stats.states
    if width is not None:
        s = q - width
        parts = [_diff(led, led.at(s)) for led in counters]
        top = stats.max_wait.after(s)
        times = [st.at(q) - st.at(s) for st in states]
    elif window == "today" or window == "interval":
        daily = window == "today"
        start = m.calendar.day(q) if daily else m.calendar.interval(q)
        if start == (m.day if daily else m.ivl):
            parts = [_diff(led, led.day_base if daily else led.ivl_base) for led in counters]
            top = stats.max_wait.day_max if daily else stats.max_wait.ivl_max
            times = [st.at(q) - (st.day_base if daily else st.ivl_base) for st in states]
        else:
            parts = [_diff(led, None) for led in counters]
            top = NO_MAX
            times = [st.at(q) - st.at(start) for st in states]
    else:
        raise ValueError(f"unknown window {window!r}: expected 5m, 15m, 60m, today or interval")
    a, u, h, o, c = parts
    sums = WindowSums(*a, *u, *h, *o, c[0], c[1], c[2], top)
    return sums, (StateTimes(*times) if states else None)


def oldest_waiting(stats: Stats) -> int | None:
    """Start of the longest current wait in the scope (stale heap entries are dropped)."""
    heap = stats.heap
    while heap and heap[0][2].seq != heap[0][1]:
        heappop(heap)
    return heap[0][0] if heap else None
