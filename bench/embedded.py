"""End to end on the embedded engine: a month of real call-centre traffic replayed as fast as
it is taken, over HTTP, into one `floorwatch serve` (memory engine, SQLite, event clock), as
`floorwatch replay --speed max` does (the same client: batches of 1,000, one after another).

Measured from the first POST until the live view holds every event (the served event counts,
`GET /v1/metrics/events`, add up to what was accepted): that is the end-to-end rate. Also
printed: when the last batch was acknowledged, and when the last call fact was in SQLite
(facts are written in the background, so they may finish after the live view), and the
server's CPU time until the live view was complete: events per CPU second of the server is
what one free core would sustain, a figure that holds on a busy machine where the wall-clock
rate depends on what else runs.

The month: the two real days in /work/shared/data (Anonymous Bank, 1-2 February 1999, 3,413
calls; `FLOORWATCH_TECHNION_FILE` to use another file) laid end to end 15 times, each copy two
days later than the one before, with its event and call ids made its own: 30 days of real
arrival patterns, waits, abandons and handling times. The call facts to expect are counted
beforehand by the aggregator itself, in this process.

    python -m bench.embedded [--runs 3] [--copies 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec

from app.core.config import Settings
from app.events.schemas import AnyEvent
from app.integrations.replay import replay
from app.integrations.technion import parse_technion
from app.streams.aggregator import TenantAggregator
from app.streams.aggregator.config import TenantConfig
from app.streams.aggregator.facts import CallFact
from bench.common import ROOT, machine, median, run_server
from bench.fanout import cpu_seconds
from bench.results import Row, at_least, count

DATA = Path(
    os.environ.get(
        "FLOORWATCH_TECHNION_FILE",
        ROOT.parent / "shared" / "data" / "anonymous_bank_1999-02-01_02.tsv",
    )
)
COPIES = 15
DAY_MS = 86_400_000
TIMEOUT_S = 120.0
TARGET = at_least(80_000, "≥ 80,000 events/s")


def real_month(copies: int = COPIES) -> list[AnyEvent]:
    """The file's days repeated `copies` times, end to end (see the module docstring)."""
    with DATA.open(newline="") as f:
        parsed = parse_technion(f)
    days = parsed.events
    span = max(ev.ms for ev in days) - min(ev.ms for ev in days)
    shift = -(-span // DAY_MS) * DAY_MS
    month: list[AnyEvent] = []
    for copy in range(copies):
        for ev in days:
            changes: dict[str, object] = {"id": f"m{copy}-{ev.id}", "ts": ev.ms + copy * shift}
            call_id = getattr(ev, "call_id", None)
            if call_id is not None:
                changes["call_id"] = f"m{copy}-{call_id}"
            month.append(msgspec.structs.replace(ev, **changes))
    month.sort(key=lambda ev: ev.ms)
    return month


def expected_call_facts(events: list[AnyEvent]) -> int:
    max_age: float = Settings.model_fields["max_call_age_s"].default  # as the server has it
    agg = TenantAggregator(TenantConfig(tenant_id=1, max_call_age_s=max_age))
    agg.apply_batch(events)
    agg.advance(events[-1].ms + 7 * DAY_MS)  # calls that never ended expire into facts too
    return sum(isinstance(fact, CallFact) for fact in agg.drain_facts())


@dataclass
class Figures:
    events: int
    acknowledged_s: float
    live_s: float
    facts_s: float
    live_cpu_s: float
    """CPU seconds the server used from the first POST until the live view was complete."""

    @property
    def rate(self) -> float:
        return self.events / self.live_s

    @property
    def cpu_rate(self) -> float:
        return self.events / self.live_cpu_s


def call_facts(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as conn:
        return int(conn.execute("SELECT count(*) FROM call_facts").fetchone()[0])


def one_run(events: list[AnyEvent], facts: int) -> Figures:
    """A fresh server (and SQLite database) for each run: the ids are de-duplicated."""
    with run_server("memory", {"FLOORWATCH_CLOCK": "event"}) as server:
        database = Path(server.env["FLOORWATCH_DATABASE_URL"].split("///", 1)[1])
        pid = server.process.pid
        return asyncio.run(replay_and_wait(server.url, server.key, pid, database, events, facts))


async def replay_and_wait(
    url: str, key: str, pid: int, database: Path, events: list[AnyEvent], facts: int
) -> Figures:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        cpu_before = cpu_seconds(pid)
        started = time.monotonic()
        summary = await replay(events, url, key)
        acknowledged = time.monotonic() - started
        if summary.accepted != len(events):
            raise RuntimeError(f"accepted {summary.accepted} of {len(events)} events")
        live = live_cpu = 0.0
        while time.monotonic() - started < TIMEOUT_S:
            now = time.monotonic() - started
            if not live:
                reply = await http.get("/v1/metrics/events")
                reply.raise_for_status()
                if sum(reply.json().values()) == len(events):
                    live, live_cpu = now, cpu_seconds(pid) - cpu_before
            if live and call_facts(database) >= facts:
                return Figures(len(events), acknowledged, live, now, live_cpu)
            await asyncio.sleep(0.02)
    raise RuntimeError(f"not all aggregated and written within {TIMEOUT_S} s")


def measure(runs: int, copies: int) -> list[Figures]:
    events = real_month(copies)
    facts = expected_call_facts(events)
    days = (events[-1].ms - events[0].ms) / DAY_MS
    print(f"a real month: {len(events):,} events over {days:.0f} days, {facts:,} call facts")
    figures = []
    for _ in range(runs):
        got = one_run(events, facts)
        print(
            f"  acknowledged in {got.acknowledged_s:.2f} s, live view complete in "
            f"{got.live_s:.2f} s ({got.rate:,.0f} events/s; server CPU {got.live_cpu_s:.2f} s: "
            f"{got.cpu_rate:,.0f} events/s per CPU second), facts written in {got.facts_s:.2f} s"
        )
        figures.append(got)
    return figures


def rows(quick: bool) -> list[Row]:
    if not DATA.exists():
        return [Row("end to end", "embedded engine, a real month", None, f"{DATA} is missing")]
    copies = 2 if quick else COPIES
    figures = measure(1 if quick else 3, copies)
    span = "a real month" if copies == COPIES else f"{copies} copies of the real days"
    rate = median([f.rate for f in figures])
    cpu_rate = median([f.cpu_rate for f in figures])
    middle = min(figures, key=lambda f: abs(f.rate - rate))
    what = (
        f"embedded engine (memory, SQLite): {span} ({middle.events:,} events) replayed "
        "over HTTP at full speed, first POST → live view holds every event"
    )
    return [
        Row(
            "end to end",
            what,
            rate,
            count(rate),
            TARGET,
            note=(
                f"runs: {', '.join(f'{f.rate:,.0f}' for f in figures)}; acknowledged in "
                f"{middle.acknowledged_s:.1f} s, live view complete {middle.live_s:.1f} s, "
                f"facts all in SQLite {middle.facts_s:.1f} s"
            ),
        ),
        Row("end to end", f"{what}, per CPU second of the server", cpu_rate, count(cpu_rate)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=COPIES)
    args = parser.parse_args()
    print(machine())
    measure(args.runs, args.copies)


if __name__ == "__main__":
    main()
