"""Each tenant's aggregator configuration (time zone, queues, teams, agents, stall limits,
phrase lists) read from the tables of the packages that own them; the engine caches it
(app/streams/tenant_config.py)."""

from __future__ import annotations

from sqlalchemy import select

from app.core.db import Database
from app.phrases.models import PhraseListRow, PhraseSettingsRow
from app.pipeline.service import list_stall_limits, stall_limits_by_pipeline
from app.streams.aggregator.config import QueueConfig, TenantConfig
from app.streams.aggregator.phrase_lists import PhraseListConfig
from app.streams.tenant_config import TenantConfigs
from app.tenancy.models import Agent, Queue, Team, Tenant


async def load_tenant_config(
    db: Database, tenant_id: int, max_call_age_s: float, callback_expiry_s: float = 24 * 3600
) -> TenantConfig:
    async with db.session() as session:
        tenant = await session.get(Tenant, tenant_id)
        queues = (await session.scalars(select(Queue).where(Queue.tenant_id == tenant_id))).all()
        rows = (
            await session.execute(
                select(Agent.external_id, Agent.display_name, Team.name)
                .outerjoin(Team, Agent.team_id == Team.id)
                .where(Agent.tenant_id == tenant_id)
            )
        ).all()
        stall_limits = await list_stall_limits(session, tenant_id)
        phrase_lists = (
            await session.scalars(
                select(PhraseListRow)
                .where(PhraseListRow.tenant_id == tenant_id)
                .order_by(PhraseListRow.name)
            )
        ).all()
        phrase_settings = await session.get(PhraseSettingsRow, tenant_id)
    return TenantConfig(
        tenant_id=tenant_id,
        timezone=tenant.timezone if tenant else "UTC",
        language=tenant.language if tenant else "en",
        country_code=tenant.country_code if tenant else None,
        queues={
            q.name: QueueConfig(
                sl_threshold_s=q.sl_threshold_s,
                short_abandon_s=q.short_abandon_s,
                wrapup_s=q.wrapup_s,
            )
            for q in queues
        },
        agent_teams={agent: team for agent, _, team in rows if team},
        agent_names={agent: name for agent, name, _ in rows if name},
        max_call_age_s=max_call_age_s,
        stall_limits=stall_limits_by_pipeline(stall_limits),
        callback_expiry_s=callback_expiry_s,
        phrase_lists=tuple(
            PhraseListConfig(pl.name, pl.kind, pl.role, tuple(pl.phrases), pl.within_s)  # type: ignore[arg-type]
            for pl in phrase_lists
        ),
        keep_segments=bool(phrase_settings and phrase_settings.keep_segments),
        segment_retention_s=(phrase_settings.retention_days if phrase_settings else 7) * 86400,
    )


def tenant_configs(
    db: Database,
    max_call_age_s: float,
    callback_expiry_s: float = 24 * 3600,
    ttl_s: float = 10.0,
) -> TenantConfigs:
    async def load(tenant_id: int) -> TenantConfig:
        return await load_tenant_config(db, tenant_id, max_call_age_s, callback_expiry_s)

    return TenantConfigs(load, ttl_s)
