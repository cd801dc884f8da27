"""`GET /metrics` (app/ops): Prometheus text with the ingest counters, aggregation time, event
log lag per partition, WebSocket clients, server-side closes and alert deliveries; readable from
loopback, or with the metrics token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import delete
from starlette.requests import Request
from websockets.asyncio.client import connect

from app.alerts.delivery import Dispatcher
from app.alerts.models import AlertChannel
from app.core.config import ClockKind, EngineKind, Settings
from app.core.errors import Forbidden
from app.core.telemetry import REGISTRY
from app.ops.endpoints import check_scraper
from app.ops.lag import offset_at_head
from app.streams.clock import Clock
from app.streams.host import AggregatorHost
from app.widgets.connection import Connection
from app.widgets.protocol import CloseCode
from tests.alerts.deliveries import alert_fixture, notification
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.helpers import ev, eventually, make_tenant_key

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def local_samples() -> Samples:
    from prometheus_client import generate_latest

    return samples(generate_latest(REGISTRY).decode())


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(response.text)


async def test_ingest_aggregation_lag_and_clients_are_exposed(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    async with app_server.client() as anonymous, app_server.client(key) as client:
        before = await scrape(anonymous)
        good = [ev("agent.login", agent=f"a{n}") for n in range(5)]
        first = await client.post("/v1/events", json=[*good, {"id": "x", "type": "nope"}])
        again = await client.post("/v1/events", json=good[:2])
        assert (first.status_code, again.status_code) == (200, 200)

        async def aggregated() -> bool:
            counts: dict[str, int] = (await client.get("/v1/metrics/events")).json()
            return sum(counts.values()) == 5

        await eventually(aggregated)
        ws_url = app_server.base_url.replace("http", "ws", 1) + "/v1/ws"
        async with connect(ws_url, additional_headers={"Authorization": f"Bearer {key}"}) as ws:
            await ws.recv()
            during = await scrape(anonymous)
        after = await scrape(anonymous)

    def delta(name: str) -> float:
        return value(during, name) - value(before, name)

    assert delta("floorwatch_events_received_total") == 8
    assert delta("floorwatch_events_accepted_total") == 5
    assert delta("floorwatch_events_duplicate_total") == 2
    assert delta("floorwatch_events_rejected_total") == 1
    assert delta("floorwatch_aggregation_seconds_count") >= 1
    assert delta("floorwatch_aggregated_events_total") >= 5
    assert value(during, "floorwatch_websocket_clients") >= 1
    assert (
        value(after, "floorwatch_websocket_clients")
        == value(during, "floorwatch_websocket_clients") - 1
    )
    partitions = {
        dict(labels)["partition"]
        for (name, labels) in during
        if name == "floorwatch_event_log_lag_seconds" or name == "floorwatch_event_log_lag_entries"
    }
    expected = {"0"} if app_server.settings.engine.value == "memory" else {"0", "1", "2", "3"}
    assert partitions == expected
    requests = value(
        during, "floorwatch_http_requests_total", method="POST", route="/v1/events", status="200"
    ) - value(
        before, "floorwatch_http_requests_total", method="POST", route="/v1/events", status="200"
    )
    assert requests == 2
    assert value(during, "process_resident_memory_bytes") > 0


async def test_only_this_engines_partitions_are_exported(
    sqlite_url: str, pg_migrated: str, redis_url: str, redis_prefix: str
) -> None:
    """The lag gauges are process-wide: a redis app's four partitions, scraped first, must not
    linger in the scrape of a memory app (one partition) in the same process afterwards."""
    engines = [
        make_settings(
            engine=EngineKind.redis,
            database_url=pg_migrated,
            redis_url=redis_url,
            redis_prefix=redis_prefix,
        ),
        make_settings(engine=EngineKind.memory, database_url=sqlite_url),
    ]
    seen = []
    for settings in engines:
        running, task = await start_app(settings)
        try:
            async with running.client() as anonymous:
                found = await scrape(anonymous)
        finally:
            await stop_app(running, task)
        seen.append(
            {
                dict(labels)["partition"]
                for (name, labels) in found
                if name in ("floorwatch_event_log_lag_entries", "floorwatch_event_log_lag_seconds")
            }
        )
    assert seen == [{"0", "1", "2", "3"}, {"0"}]


async def test_redis_lag_returns_to_zero_once_checkpointed(app_server: RunningApp) -> None:
    if app_server.settings.engine.value != "redis":
        pytest.skip("the redis engine's lag is read from its streams")
    _, key = await make_tenant_key(app_server.settings.database_url)
    async with app_server.client() as anonymous, app_server.client(key) as client:
        await client.post("/v1/events", json=[ev("agent.login", agent="a")])

        async def caught_up() -> bool:
            found = await scrape(anonymous)
            lags = [v for (n, _), v in found.items() if n == "floorwatch_event_log_lag_seconds"]
            return len(lags) == 4 and max(lags) == 0

        await eventually(caught_up)


def test_the_checkpoint_offset_is_read_from_the_head_of_the_blob() -> None:
    host = AggregatorHost(cast(Any, None), Clock(ClockKind.wall))
    for offset in ("0", "1709542800000-5", "1" * 40 + "-0"):
        host.offset = offset
        blob = host.dump()
        assert offset_at_head(blob[:128]) == offset
    assert offset_at_head(b"") is None
    assert offset_at_head(b"\x83\xa6tenant") is None


async def test_slow_clients_dropped_and_alert_deliveries_are_counted(sqlite_url: str) -> None:
    async def nothing(*_: object) -> None:
        return None

    before = local_samples()
    conn = Connection(cast(Any, None), "c", nothing, nothing, lambda: None, 8, lambda _: None)
    conn.kill(CloseCode.slow_consumer, "slow consumer")
    await conn.stop()
    async for fx in alert_fixture(sqlite_url):
        queued = await notification(fx, {"kind": "webhook", "url": "http://127.0.0.1:9/x"})
        async with fx.db.session() as session:
            await session.execute(delete(AlertChannel).where(AlertChannel.id == queued.channel_id))
            await session.commit()
        dispatcher = Dispatcher(fx.db, private_destinations=True)
        dispatcher.wake()

        def failed(found: Samples) -> float:
            return value(found, "floorwatch_alert_deliveries_total", outcome="failed")

        async def counted() -> bool:
            return failed(local_samples()) == failed(before) + 1

        await eventually(counted, timeout=5)
        await dispatcher.close()
    after = local_samples()
    slow = "floorwatch_websocket_closed_by_server_total"
    assert value(after, slow, code="4008") == value(before, slow, code="4008") + 1


@pytest.fixture
async def guarded(sqlite_url: str) -> AsyncIterator[RunningApp]:
    settings = make_settings(database_url=sqlite_url, metrics_token=SecretStr("s3cret-token"))
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


async def test_with_a_token_only_its_holders_may_scrape(guarded: RunningApp) -> None:
    async with guarded.client() as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert missing.status_code == 401
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert "floorwatch_events_accepted_total" in right.text


def test_without_a_token_only_loopback_may_scrape() -> None:
    settings: Settings = make_settings()

    def request(host: str) -> Request:
        return Request({"type": "http", "headers": [], "client": (host, 4000)})

    check_scraper(request("127.0.0.1"), settings)
    check_scraper(request("::1"), settings)
    for host in ("10.1.2.3", "192.168.0.5", "2001:db8::1", "testclient"):
        with pytest.raises(Forbidden):
            check_scraper(request(host), settings)
