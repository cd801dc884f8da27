"""Exact windows from prefix sums.

A ledger keeps, per record, the event time and the running totals *after* it. The sum over any
window is then the difference of two running totals found by bisection, so an event costs one
append however many windows there are, and a query costs O(log n). Records arrive in
non-decreasing time (the aggregator guarantees it), which keeps the time column sorted.

Rolling windows `(q - W, q]` need the records of the last hour only; `today` and `interval`
need the running totals at the start of the period, which `roll` captures when event time
crosses a period boundary. `prune` drops records no window can reach, keeping one anchor
record at or before the cut-off so that the totals there stay known.

Values are integers (milliseconds, counts, micro-units of money) so that differences are exact.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from typing import Final

NO_MAX: Final = -1


def _col() -> array[int]:
    return array("q")


class Counters:
    """Up to four additive counters sharing one time column. `big` columns (money) are
    Python lists so that totals never overflow 64 bits."""

    __slots__ = (
        "c0",
        "c1",
        "c2",
        "c3",
        "day_base",
        "ivl_base",
        "s0",
        "s1",
        "s2",
        "s3",
        "t",
    )

    def __init__(self, big: bool = False) -> None:
        self.t = _col()
        self.c0: array[int] | list[int] = [] if big else _col()
        self.c1: array[int] | list[int] = [] if big else _col()
        self.c2: array[int] | list[int] = [] if big else _col()
        self.c3: array[int] | list[int] = [] if big else _col()
        self.s0 = self.s1 = self.s2 = self.s3 = 0
        self.day_base = (0, 0, 0, 0)
        self.ivl_base = (0, 0, 0, 0)

    def add(self, t: int, a: int, b: int, c: int, d: int) -> None:
        self.t.append(t)
        self.s0 += a
        self.c0.append(self.s0)
        self.s1 += b
        self.c1.append(self.s1)
        self.s2 += c
        self.c2.append(self.s2)
        self.s3 += d
        self.c3.append(self.s3)

    def totals(self) -> tuple[int, int, int, int]:
        return (self.s0, self.s1, self.s2, self.s3)

    def at(self, x: int) -> tuple[int, int, int, int]:
        """Running totals over records with time <= x."""
        i = bisect_right(self.t, x) - 1
        if i < 0:
            return (0, 0, 0, 0)
        return (self.c0[i], self.c1[i], self.c2[i], self.c3[i])

    def roll(self, new_day: bool) -> None:
        """A period boundary passed and no record lies beyond it yet."""
        base = (self.s0, self.s1, self.s2, self.s3)
        self.ivl_base = base
        if new_day:
            self.day_base = base

    def prune(self, cutoff: int) -> None:
        k = bisect_right(self.t, cutoff) - 1
        if k > 0:
            for col in (self.t, self.c0, self.c1, self.c2, self.c3):
                del col[:k]

    def retained(self, cutoff: int) -> int:
        """Index of the first record a window at or after `cutoff` can need."""
        return max(bisect_right(self.t, cutoff) - 1, 0)


class TimeInState:
    """The integral over time of how many agents are in one state (agent-milliseconds).

    `step(t, d)` changes the count by `d` at time `t`. Between records the count is constant,
    so the integral at any time is the previous running total plus count x elapsed time.
    """

    __slots__ = ("cnt", "cum", "day_base", "ivl_base", "last", "t", "v")

    def __init__(self) -> None:
        self.t = _col()
        self.v = _col()
        self.cnt = 0
        self.cum = 0
        self.last = 0
        self.day_base = 0
        self.ivl_base = 0

    def step(self, t: int, d: int) -> None:
        self.cum += self.cnt * (t - self.last)
        self.last = t
        self.cnt += d
        self.t.append(t)
        self.v.append(self.cum)

    def at(self, x: int) -> int:
        """Agent-milliseconds spent in the state up to time x (x within retained history)."""
        if x >= self.last:
            return self.cum + self.cnt * (x - self.last)
        times = self.t
        i = bisect_right(times, x) - 1
        if i < 0:
            return 0
        lo = self.v[i]
        t0 = times[i]
        return lo + (self.v[i + 1] - lo) * (x - t0) // (times[i + 1] - t0)

    def roll(self, ivl_start: int, day_start: int | None) -> None:
        """Integrals at the new period starts; no record lies at or beyond them yet."""
        self.ivl_base = self.cum + self.cnt * (ivl_start - self.last)
        if day_start is not None:
            self.day_base = self.cum + self.cnt * (day_start - self.last)

    def prune(self, cutoff: int) -> None:
        k = bisect_right(self.t, cutoff) - 1
        if k > 0:
            del self.t[:k]
            del self.v[:k]

    def retained(self, cutoff: int) -> int:
        return max(bisect_right(self.t, cutoff) - 1, 0)


class MaxWait:
    """Maxima over windows: a monotonic stack of (time, value) where every kept value is
    greater than every later one. The maximum over records after time s is the first kept
    record after s. The period maxima are kept aside (their windows start before the hour)."""

    __slots__ = ("day_max", "ivl_max", "t", "v")

    def __init__(self) -> None:
        self.t = _col()
        self.v = _col()
        self.day_max = NO_MAX
        self.ivl_max = NO_MAX

    def push(self, t: int, value: int) -> None:
        vals = self.v
        while vals and vals[-1] <= value:
            vals.pop()
            self.t.pop()
        vals.append(value)
        self.t.append(t)
        if value > self.day_max:
            self.day_max = value
        if value > self.ivl_max:
            self.ivl_max = value

    def after(self, s: int) -> int:
        """The largest value recorded after time s, or NO_MAX."""
        j = bisect_right(self.t, s)
        return self.v[j] if j < len(self.v) else NO_MAX

    def roll(self, new_day: bool) -> None:
        self.ivl_max = NO_MAX
        if new_day:
            self.day_max = NO_MAX

    def prune(self, cutoff: int) -> None:
        k = bisect_right(self.t, cutoff)
        if k > 0:
            del self.t[:k]
            del self.v[:k]

    def retained(self, cutoff: int) -> int:
        return bisect_right(self.t, cutoff)
