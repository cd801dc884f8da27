"""No caller number outlives its retention: the settings keep the list's expiry inside it, and
the aggregator's state (what checkpoints hold) forgets a number a day after its entry closed
and its calls within their tombstone time."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.events.schemas import CallAbandoned, CallConnected, CallDialed, CallQueued
from app.streams.aggregator import TenantAggregator, TenantConfig

T0 = 1_700_000_000_000
HOUR = 3_600_000
NUMBER = "+48601234567"


def test_the_expiry_must_leave_a_day_of_the_retention() -> None:
    with pytest.raises(ValidationError, match="callback_expiry_hours"):
        Settings(callback_expiry_hours=24 * 30, caller_retention_days=30)
    assert Settings(callback_expiry_hours=24 * 29, caller_retention_days=30)
    assert (Settings().callback_expiry_hours, Settings().caller_retention_days) == (24, 30)


def test_the_state_forgets_a_number_a_day_after_its_entry_closed() -> None:
    agg = TenantAggregator(TenantConfig(tenant_id=1, finished_call_retention_s=3600))
    agg.apply_batch(
        [
            CallQueued(id="1", ts=T0, call_id="c1", queue="Sales", caller=NUMBER),
            CallAbandoned(id="2", ts=T0 + 60_000, call_id="c1"),
            CallDialed(id="3", ts=T0 + HOUR, call_id="o1", agent="a1", caller=NUMBER),
            CallConnected(id="4", ts=T0 + HOUR + 10_000, call_id="o1", agent="a1"),
        ]
    )
    assert NUMBER.encode() in agg.dump()
    facts = agg.drain_facts()
    assert any(type(f).__name__ == "CallbackFact" for f in facts)
    assert not any(NUMBER in repr(f) for f in facts)  # facts (and reports) keep no number
    closed = T0 + HOUR + 10_000
    agg.advance(closed + 24 * HOUR - 1)
    assert [e.number for e in agg.callback_entries(closed + 24 * HOUR - 1)] == [NUMBER]
    later = closed + 24 * HOUR + 15 * 60_000  # past a period boundary: closed entries pruned
    agg.apply(CallQueued(id="5", ts=later, call_id="c9", queue="Sales"))
    assert agg.callback_entries(later) == []
    assert NUMBER.encode() not in agg.dump()


def test_an_open_entry_expires_and_is_forgotten() -> None:
    agg = TenantAggregator(TenantConfig(tenant_id=1, callback_expiry_s=2 * 3600))
    agg.apply_batch(
        [
            CallQueued(id="1", ts=T0, call_id="c1", queue="Sales", caller=NUMBER),
            CallAbandoned(id="2", ts=T0 + 60_000, call_id="c1"),
        ]
    )
    later = T0 + 60_000 + 2 * HOUR + 24 * HOUR + 15 * 60_000
    agg.apply(CallQueued(id="3", ts=later, call_id="c9", queue="Sales"))
    assert agg.callback_entries(later) == []
    assert NUMBER.encode() not in agg.dump()
