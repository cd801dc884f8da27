"""Answering a window of one scope from its ledgers: `5m`/`15m`/`60m` are `(now - W, now]`,
`today` is `[local midnight, now]`, `interval` is `[start of the local 15-minute interval, now]`.

Period bases are captured when aggregator time crosses a boundary. A query in a later period
than the last crossing (the clock moved on with no event since) has no record in its period:
counters are zero there and time in state is the open interval since the period start.
"""

from __future__ import annotations

from app.streams.aggregator.catalog import ROLLING_MS, StateTimes, WindowSums
from app.streams.aggregator.ledgers import NO_MAX, unpack
from app.streams.aggregator.machine import Machine
from app.streams.aggregator.records import TIMED_STATES, Stats


def window_sums(
    m: Machine, stats: Stats, window: str, q: int
) -> tuple[WindowSums, StateTimes | None]:
    """Sums of `stats` over `window` at time `q` (q >= aggregator time)."""
    width = ROLLING_MS.get(window)
    counters = stats.counters()
    st = stats.states
    if width is not None:
        s = q - width
        packed = [led.s - led.at(s) for led in counters]
        top = stats.max_wait.after(s)
        times = st.at(q) - st.at(s) if st is not None else 0
    elif window == "today" or window == "interval":
        daily = window == "today"
        start = m.calendar.day(q) if daily else m.calendar.interval(q)
        if start == (m.day if daily else m.ivl):
            packed = [led.s - (led.day_base if daily else led.ivl_base) for led in counters]
            top = stats.max_wait.day_max if daily else stats.max_wait.ivl_max
            if st is not None:
                times = st.at(q) - (st.day_base if daily else st.ivl_base)
        else:
            packed = [0] * len(counters)
            top = NO_MAX
            if st is not None:
                times = st.at(q) - st.at(start)
    else:
        raise ValueError(f"unknown window {window!r}: expected 5m, 15m, 60m, today or interval")
    answer, unanswered, handled, other, csat = packed
    sums = WindowSums._make(
        (
            *unpack(answer, 4),
            *unpack(unanswered, 4),
            *unpack(handled, 4),
            *unpack(other, 4),
            *unpack(csat, 3),
            top,
        )
    )
    if st is None:
        return sums, None
    return sums, StateTimes._make(unpack(times, TIMED_STATES))


def oldest_waiting(stats: Stats) -> int | None:
    """Start of the longest current wait in the scope (calls waiting are few: a scan)."""
    if not stats.waiting:
        return None
    return min(call.wait_from for call in stats.waiting.values())
