"""KPI report latency over a month of simulated traffic for 200 agents.

The simulator (8 teams x 25 agents, 4 queues, Europe/Warsaw, March 2025 with its DST change)
produces a month of events; the real aggregator turns them into facts; the facts are written
with the real writer (which keeps the 15-minute rollups), and a planned shift per agent and
day is stored. Then `floorwatch serve` runs in its own process on that database and the
month-long reports are asked for over HTTP: daily by agent and by queue (the figures the issue
asks for), and a few more shapes. Each figure is the median of `--runs` requests after one
warm-up request (the first one evaluates and caches the month's shifts; its time is printed
too).

    python -m bench.reports [--agents 200] [--days 31] [--runs 7] [--postgres DSN]

`--postgres postgresql://postgres@127.0.0.1:5432/postgres` also runs it on a fresh
PostgreSQL database (created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from app.auth.keys import Scope, create_api_key
from app.core.db import Database
from app.core.migrate import upgrade
from app.facts.rollups import KpiRollupRow, rebuild_rollups
from app.facts.writer import write_facts
from app.integrations.provision import provision_roster
from app.integrations.simulation import Roster, SimConfig, Simulator
from app.org.service import create_tenant
from app.shifts.models import ShiftRow
from app.streams.aggregator import Fact, QueueConfig, TenantAggregator, TenantConfig
from app.wiring import FACT_DERIVED
from bench.common import ROOT, commit, free_port, machine, median

TZ = "Europe/Warsaw"
START = datetime(2025, 3, 1, tzinfo=ZoneInfo(TZ))
HOUR_MS = 3_600_000
WRITE_BATCH = 5_000
BREAK_MINUTES = 75  # two 15-minute breaks and lunch, as the simulator plans them


@dataclass
class Month:
    roster: Roster
    facts: list[Fact]
    events: int
    calls: int
    seconds: float
    first: str
    last: str


def simulate(agents: int, days: int) -> Month:
    """Events of `days` days through the real aggregator; the facts it emits."""
    teams = max(1, agents // 25)
    sim = Simulator(
        SimConfig(start=START, seed=11, teams=teams, agents_per_team=agents // teams, time_zone=TZ)
    )
    roster = sim.roster()
    config = TenantConfig(
        tenant_id=1,
        timezone=TZ,
        queues={
            q.name: QueueConfig(
                sl_threshold_s=q.sl_threshold_s,
                short_abandon_s=q.short_abandon_s,
                wrapup_s=q.wrapup_s,
            )
            for q in roster.queues
        },
        agent_teams={a.id: a.team for a in roster.agents},
    )
    agg = TenantAggregator(config)
    end = int((START + timedelta(days=days)).timestamp() * 1000) - 1
    facts: list[Fact] = []
    events = 0
    started = time.perf_counter()
    while sim.now_ms < end:
        batch = sim.run_until(min(end, sim.now_ms + HOUR_MS))
        events += len(batch)
        agg.apply_batch(batch)
        facts.extend(agg.drain_facts())
    calls = sum(1 for f in facts if type(f).__name__ == "CallFact")
    last = (START + timedelta(days=days - 1)).date().isoformat()
    return Month(
        roster, facts, events, calls, time.perf_counter() - started, START.date().isoformat(), last
    )


async def prepare(url: str, month: Month, days: int) -> tuple[str, dict[str, float]]:
    """Tenant, roster, shifts and facts in the database; returns a read key and timings."""
    db = Database(url)
    timings: dict[str, float] = {}
    try:
        async with db.session() as session:
            tenant = await create_tenant(session, f"bench-{uuid.uuid4().hex[:6]}", TZ)
            await provision_roster(session, tenant.id, month.roster)
            _, key = await create_api_key(session, tenant, "bench", {Scope.read})
            zone = ZoneInfo(TZ)
            for day in range(days):
                date = (START + timedelta(days=day)).date()
                for agent in month.roster.agents:
                    start = datetime.combine(date, agent.shift_start, tzinfo=zone)
                    end = start + timedelta(minutes=agent.shift_minutes)
                    session.add(
                        ShiftRow(
                            tenant_id=tenant.id,
                            agent=agent.id,
                            start_ms=int(start.timestamp() * 1000),
                            end_ms=int(end.timestamp() * 1000),
                            break_minutes=BREAK_MINUTES,
                        )
                    )
            await session.commit()
            tenant_id = tenant.id
        started = time.perf_counter()
        for at in range(0, len(month.facts), WRITE_BATCH):
            chunk = month.facts[at : at + WRITE_BATCH]
            await write_facts(db, [(tenant_id, f) for f in chunk], derived=FACT_DERIVED)
        timings["write facts + rollups"] = time.perf_counter() - started
        started = time.perf_counter()
        await rebuild_rollups(db, tenant_id)
        timings["rebuild rollups from facts"] = time.perf_counter() - started
        async with db.session() as session:
            rows = await session.scalar(
                select(func.count())
                .select_from(KpiRollupRow)
                .where(KpiRollupRow.tenant_id == tenant_id)
            )
        timings["rollup rows"] = float(rows or 0)
        return key, timings
    finally:
        await db.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), to tell work from waiting on a
    loaded machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Served:
    base: str
    pid: int


@contextmanager
def serve(url: str) -> Iterator[Served]:
    """`floorwatch serve` (memory engine) on the prepared database, in its own process."""
    port = free_port()
    env: dict[str, str] = {
        **os.environ,
        "FLOORWATCH_ENGINE": "memory",
        "FLOORWATCH_DATABASE_URL": url,
        "FLOORWATCH_PORT": str(port),
        "FLOORWATCH_LOG_LEVEL": "WARNING",
        "FLOORWATCH_CREATE_DEFAULT_TENANT": "false",
    }
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the server did not become ready")
        yield Served(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


SHAPES = (
    ("agent", "day", "json"),
    ("queue", "day", "json"),
    ("team", "day", "json"),
    ("tenant", "day", "json"),
    ("agent", "week", "json"),
    ("agent", "month", "json"),
    ("agent", "day", "csv"),
    ("tenant", "interval", "json"),
)


def time_reports(
    server: Served, key: str, month: Month, runs: int
) -> dict[str, tuple[float, float, float, int]]:
    """{shape: (first request s, median s, median server CPU s, rows)}."""
    results: dict[str, tuple[float, float, float, int]] = {}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=120) as c:
        for group_by, period, fmt in SHAPES:
            params = {
                "group_by": group_by,
                "period": period,
                "format": fmt,
                "from": month.first,
                "to": month.last,
            }
            times = []
            cpu = []
            rows = 0
            for _ in range(runs + 1):
                cpu_before = cpu_seconds(server.pid)
                started = time.perf_counter()
                response = c.get("/v1/reports/kpi", params=params)
                times.append(time.perf_counter() - started)
                cpu.append(cpu_seconds(server.pid) - cpu_before)
                response.raise_for_status()
                if fmt == "json":
                    rows = len(response.json()["rows"])
                else:
                    rows = response.text.count("\n") - 1
            results[f"{group_by}/{period}/{fmt}"] = (
                times[0],
                median(times[1:]),
                median(cpu[1:]),
                rows,
            )
    return results


@contextmanager
def database(kind: str, postgres: str | None) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'reports.sqlite3'}"
            upgrade(url)
            yield url
        return
    import asyncpg  # type: ignore[import-untyped]

    assert postgres is not None
    host, _, admin_db = postgres.split("://", 1)[1].rpartition("/")
    name = f"fwbench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(f"postgresql://{host}/{admin_db}")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        url = f"postgresql+asyncpg://{host}/{name}"
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--postgres", help="admin DSN, e.g. postgresql://postgres@127.0.0.1/postgres"
    )
    args = parser.parse_args()
    print(machine())
    print(f"commit {commit()}")
    month = simulate(args.agents, args.days)
    print(
        f"simulated {args.days} days, {len(month.roster.agents)} agents: {month.events:,} events, "
        f"{month.calls:,} calls, {len(month.facts):,} facts in {month.seconds:.1f} s"
    )
    kinds = ["sqlite"] + (["postgres"] if args.postgres else [])
    for kind in kinds:
        with database(kind, args.postgres) as url:
            key, timings = asyncio.run(prepare(url, month, args.days))
            print(f"\n{kind}:")
            print(f"  write facts + rollups   {timings['write facts + rollups']:8.1f} s")
            print(f"  rebuild rollups          {timings['rebuild rollups from facts']:8.1f} s")
            print(f"  rollup rows              {int(timings['rollup rows']):>8,}")
            with serve(url) as server:
                results = time_reports(server, key, month, args.runs)
            print(f"  load average now: {os.getloadavg()[0]:.1f}")
            print(f"  {'report (month)':24} {'first':>8} {'median':>8} {'app CPU':>8} {'rows':>7}")
            for shape, (first, med, cpu, rows) in results.items():
                print(
                    f"  {shape:24} {first * 1000:6.0f}ms {med * 1000:6.0f}ms "
                    f"{cpu * 1000:6.0f}ms {rows:7,}"
                )


if __name__ == "__main__":
    main()
