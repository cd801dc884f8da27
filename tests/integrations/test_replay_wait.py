"""`floorwatch replay --wait` against the real app on each engine: when the command returns,
`/v1/metrics` already shows every event it sent (one read, no polling), and
`/v1/events/progress` says the tenant is caught up."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from app.integrations.simulation import SimConfig, Simulator
from tests.conftest import RunningApp
from tests.helpers import cli_env, make_tenant_key

START = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def simulated_file(path: Path) -> Counter[str]:
    """Eight simulated hours of a 300-agent floor as NDJSON; the events by type."""
    sim = Simulator(SimConfig(start=START, seed=18, teams=6, agents_per_team=50, id_prefix="w"))
    events = sim.run_until(int((START + timedelta(hours=8)).timestamp() * 1000))
    encode = msgspec.json.Encoder().encode
    path.write_bytes(b"\n".join(encode(event) for event in events) + b"\n")
    return Counter(str(type(event).__struct_config__.tag) for event in events)


async def replay(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "replay",
        *args,
        env=cli_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(120):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_after_replay_wait_the_metrics_are_final(
    app_server: RunningApp, tmp_path: Path
) -> None:
    by_type = simulated_file(tmp_path / "floor.ndjson")
    _, key = await make_tenant_key(app_server.settings.database_url)
    async with app_server.client(key) as client:
        before = (await client.get("/v1/events/progress")).json()
        assert before == {"appended": None, "applied": None, "caught_up": True}

        code, out, err = await replay(
            str(tmp_path / "floor.ndjson"),
            "--format",
            "ndjson",
            "--url",
            app_server.base_url,
            "--api-key",
            key,
        )
        assert code == 0, err
        counts = (await client.get("/v1/metrics/events")).json()
        progress = (await client.get("/v1/events/progress")).json()
    assert f"sent {sum(by_type.values())}, accepted {sum(by_type.values())}" in out
    assert "applied by the server " in out
    assert counts == dict(by_type)
    assert progress["caught_up"] is True
    assert progress["applied"] is not None


async def test_no_wait_returns_without_reading_the_progress(
    app_server: RunningApp, tmp_path: Path
) -> None:
    path = tmp_path / "one.ndjson"
    path.write_text('{"id": "x1", "type": "agent.login", "ts": 1772611200000, "agent": "a1"}\n')
    _, key = await make_tenant_key(app_server.settings.database_url)
    code, out, err = await replay(
        str(path), "--format", "ndjson", "--url", app_server.base_url, "--api-key", key, "--no-wait"
    )
    assert code == 0, err
    assert "sent 1, accepted 1" in out
    assert "applied by the server" not in out
