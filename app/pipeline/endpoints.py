"""`/v1/pipeline/stall-limits`: when an open deal counts as stalled, per pipeline and stage."""

from __future__ import annotations

from fastapi import APIRouter

from app.auth.deps import AdminPrincipal, ReadPrincipal
from app.pipeline.schemas import DEFAULT_STALL_S, StallLimitsIn, StallLimitsOut
from app.pipeline.service import list_stall_limits, replace_stall_limits
from app.services import ServicesDep

router = APIRouter(prefix="/v1/pipeline", tags=["pipeline"])


@router.get(
    "/stall-limits",
    summary="Stall limits per pipeline and stage",
    description="An open deal with no stage change for longer than its stage's limit counts "
    "in `deals_stalled` (docs/metrics.md). Stages not listed use `default_s` (7 days).",
)
async def get_stall_limits(principal: ReadPrincipal, services: ServicesDep) -> StallLimitsOut:
    async with services.db.session() as session:
        limits = await list_stall_limits(session, principal.tenant_id)
    return StallLimitsOut(default_s=DEFAULT_STALL_S, limits=limits)


@router.put(
    "/stall-limits",
    summary="Set every stall limit (admins)",
    description="Replaces the tenant's stall limits with the list given (an empty list: every "
    "stage uses the default). The aggregators read them with the tenant's next events (at "
    "once in this process, within the configuration cache's TTL of 10 s in others); "
    "`deals_stalled` then follows for every open deal.",
)
async def put_stall_limits(
    body: StallLimitsIn, principal: AdminPrincipal, services: ServicesDep
) -> StallLimitsOut:
    async with services.db.session() as session:
        await replace_stall_limits(session, principal.tenant_id, body.limits)
        await session.commit()
        limits = await list_stall_limits(session, principal.tenant_id)
    services.configs.invalidate(principal.tenant_id)
    return StallLimitsOut(default_s=DEFAULT_STALL_S, limits=limits)
