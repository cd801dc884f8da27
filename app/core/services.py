"""The clients of one process, built by the lifespan and read by dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from app.alerts.runtime import AlertRuntime, build_alert_runtime
from app.config import EngineKind, Settings
from app.core.db import Database
from app.core.rate_limit import RateLimiter, build_rate_limiter
from app.dashboards.feed import DashboardFeed
from app.messages.feed import MessageFeed
from app.reports.retention import prune_facts_once
from app.streams.clock import wall_ms
from app.streams.engine import Engine
from app.streams.tenant_config import TenantConfigs


@dataclass
class Services:
    settings: Settings
    db: Database
    configs: TenantConfigs
    engine: Engine
    alerts: AlertRuntime
    dashboards: DashboardFeed
    messages: MessageFeed
    limiter: RateLimiter | None = None


def build_services(settings: Settings, *, run_worker: bool = True) -> Services:
    db = Database(settings.database_url)
    configs = TenantConfigs(
        db, settings.max_call_age_s, callback_expiry_s=settings.callback_expiry_hours * 3600
    )
    engine: Engine
    if settings.engine is EngineKind.redis:
        from app.streams.redis_engine import RedisEngine

        engine = RedisEngine(settings, configs, run_worker=run_worker)
        limiter = build_rate_limiter(settings, engine.redis)
    else:
        from app.streams.memory import MemoryEngine

        engine = MemoryEngine(settings, configs)
        limiter = build_rate_limiter(settings, None)
    alerts = build_alert_runtime(
        settings, db, engine, sends=settings.engine is EngineKind.memory or run_worker
    )

    async def prune_facts() -> None:
        await prune_facts_once(db, settings.fact_retention_days or None, wall_ms())

    alerts.chores.append(prune_facts)
    return Services(
        settings=settings,
        db=db,
        configs=configs,
        engine=engine,
        alerts=alerts,
        dashboards=DashboardFeed(db),
        messages=MessageFeed(db),
        limiter=limiter,
    )
