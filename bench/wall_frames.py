"""The wall stays smooth with 500 agents on the board and 10 updates a second: frame times
(requestAnimationFrame deltas) and long tasks measured in headless Chromium while events stream
in over HTTP to a `floorwatch serve` process (memory engine, updates every 100 ms).

The page counts the WebSocket messages its main thread is handed: a window in which it was
handed fewer than MIN_FRAMES_PER_S, or in which this process could not post MIN_POSTED_PER_S
batches, did not measure the browser under a stream of updates and is measured again."""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.auth.keys import Scope, create_api_key
from app.auth.passwords import hash_password_sync
from app.auth.roles import Role
from app.auth.users import RoleFields, create_user
from app.core.db import Database
from app.org.service import create_tenant
from app.tenancy.models import Agent, Queue, Team
from bench.common import ROOT, run_server
from bench.results import Row, at_most

AGENTS = 500
TEAMS = 10
QUEUES = ("Sales", "Support", "Billing", "Retention")
UPDATES_PER_S = 10
CHANGES_PER_UPDATE = 25
MIN_FRAMES_PER_S = 5
MIN_POSTED_PER_S = 8
MEASURE_RUNS = 3
TENANT = "wall-frames"
USERNAME = "chief"
PASSWORD = "bench wall password"
CHROMIUM = os.environ.get("FLOORWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FRAME_BUDGET_MS = 3 * 1000 / 60 + 2
"""Three display refreshes: requestAnimationFrame deltas are whole refreshes plus a little
timer jitter (three refreshes have measured 50.1 ms), so the bound sits just above three."""
ARTIFACT = ROOT / "artifacts" / "perf" / "wall-500-agents.json"

COUNT_FRAMES = """
window.__wsFrames = 0;
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", () => { window.__wsFrames += 1; });
  }
};
"""

INSTRUMENT = """
() => {
  const perf = { frames: [], longTasks: [], stop: false };
  window.__perf = perf;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) perf.longTasks.push(entry.duration);
  }).observe({ type: "longtask" });
  let last = performance.now();
  const frame = (now) => {
    perf.frames.push(now - last);
    last = now;
    if (!perf.stop) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
"""

KPIS = [
    ("calls_waiting", "live"),
    ("longest_wait", "live"),
    ("service_level", "15m"),
    ("asa", "15m"),
    ("agents_on_call", "live"),
    ("agents_available", "live"),
]


def agent_ids() -> list[str]:
    return [f"agent-{i:03d}" for i in range(AGENTS)]


def now_ms() -> int:
    return int(time.time() * 1000)


def event(kind: str, ts: int, **fields: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "type": kind, "ts": ts, **fields}


async def seed_floor(database_url: str) -> str:
    """A tenant with AGENTS agents in TEAMS teams, four queues, an admin user; its admin key."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            tenant = await create_tenant(session, TENANT)
            _, key = await create_api_key(
                session, tenant, "bench", {Scope.ingest, Scope.read, Scope.admin}
            )
            await create_user(
                session,
                tenant.id,
                username=USERNAME,
                password_hash=hash_password_sync(PASSWORD),
                fields=RoleFields(role=Role.admin),
                display_name="Chief",
            )
            per_team = AGENTS // TEAMS
            for number in range(TEAMS):
                team = Team(tenant_id=tenant.id, name=f"Team {number + 1}")
                session.add(team)
                await session.flush()
                for external_id in agent_ids()[number * per_team : (number + 1) * per_team]:
                    session.add(
                        Agent(
                            tenant_id=tenant.id,
                            external_id=external_id,
                            display_name=external_id.upper(),
                            team_id=team.id,
                        )
                    )
            for name in QUEUES:
                session.add(Queue(tenant_id=tenant.id, name=name))
            await session.commit()
            return key
    finally:
        await db.close()


@dataclass
class Floor:
    client: httpx.AsyncClient

    async def post(self, events: list[dict[str, Any]]) -> None:
        reply = await self.client.post("/v1/events", content=orjson.dumps(events))
        reply.raise_for_status()


Post = Callable[[list[dict[str, Any]]], Coroutine[Any, Any, None]]


async def stream_changes(post: Post, seconds: float, run: int = 0) -> int:
    """UPDATES_PER_S batches a second, each changing CHANGES_PER_UPDATE agents (answered calls,
    back to available, breaks with reasons), posted on a fixed cadence (a slow answer does not
    delay the next batch); `run` keeps call ids apart. Returns the batches posted. Also used by
    tests/frontend/test_browser_board_500.py."""
    rng = random.Random(5 + run)
    ids = agent_ids()
    calls = 0
    posts: list[asyncio.Task[None]] = []
    deadline = time.monotonic() + seconds
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        t = now_ms()
        batch: list[dict[str, Any]] = []
        for agent in rng.sample(ids, CHANGES_PER_UPDATE):
            roll = rng.random()
            if roll < 0.45:
                calls += 1
                call = f"r{run}-p{calls}"
                queue = rng.choice(QUEUES)
                batch.append(event("call.queued", t - 5000, call_id=call, queue=queue))
                batch.append(event("call.answered", t, call_id=call, agent=agent))
            elif roll < 0.75:
                batch.append(event("agent.state", t, agent=agent, state="available"))
            else:
                reason = rng.choice(["lunch", "coffee", "training", "meeting"])
                batch.append(event("agent.state", t, agent=agent, state="break", reason=reason))
        posts.append(asyncio.create_task(post(batch)))
        next_at += 1 / UPDATES_PER_S
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.gather(*posts)
    return len(posts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(base_url: str, key: str, seconds: float) -> dict[str, Any]:
    from playwright.async_api import async_playwright, expect

    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        floor = Floor(client)
        t0 = now_ms() - 600_000
        await floor.post([event("agent.login", t0 + i, agent=a) for i, a in enumerate(agent_ids())])
        kpis = [
            {"id": f"k{i}", "type": "kpi", "x": 2 * i, "y": 0, "w": 2, "h": 2}
            | {"metric": metric, "window": window}
            for i, (metric, window) in enumerate(KPIS)
        ]
        board = {"id": "board", "type": "agent_board", "x": 0, "y": 2, "w": 12, "h": 6}
        made = await client.post(
            "/v1/dashboards", json={"name": "Floor 500", "widgets": [*kpis, board]}
        )
        made.raise_for_status()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1920, "height": 1080})
            await page.add_init_script(COUNT_FRAMES)
            await page.goto(f"{base_url}/login")
            await page.fill("input[name=tenant]", TENANT)
            await page.fill("input[name=username]", USERNAME)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_selector("fw-grid")
            await page.goto(f"{base_url}/d/{made.json()['id']}")
            await expect(page.locator("fw-agent-board .card")).to_have_count(AGENTS, timeout=30_000)
            for run in range(MEASURE_RUNS):
                await page.evaluate(INSTRUMENT)
                started = time.monotonic()
                frames_before = await page.evaluate("() => window.__wsFrames")
                sent = await stream_changes(floor.post, seconds, run)
                elapsed = time.monotonic() - started
                received = await page.evaluate("() => window.__wsFrames") - frames_before
                perf = await page.evaluate(
                    "() => { window.__perf.stop = true; return window.__perf; }"
                )
                if received / elapsed >= MIN_FRAMES_PER_S and sent / elapsed >= MIN_POSTED_PER_S:
                    break
                if run == MEASURE_RUNS - 1:
                    raise RuntimeError(
                        f"no window of {MEASURE_RUNS} had the page under a stream of updates "
                        f"(last: {sent / elapsed:.1f} batches/s posted, {received / elapsed:.1f} "
                        "updates/s handed to the page): the machine is too busy to measure"
                    )
                print(
                    f"  run {run}: {sent / elapsed:.1f} batches/s posted, "
                    f"{received / elapsed:.1f} updates/s handed to the page, measuring again",
                    flush=True,
                )
            await browser.close()
    frames: list[float] = perf["frames"][1:]
    long_tasks: list[float] = perf["longTasks"]
    return {
        "agents": AGENTS,
        "seconds": round(elapsed, 2),
        "batches_posted_per_s": round(sent / elapsed, 1),
        "ws_frames_received_per_s": round(received / elapsed, 1),
        "frames": len(frames),
        "fps": round(len(frames) / elapsed, 1),
        "frame_ms_p50": round(statistics.median(frames), 1),
        "frame_ms_p95": round(percentile(frames, 0.95), 1),
        "frame_ms_p99": round(percentile(frames, 0.99), 1),
        "frame_ms_max": round(max(frames), 1),
        "frames_over_50ms": sum(1 for f in frames if f > 50),
        "long_tasks": len(long_tasks),
        "long_task_ms_total": round(sum(long_tasks), 1),
        "long_task_ms_max": round(max(long_tasks, default=0.0), 1),
        "long_task_share": round(sum(long_tasks) / (elapsed * 1000), 3),
    }


def rows(quick: bool) -> list[Row]:
    if not Path(CHROMIUM).is_file():
        return [Row("wall", "500 agents at 10 updates/s", None, f"{CHROMIUM} is not installed")]
    env = {"FLOORWATCH_UPDATE_INTERVAL_MS": "100", "FLOORWATCH_CREATE_DEFAULT_TENANT": "false"}
    with run_server("memory", env, seed=seed_floor) as server:
        figures = asyncio.run(measure(server.url, server.key, 4.0 if quick else 12.0))
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2) + "\n")
    print("  " + json.dumps(figures), flush=True)
    where = (
        f"500 agents on the board, 10 batches/s posted ({figures['batches_posted_per_s']}/s "
        f"achieved, {figures['ws_frames_received_per_s']} updates/s handed to the page), "
        "headless Chromium without GPU, 1920×1080"
    )
    return [
        Row(
            "wall",
            f"frame p95 ({where})",
            figures["frame_ms_p95"],
            f"{figures['frame_ms_p95']:.1f} ms (p50 {figures['frame_ms_p50']:.1f} ms, "
            f"p99 {figures['frame_ms_p99']:.1f} ms, {figures['fps']} frames/s)",
            at_most(FRAME_BUDGET_MS, "≤ 3 display refreshes (52 ms)"),
        ),
        Row(
            "wall",
            "share of the time in long tasks (> 50 ms) on the page's main thread",
            figures["long_task_share"] * 100,
            f"{figures['long_task_share']:.1%} ({figures['long_tasks']} long tasks, "
            f"max {figures['long_task_ms_max']:.0f} ms)",
            at_most(25, "≤ 25 %"),
        ),
    ]
