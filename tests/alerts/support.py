"""A tenant with teams, queues, an admin API key and a webhook channel, and helpers to drive
alert rules through real events over real HTTP."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from app.alerts import channel_service, rule_service
from app.alerts.channel_owners import SERVICE
from app.alerts.channel_service import ChannelPolicy
from app.alerts.delivery import Backoff
from app.alerts.runtime import AlertRuntime
from app.alerts.schemas import ChannelIn, RuleIn
from app.auth.keys import Scope
from app.auth.policy import Access
from app.core.db import Database
from app.core.sealing import SecretBox
from tests.alerts.receivers import HttpReceiver
from tests.auth.support import make_org
from tests.conftest import RunningApp
from tests.helpers import ev, eventually, make_tenant_key

SECRET = "webhook-secret-0123456789"
ALL_SCOPES = {Scope.ingest, Scope.read, Scope.admin}


@dataclass
class Floor:
    app: RunningApp
    name: str
    tenant_id: int
    key: str
    client: httpx.AsyncClient
    channel_id: int
    receiver: HttpReceiver

    async def post(self, *events: dict[str, Any]) -> None:
        """Ingest events and wait until alert evaluation has reached the latest of them."""
        response = await self.client.post("/v1/events", json=list(events))
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == len(events), response.text
        await self.evaluated(max(e["ts"] for e in events))

    async def evaluated(self, at_ms: int) -> None:
        evaluator = self.app.services.part(AlertRuntime).evaluator

        async def reached() -> bool:
            done = evaluator.evaluated_ms(self.tenant_id)
            return done is not None and done >= at_ms

        await eventually(reached, timeout=20)

    async def rule(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "rule", "channels": [self.channel_id], **fields}
        response = await self.client.post("/v1/alert-rules", json=body)
        assert response.status_code == 201, response.text
        rule: dict[str, Any] = response.json()
        return rule

    async def alerts(self, *states: str, **params: Any) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"state": list(states or ("pending", "firing")), **params}
        response = await self.client.get("/v1/alerts", params=query)
        assert response.status_code == 200, response.text
        alerts: list[dict[str, Any]] = response.json()
        return alerts

    async def transitions(self, **params: Any) -> list[tuple[str, str]]:
        response = await self.client.get(
            "/v1/alerts/history", params={"kind": "transition", **params}
        )
        assert response.status_code == 200, response.text
        return [(e["from_state"], e["to_state"]) for e in reversed(response.json())]

    async def deliveries(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get("/v1/alerts/deliveries", params=params)
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()
        return list(reversed(rows))

    async def settled(self, within_s: float = 20) -> None:
        """Every notification of this floor's tenant has been delivered or given up. Other
        tests on the same database may leave theirs waiting for a retry."""
        assert await self.app.services.part(AlertRuntime).dispatcher.idle(within_s, self.tenant_id)


@asynccontextmanager
async def make_floor(
    app: RunningApp, receiver: HttpReceiver, tz: str = "UTC"
) -> AsyncIterator[Floor]:
    url = app.settings.database_url
    name = f"al-{uuid.uuid4().hex[:8]}"
    tenant_id, key = await make_tenant_key(url, ALL_SCOPES, timezone=tz, name=name)
    await make_org(url, tenant_id, {"North": ["a1", "a2"], "South": ["s1"]}, ("Sales",))
    app.services.part(AlertRuntime).dispatcher.backoff = Backoff(initial_s=0.05)
    async with app.client(key) as client:
        response = await client.post(
            "/v1/alert-channels",
            json={
                "name": "hook",
                "settings": {"kind": "webhook", "url": receiver.url, "secret": SECRET},
            },
        )
        assert response.status_code == 201, response.text
        yield Floor(app, name, tenant_id, key, client, response.json()["id"], receiver)


def base_ms() -> int:
    """A minute boundary two hours ago: far enough back for every test timeline."""
    now = int(time.time() * 1000) - 2 * 3_600_000
    return now - now % 60_000


def call(
    call_id: str, queued: int, answered: int, agent: str, ended: int | None = None
) -> list[dict[str, Any]]:
    events = [
        ev("call.queued", queued, call_id=call_id, queue="Sales"),
        ev("call.answered", answered, call_id=call_id, agent=agent),
    ]
    if ended is not None:
        events.append(ev("call.ended", ended, call_id=call_id))
    return events


async def add_calls_waiting_rule(
    db: Database, tenant_id: int, url: str, scope: str, keep_firing_for_s: float = 0
) -> None:
    """A webhook channel to `url` and a rule on it, made in the database as the service itself:
    calls waiting >= 1 in `scope` fires at once."""
    async with db.session() as session:
        channel = await channel_service.create_channel(
            session,
            tenant_id,
            ChannelIn(name="hook", settings={"kind": "webhook", "url": url, "timeout_s": 5}),
            ChannelPolicy(SecretBox([]), private_destinations=True),
            SERVICE,
        )
        await rule_service.create_rule(
            session,
            tenant_id,
            RuleIn(
                name="queue backs up",
                metric="calls_waiting",
                scope=scope,
                op=">=",
                threshold=1,
                keep_firing_for_s=keep_firing_for_s,
                channels=[channel.id],
            ),
            Access.everything(),
            {},
            SERVICE,
        )
        await session.commit()
