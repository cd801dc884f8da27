"""The live metrics aggregator: call and agent state machines and exact rolling windows,
a pure in-process function of the event sequence and the clock (docs/metrics.md)."""

from app.streams.aggregator.aggregator import TenantAggregator
from app.streams.aggregator.board import AgentStatus
from app.streams.aggregator.catalog import LIVE, WINDOWS, Metrics
from app.streams.aggregator.config import QueueConfig, TenantConfig
from app.streams.aggregator.empty import empty_metrics
from app.streams.aggregator.facts import (
    AgentStateFact,
    CallbackFact,
    CallFact,
    CsatFact,
    DealFact,
    Fact,
    PipelineFact,
)

__all__ = [
    "LIVE",
    "WINDOWS",
    "AgentStateFact",
    "AgentStatus",
    "CallFact",
    "CallbackFact",
    "CsatFact",
    "DealFact",
    "Fact",
    "Metrics",
    "PipelineFact",
    "QueueConfig",
    "TenantAggregator",
    "TenantConfig",
    "empty_metrics",
]
