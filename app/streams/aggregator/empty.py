"""The catalog of a scope that has seen no events (zeros and nulls), for APIs that answer
before the first event of a tenant arrives."""

from __future__ import annotations

from functools import lru_cache

from app.streams.aggregator.aggregator import TenantAggregator
from app.streams.aggregator.catalog import Metrics
from app.streams.aggregator.config import TenantConfig


@lru_cache(maxsize=1)
def _empty_aggregator() -> TenantAggregator:
    return TenantAggregator(TenantConfig(tenant_id=0))


def empty_metrics(scope: str, window: str) -> Metrics:
    return dict(_empty_aggregator().metrics(scope, window, 0))
