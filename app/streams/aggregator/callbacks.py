"""The call-back list: callers whose call went unanswered, until someone reaches them.

A call with a caller number that is abandoned (not a short abandon) or leaves its queue
unanswered is a *miss*. The first miss of a number opens an entry; further misses of the same
number add to it (one entry per number, in the queue of its latest miss). The entry leaves the
list when

- an outbound call to the number connects: `returned_by_us` (time to call-back = from the last
  miss to the connection);
- a later inbound call from the number is answered: `called_again`;
- `callback_expiry_s` pass after the last miss: `expired`;
- a supervisor dismisses it (`callback.dismissed`, with a reason): `dismissed`.

An outbound call to an open number that ends without connecting is a call-back *attempt*. All
times are aggregator times (docs/metrics.md, "Time"), so the list is a function of the events
only, and expiries happen in time order between events like call expiries do.

Closed entries stay `CLOSED_KEEP_MS` for the list by status and the counts of today; the
window sums of changes (`CallbackSums`, the first four) are packed ledgers like the call ledgers,
one per queue and one for the tenant. `callback_rate` asks something a ledger of changes cannot
answer: of the entries *opened* in the window, how many were called back (or dismissed) by now,
however late. For that each scope keeps the first-miss times of the entries that closed
`returned_by_us` and `dismissed`, sorted (`FirstMisses`), back to the start of the oldest
window that can still be asked for (an hour, or the day); a window's count is one bisection.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Callable
from typing import Final, NamedTuple

import msgspec

from app.events.caller_numbers import with_country_code
from app.registry.sums import CALLBACK_SUM_FIELDS
from app.streams.aggregator.facts import CallbackFact
from app.streams.aggregator.ledgers import Counters, field, unpack

OPEN: Final = "open"
RETURNED_BY_US: Final = "returned_by_us"
CALLED_AGAIN: Final = "called_again"
EXPIRED: Final = "expired"
DISMISSED: Final = "dismissed"
STATUSES: Final = (OPEN, RETURNED_BY_US, CALLED_AGAIN, EXPIRED, DISMISSED)
CLOSED_KEEP_MS: Final = 24 * 3_600_000
"""Closed entries are listed (and counted by status) this long after they closed."""
NEVER: Final = 1 << 62


class CallbackSums(NamedTuple):
    """The additive totals of the call-back list in one scope over one window."""

    missed_callers: int  # entries opened
    callbacks_made: int  # entries closed `returned_by_us`
    callback_ms: int  # sum of their times to call-back
    callbacks_closed: int  # entries closed returned_by_us, called_again or expired
    missed_returned: int  # entries opened in the window and closed returned_by_us since
    missed_dismissed: int  # entries opened in the window and dismissed since


if CallbackSums._fields != CALLBACK_SUM_FIELDS:  # pragma: no cover - import-time guard
    raise RuntimeError("CallbackSums must list the registry's CALLBACK_SUM_FIELDS in order")
FIELDS: Final = 4
"""The packed fields of the ledgers: the first four sums."""
MISSED_CALLER: Final = field(0)
CALLBACK_MADE: Final = field(1)
CALLBACK_MS: Final = field(2)
CLOSED: Final = field(3)


class Entry(msgspec.Struct, array_like=True, gc=False):
    """One caller on the list (or recently off it). Times are aggregator times (ms)."""

    id: int
    number: str
    queue: str | None
    first_missed: int
    last_missed: int
    misses: int = 1
    attempts: int = 0
    status: str = OPEN
    closed_at: int = 0
    reason: str | None = None  # why a supervisor dismissed it
    callback_ms: int | None = None  # last miss -> connecting call-back (returned_by_us)
    opened_in: str | None = None  # the queue of the first miss, where `missed_callers` counted it


class FirstMisses(msgspec.Struct, array_like=True, gc=False):
    """One scope's first-miss times (ascending) of the entries closed `returned_by_us` and
    `dismissed`, from the start of the oldest window still reachable."""

    returned: list[int] = []
    dismissed: list[int] = []

    def since(self, start: int, inclusive: bool) -> tuple[int, int]:
        """(returned, dismissed) whose first miss is at or after `start` (`inclusive`), else
        after it."""
        cut = bisect_left if inclusive else bisect_right
        returned, dismissed = self.returned, self.dismissed
        return len(returned) - cut(returned, start), len(dismissed) - cut(dismissed, start)

    def prune(self, keep_from: int) -> None:
        del self.returned[: bisect_left(self.returned, keep_from)]
        del self.dismissed[: bisect_left(self.dismissed, keep_from)]


class CallbackList:
    """Open entries by number (in order of their last miss, so the first expires first),
    closed entries in the order they closed, the window ledgers, the next entry id."""

    def __init__(
        self, country_code: str | None, expiry_ms: int, emit: Callable[[CallbackFact], None]
    ) -> None:
        self.emit = emit
        self.country_code = country_code
        self.expiry_ms = expiry_ms
        self.open: dict[str, Entry] = {}
        self.closed: deque[Entry] = deque()
        self.next_id = 1
        self.tenant = Counters()
        self.queues: dict[str, Counters] = {}
        self.tenant_firsts = FirstMisses()
        self.queue_firsts: dict[str, FirstMisses] = {}

    def key(self, caller: str) -> str:
        return with_country_code(caller, self.country_code)

    @property
    def due(self) -> int:
        """When the oldest open entry expires (NEVER: none open)."""
        for entry in self.open.values():
            return entry.last_missed + self.expiry_ms
        return NEVER

    def ledgers(self, queue: str | None) -> tuple[Counters, ...]:
        if queue is None:
            return (self.tenant,)
        led = self.queues.get(queue)
        if led is None:
            led = self.queues[queue] = Counters()
        return (self.tenant, led)

    def _firsts(self, queue: str | None) -> tuple[FirstMisses, ...]:
        if queue is None:
            return (self.tenant_firsts,)
        firsts = self.queue_firsts.get(queue)
        if firsts is None:
            firsts = self.queue_firsts[queue] = FirstMisses([], [])
        return (self.tenant_firsts, firsts)

    def _record(self, queue: str | None, t: int, delta: int) -> None:
        for led in self.ledgers(queue):
            led.add(t, delta)

    # ------------------------------------------------------------------ changes

    def missed(self, caller: str, queue: str | None, t: int) -> None:
        number = self.key(caller)
        entry = self.open.pop(number, None)
        if entry is None:
            entry = Entry(self.next_id, number, queue, t, t, opened_in=queue)
            self.next_id += 1
            self._record(queue, t, MISSED_CALLER)
        else:
            entry.misses += 1
            entry.last_missed = t
            entry.queue = queue
        self.open[number] = entry

    def attempted(self, caller: str) -> None:
        entry = self.open.get(self.key(caller))
        if entry is not None:
            entry.attempts += 1

    def connected(self, caller: str, t: int) -> None:
        entry = self.open.get(self.key(caller))
        if entry is not None:
            wait = t - entry.last_missed
            entry.callback_ms = wait
            self._close(entry, RETURNED_BY_US, t, CALLBACK_MADE | wait * CALLBACK_MS | CLOSED)

    def answered(self, caller: str, t: int) -> None:
        entry = self.open.get(self.key(caller))
        if entry is not None:
            self._close(entry, CALLED_AGAIN, t, CLOSED)

    def dismiss(self, entry_id: int, reason: str, t: int) -> None:
        """Unknown or already closed ids are ignored (a repeated or late dismissal)."""
        for entry in self.open.values():
            if entry.id == entry_id:
                entry.reason = reason
                self._close(entry, DISMISSED, t, 0)
                return

    def expire_due(self, t: int) -> None:
        """Close the entry whose expiry is due (the first open one) at `t`."""
        entry = next(iter(self.open.values()))
        self._close(entry, EXPIRED, t, CLOSED)

    def _close(self, entry: Entry, status: str, t: int, delta: int) -> None:
        del self.open[entry.number]
        entry.status = status
        entry.closed_at = t
        self.closed.append(entry)
        if delta:
            self._record(entry.queue, t, delta)
        if status in (RETURNED_BY_US, DISMISSED):
            for firsts in self._firsts(entry.opened_in):
                insort(
                    firsts.returned if status == RETURNED_BY_US else firsts.dismissed,
                    entry.first_missed,
                )
        self.emit(
            CallbackFact(
                f"callback:{entry.id}:{entry.first_missed}",
                entry.id,
                entry.queue,
                status,
                entry.first_missed,
                entry.last_missed,
                t,
                entry.misses,
                entry.attempts,
                entry.callback_ms,
            )
        )

    # ------------------------------------------------------------------ time

    def roll(self, x: int, new_day: bool, cutoff: int, day: int) -> None:
        """A period boundary at `x` (see TenantState.roll); `day`: the start of its day."""
        for led in (self.tenant, *self.queues.values()):
            led.roll(new_day)
            led.prune(cutoff)
        keep_from = min(cutoff, day)  # no window can start before either again
        for firsts in (self.tenant_firsts, *self.queue_firsts.values()):
            firsts.prune(keep_from)
        forget = x - CLOSED_KEEP_MS
        closed = self.closed
        while closed and closed[0].closed_at <= forget:
            closed.popleft()

    def kept_closed(self, now: int) -> list[Entry]:
        return [e for e in self.closed if now - e.closed_at < CLOSED_KEEP_MS]

    # ------------------------------------------------------------------ queries

    def entries(self, now: int) -> list[Entry]:
        """Open entries, then those closed in the last CLOSED_KEEP_MS; oldest first miss first."""
        rows = [*self.open.values(), *self.kept_closed(now)]
        rows.sort(key=lambda e: (e.first_missed, e.id))
        return rows

    def opened_then_closed(self, queue: str | None, start: int, inclusive: bool) -> tuple[int, int]:
        """Of the entries opened (in `queue`, None: anywhere) since `start`, those called back
        and those dismissed so far."""
        firsts = self.tenant_firsts if queue is None else self.queue_firsts.get(queue)
        return firsts.since(start, inclusive) if firsts is not None else (0, 0)

    def open_count(self, queue: str | None) -> int:
        if queue is None:
            return len(self.open)
        return sum(1 for e in self.open.values() if e.queue == queue)


def window_sums(packed: int, returned: int, dismissed: int) -> CallbackSums:
    """The sums of a window: its ledger difference, and its opened entries closed since."""
    missed, made, callback_ms, closed = unpack(packed, FIELDS)
    return CallbackSums(missed, made, callback_ms, closed, returned, dismissed)
