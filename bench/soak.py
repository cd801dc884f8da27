"""Soak: a real server under simulated traffic at a high rate for a long time, with WebSocket
clients connecting and disconnecting all along; memory must stay flat, nothing may fail, and
the totals must be exact at the end.

    python -m bench.soak [--minutes 60] [--tenants 6] [--agents-per-team 20] [--speed 120]
                         [--clients 40] [--redis-url redis://127.0.0.1:6379/0]
                         [--database-url URL] [--json]

Everything runs on loopback and stops after `--minutes`. The server is `floorwatch serve` (API
and partition worker in one process, the redis engine) on a fresh SQLite database (or the
migrated `--database-url`), with a key prefix of its own on the given Redis, removed at the end.

Traffic. One seeded simulator per tenant (`app/integrations/simulation`) plays a call centre at
`--speed` times real time: the simulation starts `(speed - 1) × minutes` in the past, so event
time catches up with the wall clock exactly at the end and never runs ahead of it. The server
runs with `FLOORWATCH_CLOCK=event`, so the live windows slide with event time: the 60-minute
window fills after `60 / speed` wall minutes and the state is in its steady size from then on,
and every number is deterministic and can be checked against the plain reference aggregator.
Batches are posted in order per tenant and retried until acknowledged (429 and 503 are counted,
not failures).

Clients. `--clients` slots each open a `LiveClient` on four topics of a random tenant, check that
every topic got its snapshot, keep it for 1-8 s and close it, again and again.

Checks (each failure is listed in the result's `problems`):
- no request failed (anything but 200, 429 and 503), no WebSocket error or server-initiated
  close, every client got its snapshots, `/readyz` was 200 at every sample, no error in the
  server's log;
- memory flat: the server's RSS, sampled every few seconds, has a least-squares slope over the
  steady part of the run (after the 60-minute window filled) within the allowance, and its open
  file descriptors do not grow;
- totals exact: every tenant's count of aggregated events by type equals what was acknowledged,
  its metrics (every window of the tenant and of each queue) and stored call facts equal the
  reference's, and a fresh WebSocket client shows the reference's numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import redis.asyncio as aioredis
from sqlalchemy import func, select

from app.auth.keys import Scope, create_api_key
from app.core.db import Database
from app.core.migrate import upgrade
from app.events.schemas import AnyEvent, event_type
from app.facts.models import CallFactRow
from app.integrations.provision import provision_roster
from app.integrations.simulation import SimConfig, Simulator
from app.org.service import create_tenant
from app.streams.aggregator import LIVE, WINDOWS, CallFact, TenantConfig
from app.tenant_config import load_tenant_config
from app.widgets.client import LiveClient, ws_url
from bench.common import commit, free_port, machine

ROOT = Path(__file__).resolve().parents[1]
ALL_WINDOWS = (LIVE, *WINDOWS)
TICK_S = 0.25
MAX_BATCH = 1000
START_HOUR = 10.0
"""The simulation starts at this local hour (the simulated centre is open 8:00-20:00)."""
FLAT_ALLOWANCE_MB = 12.0
"""Memory counts as flat if the fitted growth over the steady part of the run stays within
this, or within 5 % of the mean RSS if that is more (allocator and GC noise)."""
SNAPSHOT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class SoakConfig:
    minutes: float = 60.0
    tenants: int = 6
    agents_per_team: int = 20
    speed: float = 120.0
    clients: int = 40
    redis_url: str = os.environ.get("FLOORWATCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    database_url: str | None = None
    """A migrated database; default: a fresh SQLite file."""
    sample_s: float | None = None
    """RSS sampling period; default: 2 s for runs up to 5 minutes, else 10 s."""
    reference: bool = True
    """Check every metric against the reference aggregator (it keeps every event's outcome,
    so it costs memory in this process on very long runs)."""

    @property
    def sampling(self) -> float:
        return self.sample_s or (2.0 if self.minutes <= 5 else 10.0)


@dataclass
class Sample:
    t: float
    """Seconds since the start."""
    rss_mb: float
    fds: int
    ready: bool
    events: int


@dataclass
class SoakResult:
    config: dict[str, Any]
    seconds: float = 0.0
    events: int = 0
    events_per_s: float = 0.0
    peak_events_per_s: float = 0.0
    requests: int = 0
    retried: Counter[str] = field(default_factory=Counter)
    ws_connects: int = 0
    ws_snapshots: int = 0
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_max_mb: float = 0.0
    steady_from_s: float = 0.0
    rss_slope_mb_per_min: float = 0.0
    rss_growth_steady_mb: float = 0.0
    fds_start: int = 0
    fds_end: int = 0
    redis_used_mb_end: float = 0.0
    exact_after_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# -- the server ---------------------------------------------------------------------------


@dataclass
class Server:
    base: str
    process: asyncio.subprocess.Process
    log: Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@contextlib.asynccontextmanager
async def serve(database_url: str, redis_url: str, prefix: str, log: Path) -> AsyncIterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "FLOORWATCH_ENGINE": "redis",
        "FLOORWATCH_CLOCK": "event",
        "FLOORWATCH_DATABASE_URL": database_url,
        "FLOORWATCH_REDIS_URL": redis_url,
        "FLOORWATCH_REDIS_PREFIX": prefix,
        "FLOORWATCH_CREATE_DEFAULT_TENANT": "false",
        "FLOORWATCH_LOG_LEVEL": "WARNING",
        "FLOORWATCH_ENVIRONMENT": "test",
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)),
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{base}/readyz")).status_code == 200:
                        break
                if process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
                await asyncio.sleep(0.1)
        yield Server(base, process, log)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


def log_problems(log: Path) -> list[str]:
    """Lines of the server's log at error level (or tracebacks)."""
    bad = ("[error", "[critical", "Traceback", "ERROR:", "Exception in")
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line[:300] for line in lines if any(mark in line for mark in bad)]


