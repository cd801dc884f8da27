"""The load and the checks shared by the fault tests.

Load: each tenant's traffic comes from the seeded simulator (realistic calls, holds, wrap-ups,
breaks, sales, surveys), shifted in time to end just before now, and is posted in order by one
client per tenant that retries a batch until it is acknowledged (a 200), rotating over the API
processes it knows, as a well-behaved integration does. Every answer is recorded.

Checks after a fault, against the reference implementation (`tests/streams/reference.py`) run
over exactly the acknowledged events in acknowledgement order:

- counts by type equal (nothing lost, nothing applied twice);
- every metric of every scope and window served by the API equals the reference;
- the facts in PostgreSQL are exactly the reference's facts, and the tenant's 15-minute rollups
  count each answered call once;
- every WebSocket client shows the reference's numbers again;
- `/readyz` is 200 on every API process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import redis.asyncio as aioredis
from sqlalchemy import func, select

from app.auth.keys import Scope, create_api_key
from app.core.config import Settings
from app.core.db import Database
from app.events.schemas import AnyEvent
from app.facts.models import AgentStateFactRow, CallFactRow, CsatFactRow, DealFactRow
from app.facts.rollups import KpiRollupRow
from app.integrations.provision import provision_roster
from app.integrations.simulation import SimConfig, Simulator
from app.org.service import create_tenant
from app.streams.aggregator import (
    LIVE,
    WINDOWS,
    AgentStateFact,
    CallFact,
    CsatFact,
    DealFact,
    TenantConfig,
)
from app.streams.host import HostCheckpoint
from app.streams.keys import Keys, partition_of
from app.streams.redis_log import RedisLog
from app.streams.views import meta_decoder
from app.tenant_config import load_tenant_config
from app.widgets.client import LiveClient, ws_url
from tests.streams.reference import Reference

ALL_WINDOWS = (LIVE, *WINDOWS)
SIM_START = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
"""A Wednesday morning: the simulated centre is open and filling up."""
WS_TOPICS = ("metrics:tenant:today", "metrics:queue:Support:15m", "metrics:tenant:live")
FACT_TABLES: dict[type[Any], Any] = {
    CallFact: CallFactRow,
    AgentStateFact: AgentStateFactRow,
    DealFact: DealFactRow,
    CsatFact: CsatFactRow,
}


@dataclass
class Tenant:
    id: int
    key: str
    config: TenantConfig
    events: list[AnyEvent]


def simulated_traffic(seed: int, minutes: float, agents_per_team: int) -> list[AnyEvent]:
    """`minutes` of a simulated centre, shifted to end one minute before now."""
    sim = Simulator(
        SimConfig(
            start=SIM_START,
            seed=seed,
            teams=4,
            agents_per_team=agents_per_team,
            id_prefix=f"rel{seed}",
        )
    )
    events = sim.run_until(int((SIM_START + timedelta(minutes=minutes)).timestamp() * 1000))
    shift = int(time.time() * 1000) - 60_000 - events[-1].ms
    return [msgspec.structs.replace(e, ts=e.ms + shift) for e in events]


async def make_tenants(
    database_url: str, count: int, minutes: float, agents_per_team: int = 10
) -> list[Tenant]:
    """Tenants with their roster (queues, teams, agents) in the database, an API key each,
    and their traffic."""
    db = Database(database_url)
    settings = Settings()
    tenants = []
    try:
        for n in range(count):
            seed = 100 + n
            sim = Simulator(
                SimConfig(start=SIM_START, seed=seed, teams=4, agents_per_team=agents_per_team)
            )
            async with db.session() as session:
                tenant = await create_tenant(session, f"reliability-{seed}-{time.time_ns()}")
                await provision_roster(session, tenant.id, sim.roster())
                _, key = await create_api_key(session, tenant, "load", {Scope.ingest, Scope.read})
                await session.commit()
                tenant_id = tenant.id
            config = await load_tenant_config(db, tenant_id, settings.max_call_age_s)
            events = simulated_traffic(seed, minutes, agents_per_team)
            tenants.append(Tenant(tenant_id, key, config, events))
    finally:
        await db.close()
    return tenants


# -- load ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    sent: float
    """`time.monotonic()` when the request was sent."""
    at: float
    """`time.monotonic()` when the answer (or the failure) came."""
    status: int | None
    """None: no HTTP answer (connection refused, reset, timeout)."""
    retry_after: str | None
    detail: str


@dataclass
class Feeder:
    """Posts one tenant's events in order, batch by batch, each until acknowledged."""

    tenant: Tenant
    bases: Sequence[str]
    batch_size: int = 25
    pause_s: float = 0.02
    retry_pause_s: float = 0.2
    batch_deadline_s: float = 120.0
    inflight: Counter[str] = field(default_factory=Counter)
    """Requests under way per base URL (pass one Counter to several feeders to share it)."""
    acked: list[AnyEvent] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    position: int = 0

    def acked_ids(self) -> list[str]:
        return [e.id for e in self.acked]

    @property
    def done(self) -> bool:
        return self.position >= len(self.tenant.events)

    async def run(self, until: int | None = None) -> None:
        """Post the batches from the current position up to event index `until` (or the end)."""
        end = len(self.tenant.events) if until is None else min(until, len(self.tenant.events))
        turn = self.tenant.id
        headers = {
            "Authorization": f"Bearer {self.tenant.key}",
            "Content-Type": "application/json",
        }
        async with httpx.AsyncClient(headers=headers, timeout=15) as http:
            while self.position < end:
                stop = min(end, self.position + self.batch_size)
                batch = self.tenant.events[self.position : stop]
                body = msgspec.json.encode(batch)
                deadline = time.monotonic() + self.batch_deadline_s
                while True:
                    base = self.bases[turn % len(self.bases)]
                    self.inflight[base] += 1
                    try:
                        answer = await self._post(http, f"{base}/v1/events", body, len(batch))
                    finally:
                        self.inflight[base] -= 1
                    self.answers.append(answer)
                    if answer.status == 200:
                        break
                    turn += 1
                    if time.monotonic() > deadline:
                        raise AssertionError(
                            f"tenant {self.tenant.id}: a batch was not acknowledged within "
                            f"{self.batch_deadline_s} s; last answer {answer}"
                        )
                    await asyncio.sleep(self.retry_pause_s)
                self.acked.extend(batch)
                self.position += len(batch)
                await asyncio.sleep(self.pause_s)

    async def _post(self, http: httpx.AsyncClient, url: str, body: bytes, size: int) -> Answer:
        sent = time.monotonic()
        try:
            reply = await http.post(url, content=body)
        except httpx.TransportError as exc:
            return Answer(sent, time.monotonic(), None, None, f"{type(exc).__name__}: {exc}")
        now = time.monotonic()
        if reply.status_code == 200:
            got = reply.json()
            if got["accepted"] + got["duplicates"] != size or got["rejected"]:
                return Answer(sent, now, -1, None, f"not all events kept: {reply.text[:300]}")
        retry_after = reply.headers.get("retry-after")
        return Answer(sent, now, reply.status_code, retry_after, reply.text[:300])


