"""Answering a window of one scope from its ledgers: `5m`/`15m`/`60m` are `(now - W, now]`,
`today` is `[local midnight, now]`, `interval` is `[start of the local 15-minute interval, now]`.

Period bases are captured when aggregator time crosses a boundary. A query in a later period
than the last crossing (the clock moved on with no event since) has no record in its period:
counters are zero there and time in state is the open interval since the period start.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Final

from app.registry.sums import LEDGERS, position
from app.streams.aggregator.base import TenantState
from app.streams.aggregator.catalog import ROLLING_MS, StateTimes, WindowSums
from app.streams.aggregator.ledgers import FIELD, MASK, NO_MAX, Counters, StateTime, unpack
from app.streams.aggregator.records import TIMED_STATES, Stats

KNOWN_SHIFT: Final = position("answer", "answered_known") * FIELD
WAIT_SHIFT: Final = position("answer", "wait_ms") * FIELD
LEDGER_WIDTHS: Final = tuple(len(fields) for fields in LEDGERS.values())


def window_sums(
    m: TenantState, stats: Stats, window: str, q: int, states: Sequence[StateTime] = ()
) -> tuple[WindowSums, StateTimes | None]:
    """Sums of `stats` over `window` at time `q` (q >= aggregator time); time in state is the
    sum over `states` (none for a queue)."""
    width = ROLLING_MS.get(window)
    counters = stats.counters()
    times = 0
    if width is not None:
        s = q - width
        packed = [led.total - led.at(s) for led in counters]
        top = stats.max_wait.after(s) if stats.stacked else longest_answer(stats.answer, s)
        for st in states:
            times += st.at(q) - st.at(s)
    elif window == "today" or window == "interval":
        daily = window == "today"
        start = m.calendar.day(q) if daily else m.calendar.interval(q)
        if start == (m.day if daily else m.interval):
            packed = [
                led.total - (led.day_base if daily else led.interval_base) for led in counters
            ]
            top = stats.max_wait.day_max if daily else stats.max_wait.interval_max
            for st in states:
                times += st.at(q) - (st.day_base if daily else st.interval_base)
        else:
            packed = [0] * len(counters)
            top = NO_MAX
            for st in states:
                times += st.at(q) - st.at(start)
    else:
        raise ValueError(f"unknown window {window!r}: expected 5m, 15m, 60m, today or interval")
    values: list[int] = []
    for total, width in zip(packed, LEDGER_WIDTHS, strict=True):
        values += unpack(total, width)
    values.append(top)
    sums = WindowSums._make(values)
    if not states:
        return sums, None
    return sums, StateTimes._make(unpack(times, TIMED_STATES))


def longest_answer(led: Counters, s: int) -> int:
    """The longest known wait among the answers recorded after `s` (a scan: for scopes with
    few answers, which keep no monotonic stack)."""
    i = bisect_right(led.times, s)
    c = led.totals
    prev = c[i - 1] if i > 0 else 0
    top = NO_MAX
    for total in c[i:]:
        d = total - prev
        prev = total
        if (d >> KNOWN_SHIFT) & MASK:
            wait = d >> WAIT_SHIFT
            if wait > top:
                top = wait
    return top


def oldest_waiting(stats: Stats) -> int | None:
    """Start of the longest current wait in the scope (calls waiting are few: a scan)."""
    if not stats.waiting:
        return None
    return min(call.wait_from for call in stats.waiting.values())