# -- tenants and traffic --------------------------------------------------------------------


def zone_for(start: datetime) -> str:
    """A fixed-offset zone in which `start` is START_HOUR local time (within half an hour)."""
    hour = start.hour + start.minute / 60
    offset = round(START_HOUR - hour) % 24
    if offset > 14:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


@dataclass
class Tenant:
    id: int
    key: str
    config: TenantConfig
    sim: Simulator
    teams: list[str]
    queues: list[str]


async def make_tenants(database_url: str, cfg: SoakConfig, sim_start: datetime) -> list[Tenant]:
    zone = zone_for(sim_start)
    db = Database(database_url)
    tenants = []
    try:
        for n in range(cfg.tenants):
            sim = Simulator(
                SimConfig(
                    start=sim_start,
                    seed=1000 + n,
                    teams=4,
                    agents_per_team=cfg.agents_per_team,
                    time_zone=zone,
                    id_prefix=f"soak{n}-{uuid.uuid4().hex[:6]}",
                )
            )
            async with db.session() as session:
                tenant = await create_tenant(session, f"soak-{n}-{uuid.uuid4().hex[:8]}", zone)
                await provision_roster(session, tenant.id, sim.roster())
                _, key = await create_api_key(session, tenant, "soak", {Scope.ingest, Scope.read})
                await session.commit()
                tenant_id = tenant.id
            config = await load_tenant_config(db, tenant_id, 4 * 3600.0)
            roster = sim.roster()
            tenants.append(
                Tenant(
                    tenant_id,
                    key,
                    config,
                    sim,
                    [t.name for t in roster.teams],
                    [q.name for q in roster.queues],
                )
            )
    finally:
        await db.close()
    return tenants


class Expectation:
    """What one tenant must show: counts of acknowledged events, and the reference."""

    def __init__(self, config: TenantConfig, reference: bool) -> None:
        self.counts: Counter[str] = Counter()
        self.latest_ms = 0
        self.reference: Any = None
        if reference:
            from tests.streams.reference import Reference

            self.reference = Reference(config)

    def add(self, events: Sequence[AnyEvent]) -> None:
        for event in events:
            self.counts[event_type(event)] += 1
            self.latest_ms = max(self.latest_ms, event.ms)
            if self.reference is not None:
                self.reference.apply(event)

    def metrics(self, scope: str, window: str) -> dict[str, Any]:
        assert self.reference is not None
        self.reference.advance(self.latest_ms)
        result: dict[str, Any] = self.reference.metrics(scope, window, self.latest_ms)
        return result