def status_name(answer: Answer) -> str:
    return "no answer" if answer.status is None else str(answer.status)


def check_answers(feeders: Sequence[Feeder], *, transport_errors: bool = False) -> Counter[str]:
    """Every answer is a 200 or a 503 with Retry-After (no 500, no partial batch, never a 200
    that kept less than the batch); transport failures only where a process was killed.
    Returns the counts of statuses ("200", "503", "no answer")."""
    seen: Counter[str] = Counter()
    for feeder in feeders:
        for answer in feeder.answers:
            seen[status_name(answer)] += 1
            if answer.status == 503:
                assert answer.retry_after, f"a 503 without Retry-After: {answer}"
            elif answer.status is None:
                assert transport_errors, f"no HTTP answer where one was due: {answer}"
            else:
                assert answer.status == 200, f"unexpected answer: {answer}"
    return seen


def answers_between(feeders: Sequence[Feeder], start: float, end: float) -> Counter[str]:
    """The answers to requests sent at `start` or later and answered by `end`."""
    return Counter(
        status_name(a) for f in feeders for a in f.answers if start <= a.sent and a.at <= end
    )


# -- expectations ---------------------------------------------------------------------------


@dataclass
class Expected:
    reference: Reference
    at_ms: int
    counts: dict[str, int]

    def metrics(self, scope: str, window: str) -> dict[str, float | int | None]:
        return self.reference.metrics(scope, window, self.at_ms)


