"""The metrics of the call-back list for one scope (the tenant or a queue) over one window,
read from its ledgers the way windows.py reads the call ledgers."""

from __future__ import annotations

from app.registry.metrics import callback_metrics
from app.streams.aggregator.callbacks import CallbackList, unpack_sums
from app.streams.aggregator.catalog import LIVE, ROLLING_MS, Metrics
from app.streams.aggregator.ledgers import Counters
from app.streams.aggregator.machine import Machine


def _packed(m: Machine, led: Counters, window: str, q: int) -> int:
    width = ROLLING_MS.get(window)
    if width is not None:
        return led.s - led.at(q - width)
    daily = window == "today"
    start = m.calendar.day(q) if daily else m.calendar.interval(q)
    if start != (m.day if daily else m.ivl):
        return 0  # no record since the period began
    return led.s - (led.day_base if daily else led.ivl_base)


def _ledger(cb: CallbackList, queue: str | None) -> Counters | None:
    return cb.tenant if queue is None else cb.queues.get(queue)


def callback_scope_metrics(m: Machine, queue: str | None, window: str, q: int) -> Metrics:
    """`unreturned` now, and (windows other than `live`) the windowed call-back metrics."""
    cb = m.callbacks
    out: Metrics = {"unreturned": cb.open_count(queue)}
    if window != LIVE:
        led = _ledger(cb, queue)
        packed = _packed(m, led, window, q) if led is not None else 0
        out.update(callback_metrics(unpack_sums(packed)))
    return out
