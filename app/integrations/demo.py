"""Live demo traffic for `make run`: a simulated call centre feeding tenant `default`.

The simulation starts an hour in the past (so the dashboard is populated within seconds), then
follows the wall clock. Its local time zone is chosen so that it is late morning there right
now: whatever the hour of the demo, the simulated centre is open and busy.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from app.core.logging import get_logger
from app.core.services import Services
from app.events.service import ingest_events
from app.integrations.simulation import SimConfig, Simulator
from app.integrations.simulation.live import stream_live
from app.org.provision import provision_roster
from app.org.service import DEFAULT_TENANT, ensure_tenant

log = get_logger(__name__)

DEMO_LOCAL_HOUR = 11
BACKFILL = timedelta(hours=1)


def busy_time_zone(now: datetime) -> str:
    """An `Etc/GMT±N` zone in which `now` is around DEMO_LOCAL_HOUR (note the inverted sign)."""
    offset = (DEMO_LOCAL_HOUR - now.hour + 12) % 24 - 12
    offset = max(-12, min(14, offset))
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def demo_config(now: datetime, seed: int = 7) -> SimConfig:
    start = now - BACKFILL
    return SimConfig(
        start=start,
        seed=seed,
        teams=4,
        agents_per_team=10,
        time_zone=busy_time_zone(now),
        id_prefix=f"demo-{int(start.timestamp())}",
    )


async def run_demo(services: Services, speed: float = 1.0) -> None:
    """Feed the demo until cancelled."""
    now = datetime.now(UTC)
    sim = Simulator(demo_config(now))
    async with services.db.session() as session:
        tenant = await ensure_tenant(session, DEFAULT_TENANT)
        await provision_roster(session, tenant.id, sim.roster())
        await session.commit()
        tenant_id = tenant.id
    services.configs.invalidate(tenant_id)
    backfill = sim.run_until(int(time.time() * 1000))
    for start in range(0, len(backfill), 1000):
        await ingest_events(
            services.engine, services.settings, tenant_id, backfill[start : start + 1000]
        )
    log.info("demo traffic started", backfilled=len(backfill), tenant=DEFAULT_TENANT)
    async for batch in stream_live(sim, speed, time.time, tick_s=0.5):
        try:
            await ingest_events(services.engine, services.settings, tenant_id, batch)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("demo batch failed")
