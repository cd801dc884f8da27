"""The one module that wires the application together: it builds the clients of one process
(database, engine, alert runtime, change feeds, rate limiter) into its `Services`
(app/services.py), which the lifespan hands to the endpoints. Every other package receives what
it needs from there instead of building it; only the entry points (app.main, app.cli) import
this module."""

from __future__ import annotations

from functools import partial
from typing import Final

from app.alerts.runtime import build_alert_runtime
from app.core.config import EngineKind, Settings
from app.core.db import Database
from app.core.rate_limit import build_rate_limiter
from app.core.sealing import SecretBox
from app.dashboards.feed import DashboardFeed
from app.facts.derived import DerivedFromFacts
from app.facts.retention import prune_facts_once
from app.facts.writer import write_facts
from app.messages.feed import MessageFeed
from app.messages.service import delete_expired_once as delete_expired_messages
from app.plans.feed import TargetFeed
from app.services import Services
from app.shifts.outcomes import SHIFT_OUTCOMES
from app.streams.clock import wall_ms
from app.streams.engine import Engine
from app.streams.keys import Keys
from app.tenant_config import tenant_configs

FACT_DERIVED: Final[tuple[DerivedFromFacts, ...]] = (SHIFT_OUTCOMES,)
"""What is derived from the report facts outside the fact store, kept right by its writer and
retention."""


def build_services(settings: Settings, *, run_worker: bool = True) -> Services:
    db = Database(settings.database_url)
    configs = tenant_configs(
        db, settings.max_call_age_s, callback_expiry_s=settings.callback_expiry_hours * 3600
    )
    engine: Engine
    if settings.engine is EngineKind.redis:
        from app.streams.redis_engine import RedisEngine

        engine = RedisEngine(
            settings, configs, partial(write_facts, db, derived=FACT_DERIVED), run_worker=run_worker
        )
        limiter = build_rate_limiter(settings, engine.redis, Keys(settings.redis_prefix).rate_limit)
    else:
        from app.streams.memory import MemoryEngine

        engine = MemoryEngine(settings, configs, partial(write_facts, db, derived=FACT_DERIVED))
        limiter = build_rate_limiter(settings, None, Keys(settings.redis_prefix).rate_limit)
    box = SecretBox(settings.secret_keys())
    alerts = build_alert_runtime(
        settings, db, engine, box, sends=settings.engine is EngineKind.memory or run_worker
    )

    async def prune_facts() -> None:
        await prune_facts_once(
            db, settings.fact_retention_days or None, wall_ms(), derived=FACT_DERIVED
        )

    alerts.chores.append(prune_facts)
    alerts.chores.append(partial(delete_expired_messages, db))
    services = Services(
        settings=settings, db=db, configs=configs, engine=engine, box=box, limiter=limiter
    )
    targets = TargetFeed(db, engine)
    targets.add_listener(alerts.evaluator.forget_plans)
    for part in (alerts, DashboardFeed(db), MessageFeed(db), targets):
        services.add(part)
    return services
