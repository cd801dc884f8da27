"""`floorwatch simulate --hours N --pipeline` against the real app: the simulated hours (in a
time zone where it is late morning now, so the centre is open) arrive with deals, and the live
pipeline metrics show them (deals created and moved, open deals, their value)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from app.integrations.demo import busy_time_zone
from tests.conftest import RunningApp
from tests.helpers import cli_env, eventually, make_tenant_key


async def test_simulate_with_the_pipeline_feeds_deals(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "simulate", "--url", app_server.base_url,
        "--api-key", key, "--hours", "3", "--teams", "2", "--agents-per-team", "6",
        "--pipeline", "--seed", "4", "--timezone", busy_time_zone(datetime.now(UTC)),
        env=cli_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(120):
        out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert "accepted" in out.decode()
    async with app_server.client(key) as client:

        async def deals_arrived() -> bool:
            counts = (await client.get("/v1/metrics/events")).json()
            last.update(counts)
            return bool(counts.get("deal.created", 0) > 5 and counts.get("deal.stage_changed"))

        last: dict[str, int] = {}
        try:
            await eventually(deals_arrived, timeout=30)
        except AssertionError as exc:
            raise AssertionError(f"events counted: {last}; the command said {out!r}") from exc
        answer = await client.get("/v1/metrics", params={"scope": "tenant", "window": "live"})
        live = answer.json()[0]["metrics"]
    assert live["deals_open"] > 0
    assert live["pipeline_value"] > 0
