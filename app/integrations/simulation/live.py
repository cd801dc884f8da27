"""Play a simulation against the wall clock, for demos: batches as they happen, stamped now.

Simulated time runs `speed` times as fast as the wall clock from the moment streaming starts.
Each event is re-stamped to the wall-clock instant it maps to, so the receiver sees times near
now and never in the future; at speed 10 a five-minute call is thirty seconds long. The traffic
itself (which calls, agents, outcomes, ids) does not depend on the speed.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable

import msgspec

from app.events.schemas import AnyEvent
from app.integrations.simulation.engine import Simulator


async def stream_live(
    sim: Simulator,
    speed: float,
    clock: Callable[[], float],
    *,
    tick_s: float = 1.0,
    until_ms: int | None = None,
) -> AsyncIterator[list[AnyEvent]]:
    """Yield the events of each tick (never an empty batch) as the wall clock advances.

    `clock` returns epoch seconds (e.g. `time.time`). The stream ends when simulated time reaches
    `until_ms`; without it, it runs until the consumer stops iterating or is cancelled.
    """
    if not (speed > 0 and math.isfinite(speed)):
        raise ValueError(f"speed must be a finite number > 0, got {speed}")
    if not tick_s > 0:
        raise ValueError(f"tick_s must be > 0, got {tick_s}")
    wall_start_ms = math.floor(clock() * 1000)
    sim_start_ms = sim.now_ms
    while True:
        elapsed_ms = math.floor(clock() * 1000) - wall_start_ms
        target_ms = sim_start_ms + math.floor(max(0, elapsed_ms) * speed)
        if until_ms is not None:
            target_ms = min(target_ms, until_ms)
        batch = sim.run_until(target_ms)
        if batch:
            yield [
                msgspec.structs.replace(
                    event, ts=wall_start_ms + math.floor((event.ms - sim_start_ms) / speed)
                )
                for event in batch
            ]
        if until_ms is not None and sim.now_ms >= until_ms:
            return
        await asyncio.sleep(tick_s)
