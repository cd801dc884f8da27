"""The aggregator agrees exactly with the plain reference on every metric, scope and window at
many points in time, on messy generated streams; a restart from a checkpoint changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple

import msgspec
from hypothesis import HealthCheck, given, settings

from app.streams.aggregator import LIVE, WINDOWS, Metrics, TenantAggregator
from tests.streams.reference import Reference
from tests.streams.scenarios import Op, config, scenarios

ALL_WINDOWS = (*WINDOWS, LIVE)


def compare(agg: TenantAggregator, ref: Reference, now: int) -> None:
    scopes = set(agg.scopes()) | ref.scope_names()
    for scope in sorted(scopes):
        for window in ALL_WINDOWS:
            got = agg.metrics(scope, window, now)
            want = ref.metrics(scope, window, now)
            assert got == want, (scope, window, now, _diff(got, want))
            assert all(v is None or v >= 0 for v in got.values()), (scope, window, got)
    board = [
        (r.agent, r.state, r.reason, r.since_ms, r.call_id, r.call_queue, r.handled_today)
        for r in agg.agent_board(now)
    ]
    assert board == ref.board(now)
    listed = [msgspec.structs.astuple(e) for e in agg.callback_entries(now)]
    assert listed == [astuple(e) for e in ref.callbacks.listed(max(now, ref.wm))]


def _diff(got: Metrics, want: Metrics) -> dict[str, tuple[object, object]]:
    keys = set(got) | set(want)
    return {k: (got.get(k), want.get(k)) for k in keys if got.get(k) != want.get(k)}


def run(tz: str, ops: list[Op]) -> None:
    cfg = config(tz)
    agg = TenantAggregator(cfg)
    twin = TenantAggregator(cfg)  # never restarted
    ref = Reference(cfg)
    for op in ops:
        if op.kind == "event":
            assert op.event is not None
            agg.apply(op.event)
            twin.apply_batch([op.event])
            ref.apply(op.event)
        elif op.kind == "advance":
            agg.advance(op.now_ms)
            twin.advance(op.now_ms)
            ref.advance(op.now_ms)
        elif op.kind == "restart":
            agg = TenantAggregator.load(agg.dump(), cfg)
            twin.dump()  # its ledgers keep what it encoded: its last dump starts from that
        else:
            compare(agg, ref, op.now_ms)
            compare(twin, ref, op.now_ms)
    assert agg.dump() == twin.dump()
    assert agg.counts_by_type() == ref.counts
    assert Counter(agg.drain_facts()) == Counter(ref.facts)
    assert twin.drain_facts() != [] or ref.facts == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_aggregator_matches_reference(case: tuple[str, list[Op]]) -> None:
    run(*case)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_events=300))
def test_aggregator_matches_reference_on_long_streams(case: tuple[str, list[Op]]) -> None:
    run(*case)
