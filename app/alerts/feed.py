"""The wall's view of alerts: the firing alerts of each tenant, and a signal when they change.

    feed.add_listener(callback)        callback(tenant_id) when the tenant's alerts changed
    await feed.current(tenant_id)      the firing alerts (oldest first), as `AlertOut`

The database is the source; `current` caches per tenant. With the redis engine the evaluator
runs in whichever worker owns the tenant, so a change is announced on the Redis channel
`Keys.alerts_channel()` (message: the tenant id) and every process that listens drops its cache
and calls its listeners. A lost message is healed by the cache's time-to-live.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import select

from app.alerts.models import Alert
from app.alerts.repository import alert_out, silences
from app.alerts.schemas import AlertOut
from app.auth.policy import Access
from app.core.db import Database
from app.core.logging import get_logger
from app.core.redis_client import RedisClient
from app.core.tenant_cache import TenantCache

log = get_logger(__name__)

CACHE_TTL_S = 10.0


def visible_to(alert: AlertOut, access: Access) -> bool:
    """Whether a caller with `access` may see this alert (the access policy, applied to the
    alert's scope and the team it belongs to)."""
    kind, _, name = alert.scope.partition(":")
    if kind in ("tenant", "queue", "pipeline"):
        return True
    if kind == "team":
        return access.can_see_team(name)
    return access.can_see_agent(name, alert.team)


def in_scope(alert: AlertOut, scope: str) -> bool:
    """Whether the alert belongs under a wall topic scope: `tenant` holds every alert,
    `team:NAME` the team's and its agents' alerts, `queue:NAME` the queue's."""
    if scope == "tenant":
        return True
    kind, _, name = scope.partition(":")
    if kind == "team":
        return alert.team == name
    return alert.scope == scope


class AlertFeed:
    def __init__(self, db: Database, redis: RedisClient | None, channel: str) -> None:
        self.db = db
        self.redis = redis
        self.channel = channel
        self._cache: TenantCache[list[AlertOut]] = TenantCache(CACHE_TTL_S, "alerts")
        self.add_listener = self._cache.add_listener
        self.remove_listener = self._cache.remove_listener
        self._task: asyncio.Task[None] | None = None

    async def current(self, tenant_id: int) -> list[AlertOut]:
        async def load() -> list[AlertOut]:
            async with self.db.session() as session:
                rows = (
                    await session.scalars(
                        select(Alert)
                        .where(Alert.tenant_id == tenant_id, Alert.state == "firing")
                        .order_by(Alert.fired_ms, Alert.id)
                    )
                ).all()
                silenced = await silences(session, tenant_id, {r.fingerprint for r in rows})
            return [alert_out(r, silenced.get(r.fingerprint)) for r in rows]

        return await self._cache.get(tenant_id, load)

    async def changed(self, tenant_id: int) -> None:
        """Announce that the tenant's alerts changed (to every process on the redis engine)."""
        if self.redis is None:
            self._invalidate(tenant_id)
            return
        try:
            await self.redis.publish(self.channel, str(tenant_id))
        except Exception as exc:
            log.warning("announcing an alert change failed", tenant_id=tenant_id, error=str(exc))
            self._invalidate(tenant_id)

    def _invalidate(self, tenant_id: int) -> None:
        self._cache.invalidate(tenant_id)

    async def start(self) -> None:
        if self.redis is not None and self._task is None:
            self._task = asyncio.create_task(self._listen(), name="alert-feed")

    async def _listen(self) -> None:
        assert self.redis is not None
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    data = message["data"]
                    text = data.decode() if isinstance(data, bytes) else str(data)
                    if text.isdigit():
                        self._invalidate(int(text))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("alert feed subscription lost; resubscribing", error=str(exc))
                self._cache.forget_all()
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.redis is not None:
            await self.redis.aclose()