class Load:
    def __init__(self, result: SoakResult) -> None:
        self.result = result
        self.acked = 0
        self.stop = asyncio.Event()

    async def feed(
        self,
        base: str,
        tenant: Tenant,
        expect: Expectation,
        sim_start_ms: int,
        speed: float,
        started: float,
        end_ms: int,
    ) -> None:
        """Post the tenant's simulated events as simulated time passes (`speed` × wall)."""
        headers = {"Authorization": f"Bearer {tenant.key}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            while True:
                elapsed = time.monotonic() - started
                target = min(end_ms, sim_start_ms + math.floor(elapsed * 1000 * speed))
                events = tenant.sim.run_until(target)
                for i in range(0, len(events), MAX_BATCH):
                    batch = events[i : i + MAX_BATCH]
                    await self.post(http, batch)
                    expect.add(batch)
                    self.acked += len(batch)
                if target >= end_ms:
                    return
                await asyncio.sleep(TICK_S)

    async def post(self, http: httpx.AsyncClient, batch: Sequence[AnyEvent]) -> None:
        body = msgspec.json.encode(batch)
        for attempt in range(60):
            self.result.requests += 1
            try:
                reply = await http.post("/v1/events", content=body)
            except httpx.TransportError as exc:
                self.result.problems.append(f"request failed: {exc!r}")
                await asyncio.sleep(1)
                continue
            if reply.status_code == 200:
                got = reply.json()
                if got["accepted"] + got["duplicates"] != len(batch) or got["rejected"]:
                    self.result.problems.append(f"batch not kept whole: {reply.text[:200]}")
                return
            if reply.status_code in (429, 503):
                self.result.retried[str(reply.status_code)] += 1
                await asyncio.sleep(min(float(reply.headers.get("retry-after", 1)), 2 + attempt))
                continue
            self.result.problems.append(f"ingest answered {reply.status_code}: {reply.text[:200]}")
            return
        self.result.problems.append("a batch was not taken after 60 attempts")


# -- WebSocket churn ------------------------------------------------------------------------


def topics_of(tenant: Tenant, rng: random.Random) -> list[str]:
    return [
        "metrics:tenant:15m",
        f"metrics:queue:{rng.choice(tenant.queues)}:live",
        f"metrics:team:{rng.choice(tenant.teams)}:today",
        "board:tenant",
    ]


def has_snapshots(topics: Sequence[str]) -> Callable[[LiveClient], bool]:
    def check(client: LiveClient) -> bool:
        return all(topic in client.state for topic in topics)

    return check


async def churn(
    base: str, tenants: Sequence[Tenant], result: SoakResult, stop: asyncio.Event, seed: int
) -> None:
    """One client slot: connect, check the snapshots, stay a while, close; again."""
    rng = random.Random(seed)
    await asyncio.sleep(rng.random() * 2)
    while not stop.is_set():
        tenant = rng.choice(tenants)
        topics = topics_of(tenant, rng)
        client = LiveClient(ws_url(base), tenant.key, topics, reconnect=False)
        try:
            await client.start()
            result.ws_connects += 1
            async with asyncio.timeout(SNAPSHOT_TIMEOUT_S):
                await client.wait_for(has_snapshots(topics))
            result.ws_snapshots += len(topics)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1 + rng.random() * 7)
            if client.errors:
                result.problems.append(f"WebSocket errors: {client.errors[:3]}")
            if client.close_codes:
                result.problems.append(f"closed by the server: {client.close_codes}")
        except Exception as exc:
            result.problems.append(f"WebSocket client failed: {exc!r}")
            await asyncio.sleep(1)
        finally:
            await client.close()


# -- checks ---------------------------------------------------------------------------------


def fit_slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    if len(points) < 3:
        return 0.0
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


async def differences(base: str, tenant: Tenant, expect: Expectation) -> list[str]:
    headers = {"Authorization": f"Bearer {tenant.key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        counts = (await http.get("/v1/metrics/events")).json()
        if counts != dict(expect.counts):
            return [f"tenant {tenant.id}: counts {counts} != acknowledged {dict(expect.counts)}"]
        if expect.reference is None:
            return []
        scopes = ["tenant", *(f"queue:{q}" for q in tenant.queues)]
        reply = await http.get("/v1/metrics", params={"scope": scopes, "window": ALL_WINDOWS})
    problems = []
    for item in reply.json():
        if _ms(item["at"]) != expect.latest_ms:
            return [f"tenant {tenant.id}: served at {item['at']}, expected {expect.latest_ms}"]
        want = expect.metrics(item["scope"], item["window"])
        if item["metrics"] != want:
            problems.append(f"tenant {tenant.id} {item['scope']} {item['window']} differs")
    return problems


async def call_facts(database_url: str, tenant_id: int) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(CallFactRow)
                .where(CallFactRow.tenant_id == tenant_id)
            )
            return int(count or 0)
    finally:
        await db.close()


