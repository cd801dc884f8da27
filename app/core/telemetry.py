"""The service's Prometheus metrics, in one registry of their own.

Counters and histograms are updated where things happen (ingestion, aggregation, WebSocket
closes, alert deliveries, HTTP requests); gauges that describe a state (connected clients, the
event log's lag per partition) are read when `/metrics` is scraped (app/ops/endpoints.py).
Counts are per process: on the redis engine scrape every API process (and sum), as usual.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series
REGISTRY: Final = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)

EVENTS_RECEIVED = Counter(
    "floorwatch_events_received",
    "Events in ingest requests (canonical and adapted), before validation.",
    registry=REGISTRY,
)
EVENTS_ACCEPTED = Counter(
    "floorwatch_events_accepted",
    "New events appended to the event log (the ingest rate is its rate()).",
    registry=REGISTRY,
)
EVENTS_DUPLICATE = Counter(
    "floorwatch_events_duplicate",
    "Events whose id the tenant had already sent (not applied again).",
    registry=REGISTRY,
)
EVENTS_REJECTED = Counter(
    "floorwatch_events_rejected",
    "Events refused by validation (malformed, too far in the future).",
    registry=REGISTRY,
)
CHECKPOINTS_UNREADABLE = Counter(
    "floorwatch_checkpoints_unreadable",
    "Partition checkpoints a worker could not read at take-over (rebuilt from the stream).",
    registry=REGISTRY,
)
AGGREGATION_SECONDS = Histogram(
    "floorwatch_aggregation_seconds",
    "Time to apply one batch of log entries to the aggregators.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
AGGREGATED_EVENTS = Counter(
    "floorwatch_aggregated_events",
    "Events applied to the aggregators of this process.",
    registry=REGISTRY,
)
LOG_LAG_ENTRIES = Gauge(
    "floorwatch_event_log_lag_entries",
    "Event log entries (batches) appended but not yet applied, per partition "
    "(memory engine: exact; redis engine: after the partition's checkpoint).",
    ["partition"],
    registry=REGISTRY,
)
LOG_LAG_SECONDS = Gauge(
    "floorwatch_event_log_lag_seconds",
    "Age of the oldest event log entry not yet applied (redis engine: not yet checkpointed), "
    "per partition; 0 when the partition is caught up.",
    ["partition"],
    registry=REGISTRY,
)
LOG_LENGTH = Gauge(
    "floorwatch_event_log_length",
    "Entries kept in the event log per partition (redis engine: stream length).",
    ["partition"],
    registry=REGISTRY,
)
FACTS_PENDING = Gauge(
    "floorwatch_facts_pending",
    "Memory engine: facts aggregated and not yet written to the database.",
    registry=REGISTRY,
)
FACTS_WRITTEN = Counter(
    "floorwatch_facts_written",
    "Memory engine: facts written to the database by this process.",
    registry=REGISTRY,
)
FACTS_DROPPED = Counter(
    "floorwatch_facts_dropped",
    "Memory engine: facts dropped because the queue was full while database writes failed.",
    registry=REGISTRY,
)
WEBSOCKET_CLIENTS = Gauge(
    "floorwatch_websocket_clients",
    "WebSocket clients connected to this process.",
    registry=REGISTRY,
)
WEBSOCKET_TOPICS = Gauge(
    "floorwatch_websocket_topics",
    "Live topics this process keeps up to date (a call-back topic once per view of its numbers).",
    registry=REGISTRY,
)
WEBSOCKET_CLOSED = Counter(
    "floorwatch_websocket_closed_by_server",
    "WebSocket connections the server closed, by close code (4008: a slow client dropped; "
    "4009: idle; 1012: restart).",
    ["code"],
    registry=REGISTRY,
)
ALERT_DELIVERIES = Counter(
    "floorwatch_alert_deliveries",
    "Alert notifications finished, by outcome (delivered, failed).",
    ["outcome"],
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "floorwatch_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "floorwatch_http_request_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


def observe_ingest(received: int, accepted: int, duplicates: int, rejected: int) -> None:
    EVENTS_RECEIVED.inc(received)
    EVENTS_ACCEPTED.inc(accepted)
    EVENTS_DUPLICATE.inc(duplicates)
    EVENTS_REJECTED.inc(rejected)


def observe_aggregation(seconds: float, events: int) -> None:
    AGGREGATION_SECONDS.observe(seconds)
    AGGREGATED_EVENTS.inc(events)


def observe_websocket_closed(code: int) -> None:
    WEBSOCKET_CLOSED.labels(code=str(code)).inc()


def observe_alert_delivery(outcome: str) -> None:
    ALERT_DELIVERIES.labels(outcome=outcome).inc()