def expected_for(tenant: Tenant, acked: Sequence[AnyEvent]) -> Expected:
    ref = Reference(tenant.config)
    for event in acked:
        ref.apply(event)
    at_ms = max(e.ms for e in acked)
    ref.advance(at_ms)
    return Expected(ref, at_ms, dict(ref.counts))


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


async def served_differences(base: str, tenant: Tenant, expected: Expected) -> list[str]:
    """What the API serves that differs from the reference (empty: all equal)."""
    headers = {"Authorization": f"Bearer {tenant.key}"}
    scopes = sorted(expected.reference.scope_names())
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=15) as http:
        counts = (await http.get("/v1/metrics/events")).json()
        if counts != expected.counts:
            delta = Counter(counts)
            delta.subtract(expected.counts)
            return [f"counts differ (served - expected): {dict(+delta)} / {dict(-delta)}"]
        reply = await http.get("/v1/metrics", params={"scope": scopes, "window": ALL_WINDOWS})
    reply.raise_for_status()
    problems = []
    for item in reply.json():
        if _ms(item["at"]) != expected.at_ms:
            return [f"served at {item['at']}, expected {expected.at_ms}"]
        want = expected.metrics(item["scope"], item["window"])
        if item["metrics"] != want:
            diff = {
                k: (item["metrics"].get(k), want.get(k))
                for k in set(want) | set(item["metrics"])
                if item["metrics"].get(k) != want.get(k)
            }
            problems.append(f"{item['scope']} {item['window']}: {diff}")
    return problems


async def missing_from_log(redis_url: str, tenant_id: int, acked: Sequence[AnyEvent]) -> list[str]:
    """Ids of acknowledged events the tenant's event log does not hold (default prefix `fw`,
    4 partitions, as `servers.floorwatch_env`)."""
    redis = aioredis.Redis.from_url(redis_url)
    try:
        log = RedisLog(redis, Keys("fw"), 4, 86_400_000)
        held: set[str] = set()
        after = "0"
        while True:
            entries = await log.read_partition(log.partition(tenant_id), after=after)
            if not entries:
                break
            for entry in entries:
                if entry.tenant_id == tenant_id:
                    held.update(e.id for e in entry.events)
            after = entries[-1].offset
    finally:
        await redis.aclose()
    return [e.id for e in acked if e.id not in held]


async def post_mortem(redis_url: str, tenant_id: int) -> str:
    """The redis engine's bookkeeping of the tenant's partition, for a failure message."""
    redis = aioredis.Redis.from_url(redis_url)
    keys = Keys("fw")
    try:
        partition = partition_of(tenant_id, 4)
        view: Any = await redis.hmget(keys.view(tenant_id), ["epoch", "meta"])
        counts = meta_decoder.decode(view[1]).counts if view[1] else None
        checkpoint: Any = await redis.get(keys.checkpoint(partition))
        offset = (
            msgspec.msgpack.decode(checkpoint, type=HostCheckpoint).offset if checkpoint else None
        )
        last: Any = await redis.xrevrange(keys.events(partition), count=1)
        epoch: Any = await redis.get(keys.epoch(partition))
        lease: Any = await redis.get(keys.lease(partition))
        return (
            f"tenant {tenant_id} partition {partition}: view epoch {view[0]!r}, view counts "
            f"{sum(counts.values()) if counts else None}, epoch counter {epoch!r}, lease "
            f"{lease!r}, checkpoint offset {offset}, last stream id {last[0][0] if last else None}"
        )
    finally:
        await redis.aclose()


