"""The Bytewax side of the aggregation comparison: ONE 5-minute sliding window per queue (count
of answered calls and their average wait, i.e. ASA), over the same events Floorwatch's
aggregator gets. Bytewax is an optional `bench` dependency; without it the row says so.

The dataflow joins `call.queued` and `call.answered` by call id (a keyed `stateful_map`), keys
the waits by queue and folds them in 5-minute windows sliding by 1 minute (each wait lands in 5
windows). Floorwatch's windows are exact (they slide by the millisecond) and it computes the
whole catalog over every scope and window, so this comparison favours Bytewax.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

from app.core.runtime import tune_gc
from app.events.schemas import CallAnswered, CallQueued, Event
from bench.aggregate import generate, run_once
from bench.results import Row, at_least, count

WINDOW = timedelta(minutes=5)
SLIDE = timedelta(minutes=1)


def available() -> bool:
    try:
        import bytewax  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def call_id(event: Event) -> str:
    assert isinstance(event, CallQueued | CallAnswered)
    return event.call_id


def run(events: Sequence[Event]) -> tuple[float, float, int]:
    """(events/s through the dataflow, events per second of CPU time, windows emitted)."""
    import bytewax.operators as op  # type: ignore[import-not-found,unused-ignore]
    import bytewax.operators.windowing as win  # type: ignore[import-not-found,unused-ignore]
    from bytewax.dataflow import Dataflow  # type: ignore[import-not-found,unused-ignore]
    from bytewax.testing import TestingSink, TestingSource, run_main  # type: ignore[import-not-found,unused-ignore]

    def join(state: Any, ev: Event) -> tuple[Any, Any]:
        if isinstance(ev, CallQueued):
            return (ev.queue, ev.ms), None
        if state is None:
            return None, None
        queue, queued_ms = state
        return None, (queue, ev.ms, ev.ms - queued_ms)

    def add(acc: tuple[int, int], wait: tuple[str, int, int]) -> tuple[int, int]:
        return acc[0] + 1, acc[1] + wait[2]

    def merge(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        return a[0] + b[0], a[1] + b[1]

    def asa(item: Any) -> tuple[str, int, float | None]:
        queue, (_window, (n, total)) = item
        return queue, n, total / n if n else None

    first = datetime.fromtimestamp(events[0].ms / 1000, UTC)
    out: list[Any] = []
    flow = Dataflow("asa_5m_by_queue")
    stream = op.input("events", flow, TestingSource(list(events), batch_size=500))
    calls = op.filter("calls", stream, lambda e: isinstance(e, CallQueued | CallAnswered))
    keyed = op.key_on("by_call", calls, call_id)
    waits = op.filter_map_value("answered", op.stateful_map("join", keyed, join), lambda w: w)
    by_queue = op.key_on("by_queue", op.map("unkey", waits, lambda kv: kv[1]), lambda w: w[0])
    clock: Any = win.EventClock(
        lambda w: datetime.fromtimestamp(w[1] / 1000, UTC), wait_for_system_duration=timedelta(0)
    )
    windower = win.SlidingWindower(length=WINDOW, offset=SLIDE, align_to=first)
    folded = win.fold_window("asa", by_queue, clock, windower, lambda: (0, 0), add, merge)
    op.output("out", op.map("format", folded.down, asa), TestingSink(out))
    started, cpu = time.perf_counter(), time.process_time()
    run_main(flow)  # type: ignore[no-untyped-call,unused-ignore]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return len(events) / elapsed, len(events) / cpu, len(out)


def rows(runs: int, agents: int = 1000, minutes: int = 60, batch: int = 500) -> list[Row]:
    """The aggregator's throughput on generated traffic (facts drained after every batch, as
    the service does), and Bytewax's single window on the same events; medians of `runs`.

    Both run single-threaded in this process, under the garbage-collector settings of the
    service's processes (`app.core.runtime.tune_gc`), so besides events per wall-clock second each
    is given per second of its CPU time: what a core of its own does, whatever else the
    machine runs. Targets are judged on the CPU figure; the wall figure is in the note."""
    tune_gc()
    traffic = generate(agents, minutes)
    have_bytewax = available()
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float, int]] = []
    for _ in range(runs):  # alternated, so that a busier spell of the machine hits both
        run_ = run_once(traffic, batch, drain=True)
        ours.append((run_.wall_rate, run_.cpu_rate))
        del run_  # the aggregator's state is not kept alive into the next run
        if have_bytewax:
            theirs.append(run(traffic.events))
    wall = statistics.median(r[0] for r in ours)
    cpu = statistics.median(r[1] for r in ours)
    what = f"{agents:,} agents, {minutes} min, {len(traffic.events):,} events, batches of {batch}"
    out = [
        Row(
            "aggregation",
            f"aggregator alone, full catalog, every scope and window ({what}), per CPU second",
            cpu,
            count(cpu),
            at_least(200_000, "≥ 200,000 events/s"),
            f"{count(wall)} of wall-clock time",
        )
    ]
    if not have_bytewax:
        return [*out, Row("aggregation", "Bytewax (the `bench` extra)", None, "not installed")]
    their_wall = statistics.median(r[0] for r in theirs)
    their_cpu = statistics.median(r[1] for r in theirs)
    return [
        *out,
        Row(
            "aggregation",
            f"Bytewax {version('bytewax')}: one 5-minute window sliding by 1 min, count and ASA "
            "per queue (same events), per CPU second",
            their_cpu,
            count(their_cpu),
            None,
            f"{count(their_wall)} of wall-clock time",
        ),
        Row(
            "aggregation",
            "Floorwatch full catalog ÷ Bytewax single window (CPU)",
            cpu / their_cpu,
            f"{cpu / their_cpu:.2f}×",
            at_least(1.0, "≥ 1×"),
            f"wall clock: {wall / their_wall:.2f}×",
        ),
    ]