async def final_checks(
    base: str,
    database_url: str,
    tenants: Sequence[Tenant],
    expects: dict[int, Expectation],
    result: SoakResult,
) -> None:
    started = time.monotonic()
    deadline = started + 120
    problems: list[str] = []
    while time.monotonic() < deadline:
        problems = []
        for tenant in tenants:
            problems += await differences(base, tenant, expects[tenant.id])
        if not problems:
            break
        await asyncio.sleep(1)
    result.exact_after_s = round(time.monotonic() - started, 1)
    result.problems += problems
    if problems or not all(e.reference is not None for e in expects.values()):
        return
    for tenant in tenants:
        expect = expects[tenant.id]
        want = sum(1 for f in expect.reference.facts if isinstance(f, CallFact))
        for _ in range(60):
            got = await call_facts(database_url, tenant.id)
            if got == want:
                break
            await asyncio.sleep(1)
        else:
            result.problems.append(f"tenant {tenant.id}: {got} call facts stored, {want} expected")
        topic = "metrics:tenant:today"
        async with LiveClient(ws_url(base), tenant.key, [topic], reconnect=False) as client:
            async with asyncio.timeout(SNAPSHOT_TIMEOUT_S):
                await client.wait_for(has_snapshots([topic]))
            if client.state[topic].data != expect.metrics("tenant", "today"):
                result.problems.append(f"tenant {tenant.id}: WebSocket shows other numbers")


def judge_memory(result: SoakResult, steady_from_s: float) -> None:
    samples = result.samples
    result.rss_start_mb = round(samples[0].rss_mb, 1)
    result.rss_end_mb = round(samples[-1].rss_mb, 1)
    result.rss_max_mb = round(max(s.rss_mb for s in samples), 1)
    result.fds_start, result.fds_end = samples[0].fds, samples[-1].fds
    steady = [s for s in samples if s.t >= steady_from_s]
    result.steady_from_s = round(steady_from_s, 1)
    if len(steady) < 5:
        result.problems.append(f"only {len(steady)} samples after the windows filled")
        return
    slope = fit_slope([(s.t / 60, s.rss_mb) for s in steady])
    span_min = (steady[-1].t - steady[0].t) / 60
    growth = slope * span_min
    result.rss_slope_mb_per_min = round(slope, 2)
    result.rss_growth_steady_mb = round(growth, 1)
    allowance = max(FLAT_ALLOWANCE_MB, 0.05 * statistics.fmean(s.rss_mb for s in steady))
    if growth > allowance:
        result.problems.append(
            f"memory grows: {slope:.2f} MB/min over the steady part ({growth:.1f} MB in "
            f"{span_min:.1f} min, allowance {allowance:.1f} MB)"
        )
    fd_growth = max(s.fds for s in steady[-3:]) - min(s.fds for s in steady[:3])
    if fd_growth > 20:
        result.problems.append(f"open file descriptors grow: +{fd_growth}")
    if not all(s.ready for s in samples):
        result.problems.append(f"/readyz not 200 at {sum(not s.ready for s in samples)} samples")


# -- the run --------------------------------------------------------------------------------


