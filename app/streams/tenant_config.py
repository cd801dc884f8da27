"""Load each tenant's aggregator configuration (time zone, queues, teams) from the database."""

from __future__ import annotations

import time

from sqlalchemy import select

from app.core.db import Database
from app.org.models import Agent, Queue, Team, Tenant
from app.phrases.models import PhraseListRow, PhraseSettingsRow
from app.pipeline.service import list_stall_limits, stall_limits_by_pipeline
from app.streams.aggregator.config import QueueConfig, TenantConfig
from app.streams.aggregator.phrase_lists import PhraseListConfig


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


class TenantConfigs:
    """Configurations cached for `ttl_s`; aggregators pick up edits within that time."""

    def __init__(
        self,
        db: Database,
        max_call_age_s: float,
        ttl_s: float = 10.0,
        callback_expiry_s: float = 24 * 3600,
    ) -> None:
        self.db = db
        self.max_call_age_s = max_call_age_s
        self.callback_expiry_s = callback_expiry_s
        self.ttl_s = ttl_s
        self._cache: dict[int, tuple[float, TenantConfig]] = {}

    async def get(self, tenant_id: int) -> TenantConfig:
        hit = self._cache.get(tenant_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return hit[1]
        config = await load_tenant_config(
            self.db, tenant_id, self.max_call_age_s, self.callback_expiry_s
        )
        self._cache[tenant_id] = (time.monotonic(), config)
        return config

    def is_stale(self, tenant_id: int) -> bool:
        hit = self._cache.get(tenant_id)
        return hit is None or time.monotonic() - hit[0] >= self.ttl_s

    def invalidate(self, tenant_id: int | None = None) -> None:
        if tenant_id is None:
            self._cache.clear()
        else:
            self._cache.pop(tenant_id, None)
