from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.pipeline.models import StallLimitRow
from app.pipeline.schemas import StallLimit


async def list_stall_limits(session: AsyncSession, tenant_id: int) -> list[StallLimit]:
    rows = await session.scalars(
        select(StallLimitRow)
        .where(StallLimitRow.tenant_id == tenant_id)
        .order_by(StallLimitRow.pipeline, StallLimitRow.stage)
    )
    return [StallLimit(pipeline=r.pipeline, stage=r.stage, stall_s=r.stall_s) for r in rows]


async def replace_stall_limits(
    session: AsyncSession, tenant_id: int, limits: list[StallLimit]
) -> None:
    await session.execute(delete(StallLimitRow).where(StallLimitRow.tenant_id == tenant_id))
    session.add_all(
        StallLimitRow(tenant_id=tenant_id, pipeline=x.pipeline, stage=x.stage, stall_s=x.stall_s)
        for x in limits
    )


def stall_limits_by_pipeline(limits: list[StallLimit]) -> dict[str, dict[str, float]]:
    """As the aggregator reads them (`TenantConfig.stall_limits`)."""
    out: dict[str, dict[str, float]] = {}
    for limit in limits:
        out.setdefault(limit.pipeline, {})[limit.stage] = limit.stall_s
    return out
