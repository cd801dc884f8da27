"""The one module that wires the application together: the clients of one process (database,
engine, alert runtime, feeds, rate limiter), built by the lifespan, and the FastAPI dependency
that hands them to the endpoints. Every other package receives what it needs from here instead
of building it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import Depends, Request

from app.alerts.runtime import AlertRuntime, build_alert_runtime
from app.core.config import EngineKind, Settings
from app.core.db import Database
from app.core.rate_limit import RateLimiter, build_rate_limiter
from app.dashboards.feed import DashboardFeed
from app.messages.feed import MessageFeed
from app.messages.service import delete_expired_once as delete_expired_messages
from app.plans.feed import TargetFeed
from app.reports.facts import write_facts
from app.reports.retention import prune_facts_once
from app.streams.clock import wall_ms
from app.streams.engine import Engine
from app.streams.keys import Keys
from app.streams.tenant_config import TenantConfigs
from app.tenant_config import tenant_configs


@dataclass
class Services:
    settings: Settings
    db: Database
    configs: TenantConfigs
    engine: Engine
    alerts: AlertRuntime
    dashboards: DashboardFeed
    messages: MessageFeed
    targets: TargetFeed
    limiter: RateLimiter | None = None


def build_services(settings: Settings, *, run_worker: bool = True) -> Services:
    db = Database(settings.database_url)
    configs = tenant_configs(
        db, settings.max_call_age_s, callback_expiry_s=settings.callback_expiry_hours * 3600
    )
    engine: Engine
    if settings.engine is EngineKind.redis:
        from app.streams.redis_engine import RedisEngine

        engine = RedisEngine(settings, configs, partial(write_facts, db), run_worker=run_worker)
        limiter = build_rate_limiter(settings, engine.redis, Keys(settings.redis_prefix).rate_limit)
    else:
        from app.streams.memory import MemoryEngine

        engine = MemoryEngine(settings, configs, partial(write_facts, db))
        limiter = build_rate_limiter(settings, None, Keys(settings.redis_prefix).rate_limit)
    alerts = build_alert_runtime(
        settings, db, engine, sends=settings.engine is EngineKind.memory or run_worker
    )

    async def prune_facts() -> None:
        await prune_facts_once(db, settings.fact_retention_days or None, wall_ms())

    alerts.chores.append(prune_facts)
    alerts.chores.append(partial(delete_expired_messages, db))
    return Services(
        settings=settings,
        db=db,
        configs=configs,
        engine=engine,
        alerts=alerts,
        dashboards=DashboardFeed(db),
        messages=MessageFeed(db),
        targets=TargetFeed(db, engine),
        limiter=limiter,
    )


async def get_services(request: Request) -> Services:
    """Async on purpose: FastAPI runs a plain `def` dependency in its thread pool, which costs
    two thread hand-offs on every request."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
