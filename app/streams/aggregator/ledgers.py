"""Exact windows from prefix sums.

A ledger keeps, per record, the event time and the running totals *after* it (in Python
lists: appending to a list is much cheaper than to an `array`, and the time objects are
shared by every ledger that records the same event). The sum over any
window is the difference of two running totals found by bisection, so an event costs one
append however many windows there are, and a query costs O(log n). Records arrive in
non-decreasing time (the aggregator guarantees it), which keeps the time column sorted.

Several counters share one record: their running totals are packed into one Python integer,
64 bits per field (`pack`), so one addition updates them all and one list slot stores them.
Fields are non-negative and each stays below 2**64, so additions never carry from one field
into the next; the last field may grow without bound. All values are integers (milliseconds,
counts, micro-units of money), so differences are exact.

Rolling windows `(q - W, q]` need the records of the last hour only; `today` and `interval`
need the running totals at the start of the period, which `roll` captures when aggregator time
crosses a period boundary. `prune` drops records no window can reach, keeping one anchor record
at or before the cut-off so that the totals there stay known.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Final

FIELD: Final = 64
MASK: Final = (1 << FIELD) - 1
NO_MAX: Final = -1


def pack(*values: int) -> int:
    out = 0
    for i, v in enumerate(values):
        out |= v << (FIELD * i)
    return out


def unpack(packed: int, n: int) -> tuple[int, ...]:
    """The `n` fields of a packed value (the last one unbounded)."""
    if not packed:
        return (0,) * n
    out = []
    for _ in range(n - 1):
        out.append(packed & MASK)
        packed >>= FIELD
    out.append(packed)
    return tuple(out)


def field(i: int) -> int:
    """The packed value 1 in field `i`."""
    return 1 << (FIELD * i)


class Counters:
    """Additive counters (packed) with a time column."""

    __slots__ = ("day_base", "dropped", "enc", "interval_base", "times", "total", "totals")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.totals: list[int] = []
        self.total = 0
        self.day_base = 0
        self.interval_base = 0
        self.dropped = 0  # records pruned so far: totals[i] is record number dropped + i
        self.enc: Encoded | None = None  # for checkpoints (checkpoint.py)

    def add(self, t: int, delta: int) -> None:
        self.total += delta
        self.times.append(t)
        self.totals.append(self.total)

    def at(self, x: int) -> int:
        """Packed running totals over the records with time <= x."""
        i = bisect_right(self.times, x) - 1
        return self.totals[i] if i >= 0 else 0

    def roll(self, new_day: bool) -> None:
        """A period boundary passed and no record lies beyond it yet."""
        self.interval_base = self.total
        if new_day:
            self.day_base = self.total

    def retained(self, cutoff: int) -> int:
        """Index of the first record a window ending at or after `cutoff` + 1h can need."""
        return max(bisect_right(self.times, cutoff) - 1, 0)

    def prune(self, cutoff: int) -> None:
        k = self.retained(cutoff)
        if k > 0:
            del self.times[:k]
            del self.totals[:k]
            self.dropped += k


class StateTime:
    """Per state, the integral over time of how many agents are in it (agent x ms), packed.

    `counts` is the packed number of agents per state; `move(t, delta)` changes it at time `t`
    (delta = field(new) - field(old)). Between records the counts are constant, so the
    integral at any time is the previous running total plus counts x elapsed time, and the
    counts between two records are their difference divided by the elapsed time (exactly).
    """

    __slots__ = (
        "counts",
        "day_base",
        "dropped",
        "enc",
        "integral",
        "interval_base",
        "last",
        "times",
        "totals",
    )

    def __init__(self) -> None:
        self.times: list[int] = []
        self.totals: list[int] = []
        self.counts = 0
        self.integral = 0
        self.last = 0
        self.day_base = 0
        self.interval_base = 0
        self.dropped = 0
        self.enc: Encoded | None = None

    def move(self, t: int, delta: int) -> None:
        self.integral += self.counts * (t - self.last)
        self.last = t
        self.counts += delta
        self.times.append(t)
        self.totals.append(self.integral)

    def at(self, x: int) -> int:
        """Packed agent x ms per state up to time x (x within retained history)."""
        if x >= self.last:
            return self.integral + self.counts * (x - self.last)
        times = self.times
        i = bisect_right(times, x) - 1
        if i < 0:
            return 0
        lo = self.totals[i]
        t0 = times[i]
        t1 = times[i + 1]
        return lo + (self.totals[i + 1] - lo) // (t1 - t0) * (x - t0)

    def roll(self, interval_start: int, day_start: int | None) -> None:
        """Integrals at the new period starts; no record lies at or beyond them yet."""
        self.interval_base = self.integral + self.counts * (interval_start - self.last)
        if day_start is not None:
            self.day_base = self.integral + self.counts * (day_start - self.last)

    def retained(self, cutoff: int) -> int:
        return max(bisect_right(self.times, cutoff) - 1, 0)

    def prune(self, cutoff: int) -> None:
        k = self.retained(cutoff)
        if k > 0:
            del self.times[:k]
            del self.totals[:k]
            self.dropped += k


class Encoded:
    """Records of a ledger already encoded by a checkpoint: `times` (8 bytes each) and `data`
    (running totals, `width` bytes each) hold records `first`, `first + 1`, ... (numbered
    from the ledger's first record ever). Records never change once written, so the next
    checkpoint encodes only new ones."""

    __slots__ = ("data", "first", "times", "width")

    def __init__(self, first: int, width: int) -> None:
        self.times = bytearray()
        self.data = bytearray()
        self.first = first
        self.width = width

    def end(self) -> int:
        """Number of the first record not encoded yet."""
        return self.first + len(self.data) // self.width


class MaxWait:
    """Maxima over windows: a monotonic stack of (time, value) where every kept value is
    greater than every later one. The maximum over the records after time s is the first
    kept record after s. The period maxima are kept aside (their windows start before the
    retained hour)."""

    __slots__ = ("day_max", "interval_max", "times", "values")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.values: list[int] = []
        self.day_max = NO_MAX
        self.interval_max = NO_MAX

    def push(self, t: int, value: int, stacked: bool = True) -> None:
        """Record `value` at `t`; unless `stacked`, only the period maxima are kept (the
        rolling maxima of a small scope are found by scanning its answers instead)."""
        if stacked:
            vals = self.values
            if vals and vals[-1] <= value:
                times = self.times
                while vals and vals[-1] <= value:
                    vals.pop()
                    times.pop()
            vals.append(value)
            self.times.append(t)
        if value > self.day_max:
            self.day_max = value
        if value > self.interval_max:
            self.interval_max = value

    def after(self, s: int) -> int:
        """The largest value recorded after time s, or NO_MAX."""
        j = bisect_right(self.times, s)
        return self.values[j] if j < len(self.values) else NO_MAX

    def roll(self, new_day: bool) -> None:
        self.interval_max = NO_MAX
        if new_day:
            self.day_max = NO_MAX

    def retained(self, cutoff: int) -> int:
        return bisect_right(self.times, cutoff)

    def prune(self, cutoff: int) -> None:
        k = self.retained(cutoff)
        if k > 0:
            del self.times[:k]
            del self.values[:k]