async def wait_exact(
    base: str,
    tenants: Sequence[Tenant],
    feeders: Sequence[Feeder],
    timeout: float = 60.0,
    redis_url: str | None = None,
) -> dict[int, Expected]:
    """Wait until the API serves exactly the reference's numbers for every tenant. With
    `redis_url`, a failure also says which acknowledged events the event log lacks."""
    expected = {f.tenant.id: expected_for(f.tenant, f.acked) for f in feeders if f.acked}
    by_id = {t.id: t for t in tenants}
    deadline = time.monotonic() + timeout
    problems: list[str] = []
    while time.monotonic() < deadline:
        problems = []
        for tenant_id, want in expected.items():
            try:
                problems += await served_differences(base, by_id[tenant_id], want)
            except (httpx.HTTPError, ValueError) as exc:
                problems.append(f"tenant {tenant_id}: {exc!r}")
        if not problems:
            return expected
        await asyncio.sleep(0.5)
    if redis_url is not None:
        for feeder in feeders:
            problems.append(await post_mortem(redis_url, feeder.tenant.id))
            lost = await missing_from_log(redis_url, feeder.tenant.id, feeder.acked)
            if lost:
                problems.append(
                    f"tenant {feeder.tenant.id}: {len(lost)} acknowledged events are not in the "
                    f"event log, e.g. {lost[:3]} (acknowledged #{feeder.acked_ids().index(lost[0])}"
                    f" of {len(feeder.acked)})"
                )
    raise AssertionError(f"not exact after {timeout} s: {problems[:10]}")


async def stored_fact_ids(database_url: str, tenant_id: int) -> dict[str, set[str]]:
    db = Database(database_url)
    try:
        async with db.session() as session:
            return {
                kind.__name__: set(
                    await session.scalars(select(row.fact_id).where(row.tenant_id == tenant_id))
                )
                for kind, row in FACT_TABLES.items()
            }
    finally:
        await db.close()


