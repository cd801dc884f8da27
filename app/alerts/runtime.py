"""The alerting clients of one process: evaluator (an engine tick hook), delivery dispatcher
and wall feed. Built with the other services; started and closed by the lifespan (or by
`floorwatch worker`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from app.alerts.channel_service import ChannelPolicy, reseal_channels, unsealed_channels
from app.alerts.delivery import Backoff, Dispatcher
from app.alerts.evaluator import AlertEvaluator
from app.alerts.feed import AlertFeed
from app.alerts.retention import PRUNE_EVERY_S, first_round_delay_s, prune_once, stop
from app.core.config import EngineKind, Settings
from app.core.db import Database
from app.core.logging import get_logger
from app.core.redis_client import connect_redis
from app.core.sealing import SecretBox
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
    sends: bool = True
    """This process sends the outbox's deliveries: it runs an aggregator (and so evaluates
    rules). An API-only process of the redis engine does not."""
    chores: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """More work for the hourly housekeeping round (fact retention, wired in
    app/wiring.py); each must log and swallow its own failures."""
    housekeeper: asyncio.Task[None] | None = field(default=None, init=False)
    unsealed: int = field(default=0, init=False)
    """Channels found holding secrets in the clear (no key set) at the last check."""

    async def start(self) -> None:
        await self.feed.start()
        if self.sends:
            self.dispatcher.start()
        await self.seal_secrets()
        self.housekeeper = asyncio.create_task(self._housekeeping(), name="alert-housekeeping")

    async def seal_secrets(self) -> None:
        """With a key, seal what is plain or sealed with an older key; without one, count and
        warn about secrets in the clear. A database out of reach is logged, not fatal: the
        service starts anyway, and the next housekeeping round tries again."""
        try:
            if self.box.enabled:
                resealed = await reseal_channels(self.db, self.box)
                if resealed:
                    log.info("alert channel secrets sealed with the current key", channels=resealed)
                return
            self.unsealed = await unsealed_channels(self.db)
        except Exception as exc:
            log.warning("alert channel secrets not checked", error=f"{type(exc).__name__}: {exc}")
            return
        if self.unsealed:
            log.warning(
                "alert channel secrets are stored unsealed: set FLOORWATCH_SECRET_KEY "
                "(docs/alerts.md, Channels)",
                channels=self.unsealed,
            )

    async def _housekeeping(self) -> None:
        """About once an hour: prune the history past its retention, check the sealing, and
        do the other `chores`."""
        await asyncio.sleep(first_round_delay_s())
        while True:
            await prune_once(self.db, self.retention_days)
            await self.seal_secrets()
            for chore in self.chores:
                await chore()
            await asyncio.sleep(PRUNE_EVERY_S)

    async def close(self) -> None:
        await stop(self.housekeeper)
        await self.dispatcher.close()
        await self.feed.close()


def build_alert_runtime(
    settings: Settings,
    db: Database,
    engine: Engine,
    box: SecretBox,
    backoff: Backoff | None = None,
    *,
    sends: bool = True,
) -> AlertRuntime:
    """Build the alerting clients and register evaluation as the engine's tick hook."""
    redis = connect_redis(settings.redis_url) if settings.engine is EngineKind.redis else None
    feed = AlertFeed(db, redis, Keys(settings.redis_prefix).alerts_channel())
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
        sends=sends,
    )
