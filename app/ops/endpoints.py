"""`GET /metrics`: the Prometheus exposition of app/core/telemetry.py (text format 0.0.4, or what
the scraper's `Accept` asks for: OpenMetrics, text 1.0.0).

Who may read it: with `metrics_token` set, callers that send it as a bearer token; without,
only clients on the loopback interface (a Prometheus or an agent on the same host). Behind a
reverse proxy on the same host every request comes from loopback: set `metrics_token` there, or
do not route `/metrics` through the proxy.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, choose_encoder

from app.auth.resolver import bearer_token
from app.core.config import Settings
from app.core.errors import Forbidden, Unauthorized
from app.core.logging import get_logger
from app.core.telemetry import (
    FACTS_PENDING,
    LOG_LAG_ENTRIES,
    LOG_LAG_SECONDS,
    LOG_LENGTH,
    REGISTRY,
    WEBSOCKET_CLIENTS,
    WEBSOCKET_TOPICS,
)
from app.ops.lag import partition_lags
from app.services import ServicesDep

router = APIRouter(tags=["operations"])
log = get_logger(__name__)


def check_scraper(request: Request, settings: Settings) -> None:
    token = settings.metrics_token
    if token is not None:
        sent = bearer_token(request) or ""
        if not hmac.compare_digest(sent.encode(), token.get_secret_value().encode()):
            raise Unauthorized("send the metrics token (FLOORWATCH_METRICS_TOKEN) as a bearer")
        return
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise Forbidden("/metrics answers loopback clients only; set FLOORWATCH_METRICS_TOKEN")


async def refresh_state_gauges(request: Request) -> None:
    """Set the gauges that describe a state from the running services."""
    hub = getattr(request.app.state, "hub", None)
    if hub is not None:
        WEBSOCKET_CLIENTS.set(len(hub.connections))
        WEBSOCKET_TOPICS.set(len(hub.topics))
    from app.streams.memory import MemoryEngine

    engine = request.app.state.services.engine
    if isinstance(engine, MemoryEngine):
        FACTS_PENDING.set(engine.facts.pending())
    try:
        lags = await partition_lags(engine)
    except Exception as exc:  # the scrape still answers; the gauges keep their last values
        log.warning("event log lag unavailable", error=repr(exc))
        return
    # Only this engine's partitions: a series of a partition that is gone (fewer partitions
    # configured, another engine earlier in the same process) must not linger at its last value.
    for gauge in (LOG_LAG_ENTRIES, LOG_LAG_SECONDS, LOG_LENGTH):
        gauge.clear()
    for lag in lags:
        label = str(lag.partition)
        if lag.entries is not None:
            LOG_LAG_ENTRIES.labels(partition=label).set(lag.entries)
        if lag.seconds is not None:
            LOG_LAG_SECONDS.labels(partition=label).set(lag.seconds)
        if lag.length is not None:
            LOG_LENGTH.labels(partition=label).set(lag.length)


@router.get(
    "/metrics",
    summary="Prometheus metrics of this process (loopback, or the metrics token)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_PLAIN_0_0_4: {"schema": {"type": "string"}}}}},
)
async def prometheus_metrics(request: Request, services: ServicesDep) -> Response:
    check_scraper(request, services.settings)
    await refresh_state_gauges(request)
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(REGISTRY), headers={"Content-Type": content_type})
