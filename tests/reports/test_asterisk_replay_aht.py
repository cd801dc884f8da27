"""Done-when of issue 19: real traffic replayed as an Asterisk queue_log with default options
gives the same per-queue AHT as the same traffic replayed from its original format.

The two Anonymous Bank days are written as the queue_log Asterisk would have left
(`technion_queue_log`) and both files go through `floorwatch replay` into the real app, one
tenant each, queues left at their defaults. Asterisk logs no wrap-up and its default
`wrapuptime` is 0, so with default options no call may gain wrap-up time: AHT per queue and day
(and over the month) must equal the Technion replay's exactly, and the file's talk time.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunningApp
from tests.helpers import cli_env, floorwatch, make_tenant_key
from tests.integrations.technion_queue_log import technion_queue_log
from tests.integrations.technion_reference import ANONYMOUS_BANK_TSV, technion_daily_kpis
from tests.reports.support import kpi, wait_for_calls

TZ = "Asia/Jerusalem"


async def replayed(app: RunningApp, path: Path, *options: str) -> tuple[int, str]:
    """A new tenant in `TZ` with `path` replayed into it by the CLI; (tenant id, key)."""
    tenant_id, key = await make_tenant_key(app.settings.database_url, timezone=TZ)
    args = ("replay", str(path), "--url", app.base_url, "--api-key", key, *options)
    done = await asyncio.to_thread(floorwatch, *args, env=cli_env())  # the app serves meanwhile
    assert done.returncode == 0, done.stderr
    assert "rejected 0, malformed lines 0" in done.stdout, done.stdout
    return tenant_id, key


def aht_by_queue(report: dict[str, Any]) -> dict[tuple[str, str], float | None]:
    return {(r["period"], r["queue"]): r["metrics"]["aht"] for r in report["rows"]}


@pytest.mark.slow
async def test_asterisk_replay_gives_the_technion_replays_aht_per_queue(
    event_app: RunningApp, tmp_path: Path
) -> None:
    lines = ANONYMOUS_BANK_TSV.read_text(encoding="ascii").splitlines()
    queue_log = tmp_path / "queue_log"
    queue_log.write_text(technion_queue_log(lines, TZ))
    oracle = technion_daily_kpis(lines, TZ)
    calls = sum(k.answered + k.abandoned for k in oracle.values())

    technion_tenant, technion_key = await replayed(
        event_app, ANONYMOUS_BANK_TSV, "--format", "technion", "--tz", TZ
    )
    asterisk_tenant, asterisk_key = await replayed(event_app, queue_log, "--format", "asterisk")
    await wait_for_calls(event_app, technion_tenant, calls)
    await wait_for_calls(event_app, asterisk_tenant, calls)

    days = sorted({day for day, _ in oracle})
    for period, start in (("day", days[0]), ("month", date(1999, 2, 1))):
        params = {"from": start.isoformat(), "to": days[-1].isoformat(), "period": period}
        technion = aht_by_queue(await kpi(event_app, technion_key, group_by="queue", **params))
        asterisk = aht_by_queue(await kpi(event_app, asterisk_key, group_by="queue", **params))
        assert asterisk == technion, period
    by_day = aht_by_queue(
        await kpi(
            event_app,
            asterisk_key,
            group_by="queue",
            **{"from": days[0].isoformat(), "to": days[-1].isoformat(), "period": "day"},
        )
    )
    talk = {(d.isoformat(), q): k.aht_s for (d, q), k in oracle.items()}
    assert by_day.keys() == talk.keys()
    assert all(
        (got is None and want is None) or abs(got - want) < 1e-9  # type: ignore[operator]
        for got, want in ((by_day[k], talk[k]) for k in talk)
    )
    assert sum(1 for v in by_day.values() if v) >= 12  # both days, every busy queue
