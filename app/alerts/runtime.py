"""The alerting clients of one process: evaluator (an engine tick hook), delivery dispatcher
and wall feed. Built with the other services; started and closed by the lifespan (or by
`floorwatch worker`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis

from app.alerts.delivery import Backoff, Dispatcher
from app.alerts.evaluator import AlertEvaluator
from app.alerts.feed import AlertFeed
from app.alerts.retention import prune_periodically, stop
from app.alerts.sealing import SecretBox
from app.alerts.service import ChannelPolicy, reseal_channels, unsealed_channels
from app.config import EngineKind, Settings
from app.core.db import Database
from app.core.logging import get_logger
from app.streams.engine import Engine
from app.streams.keys import Keys

log = get_logger(__name__)


@dataclass
class AlertRuntime:
    evaluator: AlertEvaluator
    dispatcher: Dispatcher
    feed: AlertFeed
    db: Database
    retention_days: int
    box: SecretBox
    channel_policy: ChannelPolicy
    pruner: asyncio.Task[None] | None = field(default=None, init=False)

    async def start(self) -> None:
        await self.feed.start()
        if self.box.enabled:
            resealed = await reseal_channels(self.db, self.box)
            if resealed:
                log.info("alert channel secrets sealed with the current key", channels=resealed)
        elif plain := await unsealed_channels(self.db):
            log.warning(
                "alert channel secrets are stored unsealed: set FLOORWATCH_SECRET_KEY "
                "(docs/alerts.md, Channels)",
                channels=plain,
            )
        self.pruner = asyncio.create_task(
            prune_periodically(self.db, self.retention_days), name="alert-history-pruner"
        )

    async def close(self) -> None:
        await stop(self.pruner)
        await self.dispatcher.close()
        await self.feed.close()


def build_alert_runtime(
    settings: Settings, db: Database, engine: Engine, backoff: Backoff | None = None
) -> AlertRuntime:
    """Build the alerting clients and register evaluation as the engine's tick hook."""
    redis = (
        Redis.from_url(settings.redis_url, socket_timeout=10, socket_connect_timeout=5)
        if settings.engine is EngineKind.redis
        else None
    )
    feed = AlertFeed(db, redis, Keys(settings.redis_prefix).alerts_channel())
    box = SecretBox(settings.secret_keys())
    dispatcher = Dispatcher(
        db, backoff, private_destinations=settings.alert_private_destinations, box=box
    )
    evaluator = AlertEvaluator(db, dispatcher, feed)
    engine.add_tick_hook(evaluator.on_tick)
    return AlertRuntime(
        evaluator=evaluator,
        dispatcher=dispatcher,
        feed=feed,
        db=db,
        retention_days=settings.alert_retention_days,
        box=box,
        channel_policy=ChannelPolicy(box, settings.alert_private_destinations),
    )
