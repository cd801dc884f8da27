"""The simulator's callers and call-backs (the demo's live call-back list)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from app.events.schemas import CallAbandoned, CallConnected, CallDialed, CallQueued
from app.integrations.demo import demo_config
from app.integrations.simulation import Callbacks, SimConfig, Simulator
from app.streams.aggregator import TenantAggregator, TenantConfig

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
HOURS_MS = 2 * 3_600_000


def test_callers_abandon_and_agents_call_them_back() -> None:
    config = demo_config(NOW)
    assert config.callbacks is not None
    events = Simulator(config).run_until(int(NOW.timestamp() * 1000) + HOURS_MS)
    queued = [e for e in events if isinstance(e, CallQueued)]
    assert all(e.caller is not None and e.caller.startswith("+485") for e in queued)
    abandoned = {e.call_id for e in events if isinstance(e, CallAbandoned)}
    missed = {e.caller for e in queued if e.call_id in abandoned}
    dialed = [e for e in events if isinstance(e, CallDialed)]
    assert dialed
    assert {e.caller for e in dialed} <= missed  # only callers who hung up are called back
    connected = {e.call_id for e in events if isinstance(e, CallConnected)}
    assert 0 < len(connected) < len(dialed)  # some pick up, some ring out

    agg = TenantAggregator(TenantConfig(tenant_id=1))
    agg.apply_batch(events)
    statuses = Counter(e.status for e in agg.callback_entries(agg.clock_ms))
    assert statuses["open"] > 0
    assert statuses["returned_by_us"] > 0
    assert statuses["called_again"] > 0
    assert agg.metrics("tenant", "live", agg.clock_ms)["unreturned"] == statuses["open"]


def test_without_call_backs_calls_carry_no_number_and_the_same_seed_gives_the_same_events() -> None:
    plain = SimConfig(start=NOW, seed=3)
    events = Simulator(plain).run_until(int(NOW.timestamp() * 1000) + HOURS_MS)
    assert not any(isinstance(e, CallQueued) and e.caller for e in events)
    assert not any(isinstance(e, CallDialed) for e in events)
    with_numbers = SimConfig(start=NOW, seed=3, callbacks=Callbacks(callback_probability=0))
    again = Simulator(with_numbers).run_until(int(NOW.timestamp() * 1000) + HOURS_MS)
    strip = [e if not isinstance(e, CallQueued) else e.call_id for e in again]
    assert strip == [e if not isinstance(e, CallQueued) else e.call_id for e in events]