async def run_soak(cfg: SoakConfig) -> SoakResult:
    result = SoakResult(config=asdict(cfg))
    workdir = Path(tempfile.mkdtemp(prefix="fw-soak-"))
    database_url = cfg.database_url
    if database_url is None:
        database_url = f"sqlite+aiosqlite:///{workdir / 'soak.sqlite3'}"
        await asyncio.to_thread(upgrade, database_url)
    duration_s = cfg.minutes * 60
    now = datetime.now(UTC).replace(microsecond=0)
    sim_start = now - timedelta(seconds=duration_s * (cfg.speed - 1))
    tenants = await make_tenants(database_url, cfg, sim_start)
    expects = {t.id: Expectation(t.config, cfg.reference) for t in tenants}
    prefix = f"fwsoak-{uuid.uuid4().hex[:8]}"
    redis = aioredis.Redis.from_url(cfg.redis_url)
    load = Load(result)
    try:
        async with serve(database_url, cfg.redis_url, prefix, workdir / "server.log") as server:
            pid = server.process.pid
            started = time.monotonic()
            sim_start_ms = int(sim_start.timestamp() * 1000)
            end_ms = sim_start_ms + int(duration_s * 1000 * cfg.speed)
            feeders = [
                asyncio.create_task(
                    load.feed(
                        server.base, t, expects[t.id], sim_start_ms, cfg.speed, started, end_ms
                    )
                )
                for t in tenants
            ]
            clients = [
                asyncio.create_task(churn(server.base, tenants, result, load.stop, seed))
                for seed in range(cfg.clients)
            ]
            async with httpx.AsyncClient(timeout=5) as http:
                while not all(f.done() for f in feeders):
                    try:
                        ready = (await http.get(f"{server.base}/readyz")).status_code == 200
                    except httpx.HTTPError:
                        ready = False
                    result.samples.append(
                        Sample(
                            round(time.monotonic() - started, 1),
                            rss_mb(pid),
                            open_fds(pid),
                            ready,
                            load.acked,
                        )
                    )
                    await asyncio.wait(feeders, timeout=cfg.sampling)
            for task in feeders:
                task.result()
            result.seconds = round(time.monotonic() - started, 1)
            load.stop.set()
            await asyncio.gather(*clients)
            result.events = load.acked
            result.events_per_s = round(load.acked / max(result.seconds, 1), 1)
            rates = [
                (b.events - a.events) / (b.t - a.t)
                for a, b in zip(result.samples, result.samples[1:], strict=False)
                if b.t > a.t
            ]
            result.peak_events_per_s = round(max(rates, default=0.0), 1)
            await final_checks(server.base, database_url, tenants, expects, result)
            info: Any = await redis.info("memory")
            result.redis_used_mb_end = round(info["used_memory"] / 2**20, 1)
            window_fill_s = 3600 / cfg.speed
            judge_memory(result, max(window_fill_s + 10, duration_s / 2))
        result.problems += [f"server log: {line}" for line in log_problems(workdir / "server.log")]
    finally:
        found = [key async for key in redis.scan_iter(f"{prefix}:*", count=10_000)]
        for at in range(0, len(found), 10_000):
            await redis.unlink(*found[at : at + 10_000])
        await redis.aclose()
        if result.ok:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            result.problems.append(f"server log and database kept in {workdir}")
    return result


def summary(result: SoakResult) -> str:
    lines = [
        f"soak: {result.config['minutes']} min, {result.config['tenants']} tenants × "
        f"{4 * result.config['agents_per_team']} agents at {result.config['speed']}× real time, "
        f"{result.config['clients']} WebSocket client slots",
        f"machine: {machine()}, commit {commit()}",
        f"events acknowledged     {result.events} ({result.events_per_s}/s average, "
        f"{result.peak_events_per_s}/s peak), {result.requests} requests, retried "
        f"{dict(result.retried) or 'none'}",
        f"WebSocket connections   {result.ws_connects}, {result.ws_snapshots} snapshots checked",
        f"server RSS              {result.rss_start_mb} MB at start, {result.rss_max_mb} MB max, "
        f"{result.rss_end_mb} MB at the end; steady from {result.steady_from_s} s: slope "
        f"{result.rss_slope_mb_per_min} MB/min ({result.rss_growth_steady_mb} MB fitted growth)",
        f"open file descriptors   {result.fds_start} at start, {result.fds_end} at the end",
        f"Redis used memory       {result.redis_used_mb_end} MB at the end (de-duplication keys "
        "live 24 h, streams keep an hour)",
        f"exact after the load    {result.exact_after_s} s",
        "verdict: " + ("OK" if result.ok else "FAILED"),
    ]
    lines += [f"  problem: {p}" for p in result.problems[:30]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--tenants", type=int, default=6)
    parser.add_argument("--agents-per-team", type=int, default=20)
    parser.add_argument("--speed", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--redis-url", default=SoakConfig.redis_url)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-reference", action="store_true", help="check counts only")
    parser.add_argument("--json", action="store_true", help="also print the result as JSON")
    args = parser.parse_args()
    cfg = SoakConfig(
        minutes=args.minutes,
        tenants=args.tenants,
        agents_per_team=args.agents_per_team,
        speed=args.speed,
        clients=args.clients,
        redis_url=args.redis_url,
        database_url=args.database_url,
        reference=not args.no_reference,
    )
    result = asyncio.run(run_soak(cfg))
    print(summary(result))
    if args.json:
        print(msgspec.json.encode(result).decode())
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
