"""The metrics of the call-back list for one scope (the tenant or a queue) over one window,
read from its ledgers the way windows.py reads the call ledgers, and from its first-miss times
(`FirstMisses`) for the entries opened in the window."""

from __future__ import annotations

from app.registry.metrics import callback_metrics
from app.streams.aggregator.base import TenantState
from app.streams.aggregator.callbacks import CallbackList, window_sums
from app.streams.aggregator.catalog import LIVE, ROLLING_MS, Metrics
from app.streams.aggregator.ledgers import Counters


def _packed(m: TenantState, led: Counters, window: str, q: int) -> int:
    width = ROLLING_MS.get(window)
    if width is not None:
        return led.total - led.at(q - width)
    daily = window == "today"
    start = m.calendar.day(q) if daily else m.calendar.interval(q)
    if start != (m.day if daily else m.interval):
        return 0  # no record since the period began
    return led.total - (led.day_base if daily else led.interval_base)


def _start(m: TenantState, window: str, q: int) -> tuple[int, bool]:
    """(start, inclusive) of the window ending at `q`: rolling windows leave their start out,
    `today` and `interval` begin at theirs (as the ledgers count them)."""
    width = ROLLING_MS.get(window)
    if width is not None:
        return q - width, False
    return (m.calendar.day(q) if window == "today" else m.calendar.interval(q)), True


def _ledger(cb: CallbackList, queue: str | None) -> Counters | None:
    return cb.tenant if queue is None else cb.queues.get(queue)


def callback_scope_metrics(m: TenantState, queue: str | None, window: str, q: int) -> Metrics:
    """`unreturned` now, and (windows other than `live`) the windowed call-back metrics."""
    cb = m.callbacks
    out: Metrics = {"unreturned": cb.open_count(queue)}
    if window != LIVE:
        led = _ledger(cb, queue)
        packed = _packed(m, led, window, q) if led is not None else 0
        returned, dismissed = cb.opened_then_closed(queue, *_start(m, window, q))
        out.update(callback_metrics(window_sums(packed, returned, dismissed)))
    return out
