"""Ingestion: validate, de-duplicate, append. Shared by the HTTP endpoint and the adapters."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from redis.exceptions import RedisError

from app.core.config import Settings
from app.core.errors import Unavailable
from app.core.logging import get_logger
from app.core.telemetry import observe_ingest
from app.events.schemas import Event
from app.events.validation import DecodedBatch, Rejection, reject_future
from app.streams.clock import wall_ms
from app.streams.engine import AppendResult, Engine

log = get_logger(__name__)


class RejectedEvent(msgspec.Struct):
    index: int
    reason: str


class IngestResult(msgspec.Struct):
    """The answer to a batch: how many were kept, how many were already seen, and why each
    rejected event (by its index in the batch) was refused."""

    received: int
    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]
    duplicate_indices: list[int] = []


async def ingest_decoded(
    engine: Engine, settings: Settings, tenant_id: int, batch: DecodedBatch
) -> IngestResult:
    latest_ms = wall_ms() + int(settings.max_future_skew_s * 1000)
    reject_future(batch, latest_ms, settings.max_future_skew_s)
    appended = await append_events(engine, tenant_id, batch.events)
    observe_ingest(
        batch.total, len(appended.accepted), len(appended.duplicates), len(batch.rejected)
    )
    return IngestResult(
        received=batch.total,
        accepted=len(appended.accepted),
        duplicates=len(appended.duplicates),
        rejected=[RejectedEvent(r.index, r.reason) for r in batch.rejected],
        duplicate_indices=[batch.indices[i] for i in appended.duplicates],
    )


async def ingest_events(
    engine: Engine,
    settings: Settings,
    tenant_id: int,
    events: Sequence[Event],
    rejected: Sequence[Rejection] = (),
) -> IngestResult:
    """Ingest already-decoded events (from an adapter); `rejected` carries its parse errors."""
    batch = DecodedBatch(
        events=list(events),
        indices=list(range(len(events))),
        rejected=list(rejected),
        total=len(events) + len(rejected),
    )
    return await ingest_decoded(engine, settings, tenant_id, batch)


async def append_events(engine: Engine, tenant_id: int, events: Sequence[Event]) -> AppendResult:
    if not events:
        return AppendResult()
    try:
        return await engine.append(tenant_id, events)
    except (RedisError, OSError) as exc:
        log.warning("event log unavailable", error=str(exc), engine=engine.kind)
        raise Unavailable("the event log is unavailable; nothing was kept, retry later") from exc