async def answered_in_rollups(database_url: str, tenant_id: int) -> int:
    """Answered calls counted in the tenant-wide 15-minute rollups."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            total = await session.scalar(
                select(func.coalesce(func.sum(KpiRollupRow.answered), 0)).where(
                    KpiRollupRow.tenant_id == tenant_id, KpiRollupRow.kind == "t"
                )
            )
            return int(total or 0)
    finally:
        await db.close()


async def wait_facts(
    database_url: str, expected: dict[int, Expected], timeout: float = 60.0
) -> None:
    """Wait until the stored facts are exactly the reference's (each once) and the rollups
    count every answered call once."""
    deadline = time.monotonic() + timeout
    problems: list[str] = []
    while time.monotonic() < deadline:
        problems = []
        for tenant_id, want in expected.items():
            wanted: dict[str, set[str]] = {kind.__name__: set() for kind in FACT_TABLES}
            for fact in want.reference.facts:
                wanted[type(fact).__name__].add(fact.fact_id)
            stored = await stored_fact_ids(database_url, tenant_id)
            for kind, ids in wanted.items():
                if stored[kind] != ids:
                    problems.append(
                        f"tenant {tenant_id} {kind}: {len(ids - stored[kind])} missing, "
                        f"{len(stored[kind] - ids)} unexpected"
                    )
            answered = sum(
                1
                for fact in want.reference.facts
                if isinstance(fact, CallFact)
                and fact.direction == "inbound"
                and fact.answered_ms is not None
            )
            rolled = await answered_in_rollups(database_url, tenant_id)
            if rolled != answered:
                problems.append(
                    f"tenant {tenant_id}: rollups count {rolled} answered, facts {answered}"
                )
        if not problems:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"facts not exact after {timeout} s: {problems[:10]}")


async def wait_ready(bases: Sequence[str], timeout: float = 60.0) -> float:
    """Seconds until `/readyz` answers 200 on every base URL."""
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=2) as http:
        pending = list(bases)
        while pending:
            if time.monotonic() - started > timeout:
                raise AssertionError(f"not ready within {timeout} s: {pending}")
            still = []
            for base in pending:
                try:
                    ok = (await http.get(f"{base}/readyz")).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    still.append(base)
            pending = still
            if pending:
                await asyncio.sleep(0.1)
    return time.monotonic() - started


async def readiness(base: str) -> int | None:
    async with httpx.AsyncClient(timeout=5) as http:
        try:
            return (await http.get(f"{base}/readyz")).status_code
        except httpx.HTTPError:
            return None


# -- WebSocket clients ----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def background(*coros: Awaitable[Any]) -> AsyncIterator[asyncio.Future[list[Any]]]:
    """Run the coroutines together in the background; cancelled (and awaited) if the block
    ends before they do."""
    task = asyncio.ensure_future(asyncio.gather(*coros))
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def watchers(bases: Sequence[str], tenant: Tenant) -> AsyncIterator[list[LiveClient]]:
    """One WebSocket client per API process, on a few topics of the tenant."""
    clients = [LiveClient(ws_url(base), tenant.key, WS_TOPICS, max_backoff_s=1.0) for base in bases]
    for client in clients:
        await client.start()
    try:
        yield clients
    finally:
        for client in clients:
            await client.close()


def topic_expectation(expected: Expected, topic: str) -> dict[str, Any]:
    _, rest = topic.split(":", 1)
    scope, _, window = rest.rpartition(":")
    return expected.metrics(scope, window)


async def wait_resynced(
    clients: Sequence[LiveClient], expected: Expected, timeout: float = 30.0
) -> None:
    """Every client shows the reference's numbers on every topic."""

    def current(client: LiveClient) -> bool:
        return all(
            (state := client.state.get(topic)) is not None
            and state.data == topic_expectation(expected, topic)
            for topic in WS_TOPICS
        )

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(current(c) for c in clients):
            return
        await asyncio.sleep(0.1)
    stale = [
        (c.url, t, c.state[t].data if t in c.state else None)
        for c in clients
        for t in WS_TOPICS
        if not current(c)
    ]
    raise AssertionError(f"WebSocket clients not resynced within {timeout} s: {stale[:3]}")


# -- measurements ---------------------------------------------------------------------------


def report(fault: str, **figures: object) -> None:
    """Print a test's measured figures (shown with `pytest -s`; they feed docs/reliability.md)
    and append them to the file named by FLOORWATCH_RELIABILITY_REPORT, if set."""
    line = {"fault": fault, **figures}
    print(f"\nRELIABILITY {msgspec.json.encode(line).decode()}")
    path = os.environ.get("FLOORWATCH_RELIABILITY_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(msgspec.json.encode(line).decode() + "\n")


async def told(
    clients: Sequence[LiveClient], before: Sequence[tuple[int, int]], timeout: float
) -> float:
    """Seconds until every client was told that its numbers are no longer live: the server
    closed the connection or sent an error (`before`: each client's close codes and errors
    before the fault)."""
    started = time.monotonic()

    def was_told(client: LiveClient, seen: tuple[int, int]) -> bool:
        return len(client.close_codes) > seen[0] or len(client.errors) > seen[1]

    while time.monotonic() - started < timeout:
        if all(was_told(c, seen) for c, seen in zip(clients, before, strict=True)):
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(
        f"WebSocket clients were not told within {timeout} s that their numbers are stale: "
        f"close codes {[c.close_codes for c in clients]}, errors {[c.errors for c in clients]}"
    )
